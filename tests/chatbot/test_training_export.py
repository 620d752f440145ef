"""`export_training_data`: the golden set as OpenAI chat fine-tuning examples."""

import datetime
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from chatbot.models import GoldenCase, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import case_from_turn
from faq.models import Department, Faq, FaqStatus

NONSENSE = "宇宙船の操縦免許はどこで取れますか"


def _case(question: str, *, answerable: bool = True, faq: Faq | None = None) -> GoldenCase:
    response = turn_ask(question=question)
    return case_from_turn(Turn.objects.get(pk=response["turn_id"]), answerable=answerable, faq=faq)


def _export(tmp_path: Path, *arguments: str) -> list[dict[str, list[dict[str, str]]]]:
    out = tmp_path / "train.jsonl"
    call_command("export_training_data", "--out", str(out), *arguments)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.django_db
def test_pairs_and_failure_cases_in_the_chat_fine_tuning_format(
    indexed_town: dict[str, Faq], reception: Department, tmp_path: Path
) -> None:
    faq = indexed_town["R-003"]
    _case(faq.question)
    nonsense = _case(NONSENSE, answerable=False)

    examples = _export(tmp_path)

    assert len(examples) == 2
    for example in examples:
        assert set(example) == {"messages"}
        assert [message["role"] for message in example["messages"]] == ["system", "user", "assistant"]
        assert all(isinstance(message["content"], str) and message["content"] for message in example["messages"])
    by_question = {example["messages"][1]["content"]: example["messages"][2]["content"] for example in examples}
    pair = by_question[faq.question]
    assert pair.startswith(faq.answer)
    assert f"FAQ R-003「{faq.question}」" in pair
    handoff = by_question[NONSENSE]
    assert "お問い合わせください" in handoff
    assert nonsense.turn is not None
    expected = nonsense.turn.department or reception
    assert f"{expected.name}（電話 {expected.phone}" in handoff


@pytest.mark.django_db
def test_english_cases_get_english_texts(indexed_town: dict[str, Faq], tmp_path: Path) -> None:
    case = GoldenCase.objects.create(case_id="en-1", query="How do I get a residence certificate?", lang="en")
    case.relevant_faqs.set([indexed_town["R-003"]])

    (example,) = _export(tmp_path)

    system, _user, assistant = example["messages"]
    assert system["content"].startswith("You are the town office")
    assert f'(Source: FAQ R-003 "{indexed_town["R-003"].question}")' in assistant["content"]


@pytest.mark.django_db
def test_since_and_unpublished_faqs_leave_cases_out(indexed_town: dict[str, Faq], tmp_path: Path) -> None:
    with time_machine.travel(datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)):
        old = GoldenCase.objects.create(case_id="old", query="住民票がほしい", lang="ja")
        old.relevant_faqs.set([indexed_town["R-003"]])
    withdrawn = GoldenCase.objects.create(case_id="withdrawn", query="粗大ごみ", lang="ja")
    withdrawn.relevant_faqs.set([indexed_town["R-001"]])
    Faq.objects.filter(pk=indexed_town["R-001"].pk).update(status=FaqStatus.WITHDRAWN)
    out = tmp_path / "train.jsonl"

    call_command("export_training_data", "--out", str(out))
    assert [json.loads(line)["messages"][1]["content"] for line in out.read_text().splitlines()] == ["住民票がほしい"]
    call_command("export_training_data", "--since", "2026-02-01", "--out", str(out))
    assert out.read_text() == ""


@pytest.mark.django_db
def test_bad_arguments_get_clear_errors(town: dict[str, Faq], tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--since must be a date"):
        call_command("export_training_data", "--since", "last week", "--out", str(tmp_path / "x.jsonl"))
    with pytest.raises(CommandError, match="cannot write"):
        call_command("export_training_data", "--out", str(tmp_path / "missing-dir" / "x.jsonl"))

"""`manage.py ask`: one question or a JSONL batch, every question logged as a cli turn."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chatbot.models import Channel, Outcome, Turn
from faq.models import Faq
from tests.chatbot.chat_support import assert_contract


def ask(*args: str) -> str:
    out = io.StringIO()
    call_command("ask", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_ask_json_prints_one_answer_object_and_logs_a_cli_turn(indexed_town: dict[str, Faq]) -> None:
    output = ask("粗大ごみの収集を申し込みたい", "--json")

    lines = output.strip().splitlines()
    assert len(lines) == 1
    response = json.loads(lines[0])
    assert_contract(response)
    assert response["outcome"] == Outcome.ANSWER
    assert response["answer"] == indexed_town["R-001"].answer
    turn = Turn.objects.get()
    assert str(turn.pk) == response["turn_id"]
    assert turn.channel == Channel.CLI
    assert turn.question == "粗大ごみの収集を申し込みたい"

    plain = ask("ごみを出したい")
    assert plain.startswith("outcome: ")
    assert "candidates:" in plain
    assert "[R-002]" in plain
    assert Turn.objects.count() == 2


@pytest.mark.django_db
def test_ask_jsonl_writes_one_object_per_line_with_the_id_copied(indexed_town: dict[str, Faq], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    target = tmp_path / "out.jsonl"
    rows = [
        {"id": "q1", "query": "住民票の写しが欲しい"},
        {"id": "q2", "query": "明日の天気は？", "lang": "ja"},
        {"id": "q3", "query": "Bonjour, où est la mairie ?", "lang": "fr"},
        {"id": 4, "query": ""},
        {"id": "q5", "query": "How do I register my dog?", "lang": "en"},
    ]
    source.write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in rows[:2])
        + "\n\n"
        + "\n".join(json.dumps(row, ensure_ascii=False) for row in rows[2:])
        + "\n",
        encoding="utf-8",
    )

    ask("--jsonl-in", str(source), "--jsonl-out", str(target))

    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in out] == ["q1", "q2", "q3", 4, "q5"]
    for response in out:
        assert_contract(response)
    assert out[0]["outcome"] == Outcome.ANSWER
    assert out[0]["sources"][0]["external_id"] == "R-003"
    assert out[1]["outcome"] == Outcome.HANDOFF
    assert out[2]["outcome"] == Outcome.REJECTED
    assert out[2]["answer"] == "対応していない言語です（日本語または英語）。"
    assert out[3]["outcome"] == Outcome.REJECTED
    assert out[4]["lang"] == "en"
    assert Turn.objects.count() == 5
    assert set(Turn.objects.values_list("channel", flat=True)) == {Channel.CLI}
    assert {r["turn_id"] for r in out} == {str(pk) for pk in Turn.objects.values_list("pk", flat=True)}


@pytest.mark.django_db
def test_ask_jsonl_without_output_file_prints_the_lines(town: dict[str, Faq], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "query": "住民票の写しが欲しい"}\n{"id": "b", "query": "😀😀"}\n', encoding="utf-8")

    output = ask("--jsonl-in", str(source))

    out = [json.loads(line) for line in output.strip().splitlines()]
    assert [(r["id"], r["outcome"]) for r in out] == [("a", Outcome.ANSWER), ("b", Outcome.REJECTED)]


@pytest.mark.django_db
def test_ask_bad_batch_line_or_no_question_is_a_command_error(town: dict[str, Faq], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "query": "印鑑登録をしたい"}\n{"id": "b"}\n', encoding="utf-8")

    with pytest.raises(CommandError, match="line 2"):
        ask("--jsonl-in", str(source), "--jsonl-out", str(tmp_path / "out.jsonl"))
    with pytest.raises(CommandError, match="no such file"):
        ask("--jsonl-in", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="give a question"):
        ask()
    assert Turn.objects.count() == 1  # the first line was asked before the bad one

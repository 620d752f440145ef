"""The golden set: cases from logged turns in one click, from JSONL files, exported again, and evaluated."""

import json
import re
from collections.abc import Mapping
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from changeflow.staff import faq_admin_group_ensure
from chatbot.models import CaseSource, GoldenCase, Outcome, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import GoldenSetError, case_from_turn, cases_export, cases_import, golden_cases
from faq.models import Faq

NONSENSE = "宇宙船の操縦免許はどこで取れますか"


def _turn(question: str) -> Turn:
    response = turn_ask(question=question)
    return Turn.objects.get(pk=response["turn_id"])


def _write(path: Path, *cases: Mapping[str, object]) -> Path:
    path.write_text("".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- from turns


@pytest.mark.django_db
def test_an_answered_turn_becomes_a_case_with_the_faq_it_answered(indexed_town: dict[str, Faq]) -> None:
    turn = _turn(indexed_town["R-003"].question)
    assert turn.outcome == Outcome.ANSWER

    case = case_from_turn(turn, answerable=True)

    assert case.case_id == f"turn-{turn.pk}"
    assert case.query == turn.question
    assert case.source == CaseSource.TURN
    assert case.turn == turn
    assert case.answerable is True
    assert list(case.relevant_faqs.all()) == [indexed_town["R-003"]]
    faq = indexed_town["R-003"]
    assert faq.department is not None
    assert faq.category is not None
    assert f"department:{faq.department.name}" in case.tags
    assert f"topic:{faq.category.name}" in case.tags
    assert "lang:ja" in case.tags


@pytest.mark.django_db
def test_marking_a_turn_again_relabels_its_one_case(indexed_town: dict[str, Faq]) -> None:
    turn = _turn(indexed_town["R-001"].question)
    case_from_turn(turn, answerable=True)

    relabelled = case_from_turn(turn, answerable=False)

    assert GoldenCase.objects.count() == 1
    assert relabelled.answerable is False
    assert relabelled.relevant_faqs.count() == 0
    # The right FAQ can also be given when the bot chose another one.
    corrected = case_from_turn(turn, answerable=True, faq=indexed_town["R-002"])
    assert list(corrected.relevant_faqs.all()) == [indexed_town["R-002"]]
    assert GoldenCase.objects.count() == 1


@pytest.mark.django_db
def test_a_handed_off_turn_needs_the_right_faq_to_become_an_answerable_case(indexed_town: dict[str, Faq]) -> None:
    turn = _turn(NONSENSE)
    assert turn.outcome != Outcome.ANSWER

    with pytest.raises(GoldenSetError, match="choose the right FAQ"):
        case_from_turn(turn, answerable=True)
    assert GoldenCase.objects.count() == 0

    case = case_from_turn(turn, answerable=False)
    assert case.answerable is False
    assert case.relevant_faqs.count() == 0


# ---------------------------------------------------------------------------------------------- from files


@pytest.mark.django_db
def test_import_creates_then_updates_cases_and_resolves_external_ids(town: dict[str, Faq], tmp_path: Path) -> None:
    path = _write(
        tmp_path / "cases.jsonl",
        {"id": "c1", "query": "粗大ごみを出したい", "relevant_ids": ["R-001"], "answerable": True, "lang": "ja"},
        {"id": "c2", "query": "ごみの日", "relevant_ids": ["R-002", "R-001"], "lang": "ja"},
        {"id": "c3", "query": "宇宙旅行の補助金", "relevant_ids": [], "answerable": False, "lang": "ja"},
    )

    assert cases_import([path], tags=["set:pilot"]) == {"created": 3, "updated": 0}
    assert cases_import([path]) == {"created": 0, "updated": 3}

    assert GoldenCase.objects.count() == 3
    two = GoldenCase.objects.get(case_id="c2")
    assert set(two.relevant_faqs.all()) == {town["R-001"], town["R-002"]}
    assert two.source == CaseSource.IMPORT
    assert "set:pilot" not in two.tags  # the second import gave no extra tag
    assert GoldenCase.objects.get(case_id="c3").answerable is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"id": "a", "query": "x", "relevant_ids": ["R-999"]}], "no FAQ R-999"),
        ([{"id": "a", "query": "x", "relevant_ids": []}], "answerable but no relevant_ids"),
        ([{"id": "a", "query": " ", "relevant_ids": ["R-001"]}], "empty query"),
        (
            [
                {"id": "a", "query": "x", "relevant_ids": ["R-001"]},
                {"id": "a", "query": "y", "relevant_ids": ["R-001"]},
            ],
            "the id is also in",
        ),
    ],
)
def test_a_bad_case_refuses_the_whole_import(
    town: dict[str, Faq], tmp_path: Path, lines: list[dict[str, object]], message: str
) -> None:
    good = {"id": "good", "query": "住民票", "relevant_ids": ["R-003"]}
    path = _write(tmp_path / "cases.jsonl", good, *lines)

    with pytest.raises(GoldenSetError, match=re.escape(message)):
        cases_import([path])
    assert GoldenCase.objects.count() == 0


@pytest.mark.django_db
def test_import_command_names_the_bad_line_and_a_missing_file(town: dict[str, Faq], tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "query": "住民票", "relevant_ids": ["R-003"]}\nnot json\n', encoding="utf-8")

    with pytest.raises(CommandError, match="line 2"):
        call_command("import_cases", str(broken))
    with pytest.raises(CommandError, match=r"missing\.jsonl"):
        call_command("import_cases", str(tmp_path / "missing.jsonl"))
    assert GoldenCase.objects.count() == 0


@pytest.mark.django_db
def test_export_writes_the_contract_format_and_imports_back_unchanged(
    indexed_town: dict[str, Faq], tmp_path: Path
) -> None:
    case_from_turn(_turn(indexed_town["R-003"].question), answerable=True)
    case_from_turn(_turn(NONSENSE), answerable=False)
    GoldenCase.objects.create(case_id="retired", query="古い質問", answerable=False, active=False)

    out = tmp_path / "golden.jsonl"
    call_command("export_cases", "--out", str(out))

    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == 2  # the case not in use is left out
    by_answerable = {item["answerable"]: item for item in items}
    assert by_answerable[True]["relevant_ids"] == ["R-003"]
    assert by_answerable[False]["relevant_ids"] == []
    assert set(by_answerable[True]) == {"id", "query", "relevant_ids", "answerable", "lang", "tags"}
    before = cases_export()
    assert cases_import([out]) == {"created": 0, "updated": 2}
    assert cases_export() == before


# ---------------------------------------------------------------------------------------------- evaluation


@pytest.mark.django_db
def test_evaluate_golden_gives_exact_figures_on_a_small_known_set(indexed_town: dict[str, Faq]) -> None:
    # The exact FAQ questions are answered with their FAQ; the nonsense question is not answered.
    for key in ("R-001", "R-003"):
        case_from_turn(_turn(indexed_town[key].question), answerable=True)
    case_from_turn(_turn(NONSENSE), answerable=False)
    turns_before = Turn.objects.count()
    out = StringIO()

    call_command("evaluate", "--golden", "--json", "--no-log", stdout=out)

    metrics = json.loads(out.getvalue().strip().splitlines()[-1])
    assert metrics["n"] == 3
    assert metrics["sr1"] == 1.0
    assert metrics["mrr"] == 1.0
    assert metrics["answered"] == pytest.approx(2 / 3, abs=0.001)
    assert metrics["wrong_answer_rate"] == 0.0
    assert metrics["resolved"] == 1.0
    assert metrics["oos_declined"] == 1.0
    assert Turn.objects.count() == turns_before


@pytest.mark.django_db
def test_a_wrong_label_shows_as_a_wrong_answer(indexed_town: dict[str, Faq]) -> None:
    """The evaluation really compares with the label: the bot's answer against a case that says another FAQ."""
    case_from_turn(_turn(indexed_town["R-003"].question), answerable=True, faq=indexed_town["R-002"])
    out = StringIO()

    call_command("evaluate", "--golden", "--json", "--no-log", stdout=out)

    metrics = json.loads(out.getvalue().strip().splitlines()[-1])
    assert metrics["n"] == 1
    assert metrics["sr1"] == 0.0
    assert metrics["wrong_answer_rate"] == 1.0


@pytest.mark.django_db
def test_tags_select_the_cases_evaluated_and_exported(indexed_town: dict[str, Faq]) -> None:
    kankyo = case_from_turn(_turn(indexed_town["R-001"].question), answerable=True)
    case_from_turn(_turn(indexed_town["R-003"].question), answerable=True)
    department = indexed_town["R-001"].department
    assert department is not None
    tag = f"department:{department.name}"
    assert tag in kankyo.tags

    assert [case.case_id for case in golden_cases([tag])] == [kankyo.case_id]
    assert len(golden_cases()) == 2
    assert len(cases_export([tag, "lang:ja"]).splitlines()) == 1
    assert cases_export(["lang:en"]) == ""
    out = StringIO()
    call_command("evaluate", "--golden", "--tag", tag, "--json", "--no-log", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["n"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "either --cases FILE"),
        (["--golden", "--cases", "x.jsonl"], "either --cases FILE"),
        (["--cases", "x.jsonl", "--tag", "lang:ja"], "use it with --golden"),
        (["--golden"], "no cases in use"),
        (["--golden", "--tag", "lang:xx"], "no cases in use with these tags"),
    ],
)
def test_evaluate_refuses_unclear_case_choices(town: dict[str, Faq], arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("evaluate", *arguments)


# ---------------------------------------------------------------------------------------------- admin


@pytest.fixture
def faq_admin_client(db: None) -> Client:
    user = User.objects.create_user("golden-admin", "golden-admin@example.jp", "pw-golden-admin-123", is_staff=True)
    user.groups.add(faq_admin_group_ensure())
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_staff_add_turns_to_the_golden_set_from_the_turn_log(
    indexed_town: dict[str, Faq], faq_admin_client: Client
) -> None:
    answered = _turn(indexed_town["R-003"].question)
    handed_off = _turn(NONSENSE)
    url = reverse("admin:chatbot_turn_changelist")

    response = faq_admin_client.post(
        url,
        {"action": "mark_answer_right", ACTION_CHECKBOX_NAME: [str(answered.pk), str(handed_off.pk)], "index": "0"},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any("1" in text and ("golden" in text or "ゴールデン" in text) for text in shown)
    assert len(shown) == 2  # the handed-off turn was skipped, with a warning
    case = GoldenCase.objects.get()
    assert case.turn == answered
    assert case.created_by is not None
    assert case.created_by.username == "golden-admin"

    faq_admin_client.post(
        url, {"action": "mark_not_to_answer", ACTION_CHECKBOX_NAME: [str(handed_off.pk)], "index": "0"}
    )
    assert GoldenCase.objects.get(turn=handed_off).answerable is False


@pytest.mark.django_db
def test_the_golden_case_form_refuses_contradictory_labels(town: dict[str, Faq], faq_admin_client: Client) -> None:
    url = reverse("admin:chatbot_goldencase_add")
    base = {"case_id": "staff-1", "query": "粗大ごみ", "lang": "ja", "tags": "[]", "active": "on"}

    no_faq = faq_admin_client.post(url, {**base, "answerable": "on"})
    assert no_faq.status_code == 200
    assert GoldenCase.objects.count() == 0
    with_faq = faq_admin_client.post(url, {**base, "relevant_faqs": [town["R-001"].pk]})
    assert with_faq.status_code == 200
    assert GoldenCase.objects.count() == 0
    bad_tags = faq_admin_client.post(
        url, {**base, "answerable": "on", "relevant_faqs": [town["R-001"].pk], "tags": '{"a": 1}'}
    )
    assert bad_tags.status_code == 200
    assert GoldenCase.objects.count() == 0

    saved = faq_admin_client.post(url, {**base, "answerable": "on", "relevant_faqs": [town["R-001"].pk]})
    assert saved.status_code == 302
    case = GoldenCase.objects.get()
    assert list(case.relevant_faqs.all()) == [town["R-001"]]
    assert case.source == CaseSource.STAFF

"""Recalibration from the turn log: `calibrate_gate --from-turns` fits the gate on the turns staff labelled in the
last months and only proposes the result (an inactive version with before/after figures); staff activate it in
admin, where the regression check runs first."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatbot.models import GateConfig, GoldenCase, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import case_from_turn, labelled_turn_cases
from faq.models import Faq

# Out-of-scope questions a resident might ask (not answered by the small town's FAQs).
OUT_OF_SCOPE = [
    "宇宙船の操縦免許はどこで取れますか",
    "隣の市の花火大会は何時からですか",
    "おすすめのラーメン屋を教えて",
    "明日の天気は晴れますか",
    "株価の予想を教えてください",
    "好きな映画は何ですか",
    "東京タワーの高さは？",
    "今日の夕飯の献立を考えて",
]
# Resident wordings of some FAQs, labelled with the FAQ staff say is right.
WORDINGS = {
    "R-001": ["ソファを捨てたいんだけど", "古いベッドを処分したい"],
    "R-002": ["燃えるごみは何曜日？", "ごみ出しのルールを教えて"],
    "R-003": ["住民票がほしい", "住民票の写しはどこでもらえますか"],
    "R-004": ["国保の手続きを知りたい"],
    "R-005": ["引っ越し先で水を使いたい"],
}


def _label(question: str, faq: Faq | None) -> GoldenCase:
    turn = Turn.objects.get(pk=turn_ask(question=question, channel="web")["turn_id"])
    return case_from_turn(turn, answerable=faq is not None, faq=faq)


def _labelled_turns(town: dict[str, Faq]) -> list[GoldenCase]:
    cases = [_label(faq.question, faq) for faq in town.values()]
    cases += [_label(text, town[key]) for key, texts in WORDINGS.items() for text in texts]
    cases += [_label(text, None) for text in OUT_OF_SCOPE]
    return cases


@pytest.mark.django_db
def test_a_proposal_is_stored_inactive_with_before_and_after_figures(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = _labelled_turns(indexed_town)

    call_command("calibrate_gate", "--from-turns", "--months", "2")

    proposal = GateConfig.objects.exclude(pk=builtin_gate.pk).get()
    assert proposal.is_active is False
    assert GateConfig.objects.get(is_active=True) == builtin_gate
    calibration = proposal.calibration
    assert calibration["proposal"] is True
    assert calibration["n"] == len(labelled) == 26
    assert calibration["cases"] == ["labelled turns, last 2 months"]
    for key in ("before", "after", "out_of_fold"):
        assert set(calibration[key]) == {
            "resolved",
            "wrong_answer_rate",
            "answered",
            "clarify_share",
            "handoff_answerable",
            "oos_answered",
        }
        assert all(0.0 <= value <= 1.0 for value in calibration[key].values())
    assert calibration["out_of_fold"]["resolved"] == calibration["chosen"]["resolved"]
    assert proposal.note == "proposed from 26 labelled turns (last 2 months)"
    out = capsys.readouterr().out
    assert f"gate version {proposal.pk} proposed (not active)" in out
    assert "live gate" in out
    assert "out-of-fold" in out
    # The figures were taken without logging: only the labelling turns exist.
    assert Turn.objects.count() == len(labelled)


@pytest.mark.django_db
def test_before_figures_are_the_live_gates_own(indexed_town: dict[str, Faq]) -> None:
    """'before' is what the live gate does on those questions (as `evaluate` measures it)."""
    from chatbot.quality.evaluation import evaluate_cases

    _labelled_turns(indexed_town)
    live = evaluate_cases(labelled_turn_cases(2), log=False, judge=False)

    call_command("calibrate_gate", "--from-turns", "--months", "2")

    before = GateConfig.objects.get(is_active=False).calibration["before"]
    assert before["resolved"] == live["resolved"]
    assert before["wrong_answer_rate"] == live["wrong_answer_rate"]


@pytest.mark.django_db
def test_only_turns_of_the_last_months_count(indexed_town: dict[str, Faq]) -> None:
    cases = _labelled_turns(indexed_town)
    old = [case.turn_id for case in cases[:10]]
    Turn.objects.filter(pk__in=old).update(created_at=timezone.now() - datetime.timedelta(days=75))

    assert len(labelled_turn_cases(3)) == 26
    assert len(labelled_turn_cases(2)) == 16
    # Imported and staff-entered cases are not turns: they are not last months' questions.
    GoldenCase.objects.filter(turn_id__in=old[:3]).update(source="import")
    assert len(labelled_turn_cases(3)) == 23
    with pytest.raises(CommandError, match="only 16 labelled turns in the last 2 months"):
        call_command("calibrate_gate", "--from-turns", "--months", "2")


@pytest.mark.django_db
def test_bad_arguments_are_refused(indexed_town: dict[str, Faq]) -> None:
    with pytest.raises(CommandError, match="give --cases FILE"):
        call_command("calibrate_gate")
    with pytest.raises(CommandError, match="--months must be at least 1"):
        call_command("calibrate_gate", "--from-turns", "--months", "0")
    with pytest.raises(CommandError, match="only 0 labelled turns"):
        call_command("calibrate_gate", "--from-turns")
    assert GateConfig.objects.filter(is_active=False).count() == 0


@pytest.mark.django_db
def test_dry_run_proposes_nothing(indexed_town: dict[str, Faq], builtin_gate: GateConfig) -> None:
    _labelled_turns(indexed_town)
    call_command("calibrate_gate", "--from-turns", "--dry-run")
    assert list(GateConfig.objects.all()) == [builtin_gate]


@pytest.mark.django_db
def test_admin_lists_the_proposal_with_its_figures_and_activates_it_through_the_check(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig, client: Client
) -> None:
    _labelled_turns(indexed_town)
    call_command("calibrate_gate", "--from-turns")
    proposal = GateConfig.objects.get(is_active=False)
    before, after = proposal.calibration["before"], proposal.calibration["after"]
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)

    page = client.get(reverse("admin:chatbot_gateconfig_changelist"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "再調整案：現在のゲート → この版" in html
    assert f"解決率 {before['resolved']} → {after['resolved']}" in html
    response = client.post(
        reverse("admin:chatbot_gateconfig_changelist"),
        {"action": "activate", "_selected_action": [proposal.pk], "override_reason": "reviewed the figures"},
    )
    assert response.status_code in (200, 302)
    proposal.refresh_from_db()
    assert proposal.is_active is True

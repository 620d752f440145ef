"""The regression gate: activating a gate or prompt version first evaluates the golden set with and without it;
a change that makes answers worse is blocked with the failing cases, unless overridden with a recorded reason."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from changeflow.staff import faq_admin_group_ensure
from chatbot.models import EvaluationRun, GateConfig, PromptVersion, RegressionCheck, RunTrigger, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import case_from_turn
from chatbot.quality.regression import RegressionBlocked, compare, gate_activate_checked, prompt_activate_checked
from faq.models import Faq

OUT_OF_SCOPE = [
    "宇宙船の操縦免許はどこで取れますか",
    "隣の市の花火大会は何時からですか",
    "おすすめのラーメン屋を教えて",
]
OPEN = {"answer_score": 0.0, "answer_margin": 0.0, "clarify_score": 0.0, "department_score": 0.0}


def _golden_set(town: dict[str, Faq]) -> None:
    """Two questions answered right (word for word their FAQ) and three that must not be answered."""
    for key in ("R-001", "R-003"):
        turn = Turn.objects.get(pk=turn_ask(question=town[key].question)["turn_id"])
        case_from_turn(turn, answerable=True)
    for question in OUT_OF_SCOPE:
        turn = Turn.objects.get(pk=turn_ask(question=question)["turn_id"])
        assert turn.outcome != "answer", question
        case_from_turn(turn, answerable=False)


def _run(metrics: dict[str, float], results: list[dict[str, object]]) -> EvaluationRun:
    return EvaluationRun.objects.create(
        trigger=RunTrigger.REGRESSION, cases_label="x", status="completed", metrics=metrics, results=results
    )


@pytest.mark.django_db
def test_compare_applies_the_tolerances_and_lists_the_cases_that_turned_wrong(settings: object) -> None:
    before = _run(
        {"wrong_answer_rate": 0.0, "resolved": 0.8},
        [{"id": "a", "right": True, "query": "qa"}, {"id": "b", "right": False, "query": "qb"}],
    )
    within = _run({"wrong_answer_rate": 0.02, "resolved": 0.78}, [{"id": "a", "right": True}, {"id": "b"}])
    worse = _run(
        {"wrong_answer_rate": 0.1, "resolved": 0.7},
        [{"id": "a", "right": False, "query": "qa", "outcome": "answer", "answered_with": "R-9"}, {"id": "b"}],
    )

    assert compare(before, within).passed is True
    verdict = compare(before, worse)
    assert verdict.passed is False
    assert verdict.reasons == [
        "wrong-answer rate 0.0 -> 0.1 (at most +0.02)",
        "resolved 0.8 -> 0.7 (at most -0.02)",
    ]
    assert verdict.failing == [{"id": "a", "query": "qa", "outcome": "answer", "answered_with": "R-9"}]


@pytest.mark.django_db
def test_a_gate_that_answers_everything_is_blocked_with_its_failing_cases(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    _golden_set(indexed_town)
    reckless = GateConfig.objects.create(kind="thresholds", parameters=OPEN, note="answers everything")

    with pytest.raises(RegressionBlocked) as blocked:
        gate_activate_checked(reckless)

    check = blocked.value.check
    assert check.passed is False
    assert check.action == RegressionCheck.Action.GATE
    assert any(reason.startswith("wrong-answer rate 0.0 ->") for reason in check.reasons)
    assert {case["query"] for case in check.failing_cases} <= set(OUT_OF_SCOPE)
    assert check.failing_cases
    assert all(case["outcome"] == "answer" for case in check.failing_cases)
    assert check.baseline.configuration["gate_version"] == builtin_gate.pk
    assert check.candidate.configuration["gate_version"] == reckless.pk
    # Nothing changed: the built-in gate is still the one residents get.
    assert GateConfig.objects.get(is_active=True) == builtin_gate
    assert turn_ask(question=OUT_OF_SCOPE[0], log=False)["outcome"] != "answer"


@pytest.mark.django_db
def test_an_equal_gate_passes_and_is_activated(indexed_town: dict[str, Faq], builtin_gate: GateConfig) -> None:
    _golden_set(indexed_town)
    same = GateConfig.objects.create(kind=builtin_gate.kind, parameters=builtin_gate.parameters, note="a copy")

    check = gate_activate_checked(same)

    assert check is not None
    assert check.passed is True
    assert check.reasons == []
    assert GateConfig.objects.get(is_active=True) == same


@pytest.mark.django_db
def test_an_override_with_a_reason_activates_and_is_recorded(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    _golden_set(indexed_town)
    user = User.objects.create_user("gate-owner", "gate-owner@example.jp", "pw-gate-owner-123")
    reckless = GateConfig.objects.create(kind="thresholds", parameters=OPEN)

    with pytest.raises(RegressionBlocked):
        gate_activate_checked(reckless, user=user, override_reason="   ")
    check = gate_activate_checked(reckless, user=user, override_reason="議会答弁の検証のため一時的に")

    assert check is not None
    assert check.passed is False
    assert check.overridden_by == user
    assert check.override_reason == "議会答弁の検証のため一時的に"
    assert GateConfig.objects.get(is_active=True) == reckless


@pytest.mark.django_db
def test_without_golden_cases_nothing_is_checked(town: dict[str, Faq], builtin_gate: GateConfig) -> None:
    other = GateConfig.objects.create(kind="thresholds", parameters=OPEN)

    assert gate_activate_checked(other) is None
    assert GateConfig.objects.get(is_active=True) == other
    assert RegressionCheck.objects.count() == 0


@pytest.mark.django_db
def test_a_prompt_version_without_an_llm_changes_no_answer_and_passes(indexed_town: dict[str, Faq]) -> None:
    _golden_set(indexed_town)
    version = PromptVersion.objects.create(text="新しい指示", note="v2")

    check = prompt_activate_checked(version)

    assert check is not None
    assert check.passed is True
    assert check.baseline.metrics["resolved"] == check.candidate.metrics["resolved"]
    version.refresh_from_db()
    assert version.is_active is True


@pytest.mark.django_db
def test_admin_shows_the_blocked_change_and_takes_an_override(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    _golden_set(indexed_town)
    reckless = GateConfig.objects.create(kind="thresholds", parameters=OPEN)
    user = User.objects.create_user("gate-admin", "gate-admin@example.jp", "pw-gate-admin-123", is_staff=True)
    user.groups.add(faq_admin_group_ensure())
    client = Client()
    client.force_login(user)
    url = reverse("admin:chatbot_gateconfig_changelist")
    form = {"action": "activate", ACTION_CHECKBOX_NAME: [str(reckless.pk)], "index": "0"}

    blocked = client.post(url, form)

    assert blocked.status_code == 200
    page = blocked.content.decode()
    assert OUT_OF_SCOPE[0] in page or OUT_OF_SCOPE[1] in page or OUT_OF_SCOPE[2] in page
    assert 'name="override_reason"' in page
    assert GateConfig.objects.get(is_active=True) == builtin_gate

    done = client.post(url, {**form, "override_reason": "一時的な検証のため"})

    assert done.status_code == 302
    assert GateConfig.objects.get(is_active=True) == reckless
    check = RegressionCheck.objects.filter(override_reason="一時的な検証のため").get()
    assert check.overridden_by == user
    assert client.get(reverse("admin:chatbot_regressioncheck_change", args=[check.pk])).status_code == 200

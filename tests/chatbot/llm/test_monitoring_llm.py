"""The monitors with a failing LLM (the real fake server answering HTTP 500): the canary counts a question whose
LLM reply failed as failing even though the resident got the right FAQ's text, and opens an LLM incident on its
second run; the LLM error monitor reads the residents' failed replies."""

import pytest

from chatbot.llm.fake import FakeLlm
from chatbot.models import (
    Channel,
    Composer,
    EvaluationRun,
    Incident,
    IncidentStatus,
    Monitor,
    MonitorCheck,
    Outcome,
    RunTrigger,
    SuspectedCause,
    Symptom,
)
from chatbot.pipeline import turn_ask
from chatbot.quality.monitors import run_canary
from chatbot.quality.readings import llm_error_reading
from faq.models import Faq
from tests.chatbot.monitoring_support import golden_set


def canary() -> MonitorCheck:
    check = run_canary()
    assert check is not None
    return check


@pytest.mark.django_db
def test_a_failing_llm_opens_an_llm_incident_on_the_second_canary_run(town: dict[str, Faq], llm: FakeLlm) -> None:
    garbage, resident_card = golden_set(town)[:2]
    healthy = canary()
    assert healthy.breached is False
    assert EvaluationRun.objects.get().trigger == RunTrigger.CANARY
    assert llm.calls > 0  # the answers were composed by the LLM
    llm.failure_rate = 1.0  # every request: HTTP 500

    first = canary()

    assert first.breached is True
    assert first.incident is None
    assert first.value == 2.0
    failing = sorted(first.details["cases"], key=lambda case: str(case["id"]))
    assert [case["id"] for case in failing] == sorted([garbage, resident_card])
    answered_with = {garbage: "R-001", resident_card: "R-003"}
    for case in failing:
        # Right FAQ, FAQ text given: failing only because the LLM step failed.
        assert case["right"] is True
        assert case["outcome"] == Outcome.ANSWER
        assert case["answered_with"] == answered_with[case["id"]]
        assert case["failure_class"].startswith("llm_")
    assert "wrong: 0; failed steps: llm_" in first.details["en"]

    second = canary()

    incident = Incident.objects.get()
    assert second.incident == incident
    assert incident.monitor == Monitor.CANARY
    assert incident.status == IncidentStatus.OPEN
    assert incident.suspected_cause == SuspectedCause.LLM
    assert incident.symptom == Symptom.QUALITY


@pytest.mark.django_db
def test_residents_failed_llm_replies_breach_the_llm_error_monitor(town: dict[str, Faq], llm: FakeLlm) -> None:
    replied = [turn_ask(question=town[key].question, channel=Channel.WEB) for key in ("R-001", "R-003", "R-006")]
    assert [response["composer"] for response in replied] == [Composer.LLM] * 3
    llm.failure_rate = 1.0
    failed = [turn_ask(question=town[key].question, channel=Channel.WEB) for key in ("R-007", "R-008", "R-009")]
    assert all(response["composer"] == Composer.EXTRACTIVE for response in failed)
    assert all(response["failure_class"].startswith("llm_") for response in failed)
    # The command line's failures are not the residents'.
    turn_ask(question=town["R-010"].question, channel=Channel.CLI)

    reading = llm_error_reading()

    assert (reading.breached, reading.value, reading.threshold) == (True, 0.5, 0.2)
    assert reading.cause == SuspectedCause.LLM
    assert reading.details["n"] == 6
    assert reading.details["classes"] == sorted({response["failure_class"] for response in failed})
    assert {str(pk) for pk in reading.turn_ids} == {response["turn_id"] for response in failed}

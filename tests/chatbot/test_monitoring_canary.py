"""The canary: a handful of golden questions through the whole pipeline (real index, encoders and gate). Healthy,
it reads ok; a broken index is noticed within two runs with the index as suspected cause; one blip opens nothing;
its first run evaluates the golden set and keeps only the cases that went right."""

import datetime

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.models import (
    EvaluationRun,
    FailureClass,
    GoldenCase,
    Incident,
    IncidentEvent,
    IncidentStatus,
    Monitor,
    MonitorCheck,
    Outcome,
    RunStatus,
    RunTrigger,
    SuspectedCause,
    Symptom,
    Turn,
)
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import case_from_turn
from chatbot.quality.monitors import canary_cases, run_canary
from faq.models import Faq
from faq.retrieval.index import index_rebuild
from faq.retrieval.snapshot import forget_loaded_index, loaded_encoders, vector_collection
from tests.chatbot.monitoring_support import active_generation, golden_set, swap_indexed_texts


def canary() -> MonitorCheck:
    check = run_canary()
    assert check is not None
    assert check.monitor == Monitor.CANARY
    return check


def settle_content(*faqs: Faq) -> None:
    """The FAQs were last edited long ago (the small town is created by the test, i.e. "just now")."""
    Faq.objects.filter(pk__in=[faq.pk for faq in faqs]).update(updated_at=timezone.now() - datetime.timedelta(days=30))


def drop_vectors() -> None:
    """The active generation's vector collections are gone (a lost or wiped vector store)."""
    generation = active_generation()
    for encoder in loaded_encoders():
        vector_collection(generation, encoder).drop()
    forget_loaded_index()


@pytest.mark.django_db
def test_a_healthy_canary_reads_ok_and_opens_nothing(indexed_town: dict[str, Faq]) -> None:
    case_ids = golden_set(indexed_town)

    check = canary()

    assert check.breached is False
    assert (check.value, check.threshold) == (0.0, 0.0)
    assert check.details == {"n": 5, "cases": [], "en": "All 5 canary questions were handled right."}
    assert check.incident is None
    again = canary()
    assert again.breached is False
    assert Incident.objects.count() == 0
    # The canary asks without logging: no turn besides the five the golden set was made from.
    assert Turn.objects.count() == len(case_ids)


@pytest.mark.django_db
def test_lost_vectors_open_an_index_incident_on_the_second_run(
    indexed_town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    assert settings.MONITOR_SUSTAINED_CHECKS == 2
    answerable = golden_set(indexed_town)[:2]
    assert canary().breached is False
    drop_vectors()

    first = canary()

    assert first.breached is True
    assert first.incident is None
    assert Incident.objects.count() == 0
    failing = first.details["cases"]
    # The FAQ questions are still answered right (lexical search), but the vector store failed on each question.
    assert {case["id"] for case in failing} >= set(answerable)
    assert all(case["failure_class"] == FailureClass.VECTOR_STORE_UNAVAILABLE for case in failing)
    assert first.value == float(len(failing))
    assert first.details["en"] == (
        f"{len(failing)} of 5 canary questions went wrong (wrong: 0; failed steps: vector_store_unavailable)."
    )

    second = canary()

    incident = Incident.objects.get()
    assert second.incident == incident
    assert incident.monitor == Monitor.CANARY
    assert incident.status == IncidentStatus.OPEN
    assert incident.suspected_cause == SuspectedCause.INDEX
    assert incident.symptom == Symptom.QUALITY
    assert list(incident.events.values_list("kind", flat=True)) == [IncidentEvent.Kind.OPENED]


@pytest.mark.django_db
def test_an_index_that_answers_with_the_wrong_faqs_opens_an_index_incident(indexed_town: dict[str, Faq]) -> None:
    settle_content(*indexed_town.values())
    garbage, resident_card = golden_set(indexed_town)[:2]
    assert canary().breached is False
    swap_indexed_texts(indexed_town["R-001"], indexed_town["R-003"])
    forget_loaded_index()

    first = canary()

    assert first.breached is True
    assert first.incident is None
    assert first.value == 2.0
    assert sorted(first.details["cases"], key=lambda case: case["id"]) == sorted(
        [
            {
                "id": garbage,
                "query": indexed_town["R-001"].question,
                "outcome": Outcome.ANSWER,
                "answered_with": "R-003",
                "right": False,
                "failure_class": "",
            },
            {
                "id": resident_card,
                "query": indexed_town["R-003"].question,
                "outcome": Outcome.ANSWER,
                "answered_with": "R-001",
                "right": False,
                "failure_class": "",
            },
        ],
        key=lambda case: str(case["id"]),
    )
    assert first.details["en"] == "2 of 5 canary questions went wrong (wrong: 2; failed steps: -)."

    canary()

    incident = Incident.objects.get()
    assert incident.suspected_cause == SuspectedCause.INDEX
    assert incident.symptom == Symptom.QUALITY


@pytest.mark.django_db
def test_wrong_answers_right_after_an_faq_edit_point_at_the_content(indexed_town: dict[str, Faq]) -> None:
    """The same wrong answers while FAQs were edited in the last day: the edit is the first suspect."""
    golden_set(indexed_town)
    assert canary().breached is False
    swap_indexed_texts(indexed_town["R-001"], indexed_town["R-003"])
    forget_loaded_index()

    assert canary().details["cases"][0]["right"] is False
    canary()

    assert Incident.objects.get().suspected_cause == SuspectedCause.CONTENT


@pytest.mark.django_db
def test_one_failed_run_opens_nothing_nor_does_a_later_single_one(indexed_town: dict[str, Faq]) -> None:
    settle_content(*indexed_town.values())
    golden_set(indexed_town)
    assert canary().breached is False

    swap_indexed_texts(indexed_town["R-001"], indexed_town["R-003"])
    forget_loaded_index()
    assert canary().breached is True
    swap_indexed_texts(indexed_town["R-001"], indexed_town["R-003"])  # put right again
    forget_loaded_index()
    assert canary().breached is False
    assert Incident.objects.count() == 0

    drop_vectors()
    assert canary().breached is True
    index_rebuild()  # a rebuild repairs it
    assert canary().breached is False

    assert Incident.objects.count() == 0
    assert list(MonitorCheck.objects.order_by("pk").values_list("breached", flat=True)) == [
        False,
        True,
        False,
        True,
        False,
    ]


@pytest.mark.django_db
def test_the_first_run_evaluates_the_golden_set_and_keeps_only_the_cases_that_went_right(
    indexed_town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    settings.CANARY_CASES = 2
    right = golden_set(indexed_town, keys=("R-001", "R-003", "R-006", "R-008"))
    # A case labelled with another FAQ than the one the bot answers with: it goes wrong every time.
    turn = Turn.objects.get(pk=turn_ask(question=indexed_town["R-009"].question)["turn_id"])
    wrong = case_from_turn(turn, answerable=True, faq=indexed_town["R-010"]).case_id

    chosen = canary_cases()

    run = EvaluationRun.objects.get()
    assert run.trigger == RunTrigger.CANARY
    assert run.status == RunStatus.COMPLETED
    assert run.cases_label == "golden set"
    assert len(run.results) == 8
    good = [item["id"] for item in run.results if item["right"]]
    assert sorted(good) == sorted(right)
    assert wrong not in good
    # Two cases spread over the seven that went right: every third one.
    assert [case.case_id for case in chosen] == [good[0], good[3]]

    check = canary()

    assert check.breached is False
    assert check.details["n"] == 2
    assert EvaluationRun.objects.count() == 1  # the stored run is used from then on


@pytest.mark.django_db
def test_cases_tagged_canary_are_used_as_they_are(indexed_town: dict[str, Faq]) -> None:
    golden_set(indexed_town)
    turn = Turn.objects.get(pk=turn_ask(question=indexed_town["R-009"].question)["turn_id"])
    wrong = case_from_turn(turn, answerable=True, faq=indexed_town["R-010"])
    right = GoldenCase.objects.get(query=indexed_town["R-001"].question)
    for case in (wrong, right):
        case.tags = [*case.tags, "canary"]
        case.save(update_fields=["tags"])

    assert sorted(case.case_id for case in canary_cases()) == sorted([wrong.case_id, right.case_id])

    check = canary()

    # No evaluation run is needed to choose them, and the one that goes wrong is asked all the same.
    assert EvaluationRun.objects.count() == 0
    assert check.breached is True
    assert check.details["n"] == 2
    assert [case["id"] for case in check.details["cases"]] == [wrong.case_id]
    assert check.details["cases"][0]["answered_with"] == "R-009"


@pytest.mark.django_db
def test_a_canary_that_cannot_run_is_an_unavailability(indexed_town: dict[str, Faq], settings: SettingsWrapper) -> None:
    golden_set(indexed_town)
    settings.CANARY_CASES = None  # a broken setting: the canary fails before asking anything

    check = canary()

    assert check.breached is True
    assert check.value is None
    assert check.details["error"].startswith("TypeError: ")
    assert check.details["en"].startswith("The canary could not run: TypeError")
    canary()
    incident = Incident.objects.get()
    assert (incident.symptom, incident.suspected_cause) == (Symptom.UNAVAILABLE, SuspectedCause.INFRASTRUCTURE)


@pytest.mark.django_db
def test_without_golden_cases_the_canary_is_skipped(town: dict[str, Faq]) -> None:
    assert run_canary() is None
    assert MonitorCheck.objects.count() == 0
    assert EvaluationRun.objects.count() == 0


@pytest.mark.django_db
def test_an_evaluation_taken_during_a_canary_incident_is_not_used_to_choose_the_cases(
    indexed_town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    settings.CANARY_CASES = 10
    golden_set(indexed_town, keys=("R-001", "R-003"))
    before = EvaluationRun.objects.create(
        trigger=RunTrigger.NIGHTLY,
        cases_label="golden set",
        status=RunStatus.COMPLETED,
        results=[{"id": case.case_id, "right": True} for case in GoldenCase.objects.all()],
    )
    EvaluationRun.objects.filter(pk=before.pk).update(started_at=timezone.now() - datetime.timedelta(days=2))
    incident = Incident.objects.create(
        monitor=Monitor.CANARY, title="t", symptom=Symptom.QUALITY, suspected_cause=SuspectedCause.INDEX
    )
    Incident.objects.filter(pk=incident.pk).update(opened_at=timezone.now() - datetime.timedelta(days=1))
    # Taken during the outage: only the first case went right then.
    first = GoldenCase.objects.order_by("case_id").first()
    assert first is not None
    EvaluationRun.objects.create(
        trigger=RunTrigger.NIGHTLY,
        cases_label="golden set",
        status=RunStatus.COMPLETED,
        results=[{"id": first.case_id, "right": True}],
    )

    assert len(canary_cases()) == GoldenCase.objects.count()

    # Once the incident is back to normal (before that run was taken), the later run counts again.
    Incident.objects.filter(pk=incident.pk).update(recovered_at=timezone.now() - datetime.timedelta(hours=1))
    assert [case.case_id for case in canary_cases()] == [first.case_id]


@pytest.mark.django_db
def test_a_canary_incident_is_titled_by_its_reading_without_repeating_the_monitor(
    indexed_town: dict[str, Faq],
) -> None:
    golden_set(indexed_town)
    canary()
    drop_vectors()
    canary()
    check = canary()

    incident = Incident.objects.get(monitor=Monitor.CANARY)
    assert check.message.startswith("カナリア質問 ")
    assert check.incident == incident
    assert incident.title == check.message

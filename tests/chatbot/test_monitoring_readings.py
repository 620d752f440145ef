"""Each monitor's reading over real resident turns (asked through the pipeline, then dated and adjusted for the
scenario) and over the search index: exact values and limits, enough turns to judge, and only the residents'
channels (web widget and API) counted."""

import datetime

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.models import Channel, Composer, FailureClass, Feedback, Monitor, Outcome, SuspectedCause, Symptom, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.incidents import record
from chatbot.quality.readings import (
    MONITORS,
    index_reading,
    latency_reading,
    llm_error_reading,
    not_helpful_reading,
)
from faq.models import Faq, FaqStatus
from faq.retrieval.index import index_sync_faqs
from faq.services import faq_confirm_reviewed, faq_save, faq_set_status
from tests.chatbot.monitoring_support import ask
from tests.factories import FaqFactory

BASELINE = 60 * 24 * 2  # two days ago, in minutes


def pks(turns: list[Turn]) -> set[object]:
    return {turn.pk for turn in turns}


def noise(town: dict[str, Faq], *, minutes_ago: float = 5.0) -> None:
    """Turns that are not residents' (command line, evaluation), an invalid question, and turns older than the
    baseline: none of them counts."""
    ask(town, handed_off=10, channel=Channel.CLI, minutes_ago=minutes_ago)
    ask(town, handed_off=10, channel=Channel.EVAL, minutes_ago=minutes_ago)
    ask(town, handed_off=10, minutes_ago=60 * 24 * 8)
    rejected = turn_ask(question="", channel=Channel.WEB)
    assert rejected["outcome"] == Outcome.REJECTED


def read(monitor: str) -> tuple[bool, float | None, float | None, dict[str, object], set[object]]:
    reading = MONITORS[monitor]()
    assert reading is not None
    return reading.breached, reading.value, reading.threshold, reading.details, set(reading.turn_ids)


# ---------------------------------------------------------------------------------------------- answer rate


@pytest.mark.django_db
def test_answer_rate_drop_is_a_breach(town: dict[str, Faq]) -> None:
    ask(town, answered=32, handed_off=8, minutes_ago=BASELINE)  # 80 %
    answered = ask(town, answered=7, minutes_ago=10)
    unanswered = ask(town, handed_off=10, minutes_ago=10)
    answered += ask(town, answered=3, channel=Channel.API, minutes_ago=10)  # the API counts like the widget
    noise(town)

    breached, value, threshold, details, turn_ids = read(Monitor.ANSWER_RATE)

    # 10 of 20 answered against 32 of 40 before: 0.5 < 0.8 - 0.15.
    assert (breached, value, threshold) == (True, 0.5, 0.65)
    assert details == {"n": 20, "baseline_n": 40, "share": 0.5, "baseline": 0.8}
    assert turn_ids == pks(unanswered)
    assert not turn_ids & pks(answered)
    reading = MONITORS[Monitor.ANSWER_RATE]()
    assert reading is not None
    assert record(Monitor.ANSWER_RATE, reading).details["en"] == (
        "50% over the last 60 minutes (20 turns); 80% over the 7 days before; limit 65%."
    )


@pytest.mark.django_db
def test_answer_rate_within_the_allowed_drop_is_no_breach(town: dict[str, Faq]) -> None:
    ask(town, answered=32, handed_off=8, minutes_ago=BASELINE)
    ask(town, answered=14, handed_off=6, minutes_ago=10)
    noise(town)

    breached, value, threshold, details, _turn_ids = read(Monitor.ANSWER_RATE)

    assert (breached, value, threshold) == (False, 0.7, 0.65)
    assert details == {"n": 20, "baseline_n": 40, "share": 0.7, "baseline": 0.8}


@pytest.mark.django_db
def test_answer_rate_with_too_few_turns_is_not_judged(town: dict[str, Faq], settings: SettingsWrapper) -> None:
    assert settings.MONITOR_MIN_TURNS == 20
    ask(town, answered=32, handed_off=8, minutes_ago=BASELINE)
    ask(town, handed_off=19, minutes_ago=10)  # every one unanswered, but only 19
    noise(town)

    reading = MONITORS[Monitor.ANSWER_RATE]()

    assert reading is not None
    assert (reading.breached, reading.value, reading.threshold) == (False, None, None)
    assert reading.details == {"n": 19, "baseline_n": 40}
    assert reading.turn_ids == []
    assert record(Monitor.ANSWER_RATE, reading).details["en"] == (
        "Too few turns to judge: 19 in the window, 40 before it."
    )

    # Enough in the window but too few before it: not judged either.
    Turn.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    ask(town, answered=19, minutes_ago=BASELINE)
    ask(town, handed_off=1, minutes_ago=10)
    breached, value, _threshold, details, _turn_ids = read(Monitor.ANSWER_RATE)
    assert (breached, value, details) == (False, None, {"n": 20, "baseline_n": 19})


# ---------------------------------------------------------------------------------------------- handoffs


@pytest.mark.django_db
def test_handoff_spike_is_a_breach(town: dict[str, Faq]) -> None:
    ask(town, answered=36, handed_off=4, minutes_ago=BASELINE)  # 10 %
    ask(town, answered=12, minutes_ago=30)
    handed_off = ask(town, handed_off=8, minutes_ago=30)
    noise(town)

    breached, value, threshold, details, turn_ids = read(Monitor.HANDOFF_RATE)

    # 8 of 20 handed off against 4 of 40 before: 0.4 > 0.1 + 0.15.
    assert (breached, value, threshold) == (True, 0.4, 0.25)
    assert details == {"n": 20, "baseline_n": 40, "share": 0.4, "baseline": 0.1}
    assert turn_ids == pks(handed_off)


@pytest.mark.django_db
def test_handoffs_within_the_allowed_rise_are_no_breach(town: dict[str, Faq]) -> None:
    ask(town, answered=36, handed_off=4, minutes_ago=BASELINE)
    handed_off = ask(town, answered=15, handed_off=5, minutes_ago=30)
    noise(town)

    breached, value, threshold, details, turn_ids = read(Monitor.HANDOFF_RATE)

    assert (breached, value, threshold) == (False, 0.25, 0.25)  # at the limit is not over it
    assert details == {"n": 20, "baseline_n": 40, "share": 0.25, "baseline": 0.1}
    assert turn_ids == {turn.pk for turn in handed_off if turn.outcome == Outcome.HANDOFF}


# ---------------------------------------------------------------------------------------------- feedback


def feedback(turns: list[Turn], *, not_helpful: int, hours_ago: float) -> list[Turn]:
    """Feedback on each turn, the first `not_helpful` of them "not helpful"; returns those turns."""
    for number, turn in enumerate(turns):
        Feedback.objects.create(turn=turn, helpful=number >= not_helpful)
    Feedback.objects.filter(turn__in=turns).update(created_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    return turns[:not_helpful]


@pytest.mark.django_db
def test_not_helpful_feedback_spike_is_a_breach(town: dict[str, Faq], settings: SettingsWrapper) -> None:
    assert (settings.MONITOR_FEEDBACK_HOURS, settings.MONITOR_MIN_FEEDBACK) == (24, 10)
    feedback(ask(town, answered=10, minutes_ago=BASELINE), not_helpful=1, hours_ago=48)  # 10 %
    disliked = feedback(ask(town, answered=10, minutes_ago=120), not_helpful=6, hours_ago=2)
    feedback(ask(town, answered=10, channel=Channel.CLI, minutes_ago=120), not_helpful=10, hours_ago=2)
    feedback(ask(town, answered=10, minutes_ago=60 * 24 * 9), not_helpful=10, hours_ago=24 * 9)

    reading = not_helpful_reading()

    # 6 of 10 not helpful against 1 of 10 before: 0.6 > 0.1 + 0.2.
    assert (reading.breached, reading.value, reading.threshold) == (True, 0.6, 0.3)
    assert reading.symptom == Symptom.QUALITY
    assert reading.details == {"n": 10, "baseline_n": 10, "share": 0.6, "baseline": 0.1}
    assert set(reading.turn_ids) == pks(disliked)
    assert record(Monitor.NOT_HELPFUL, reading).details["en"] == (
        "60% not helpful over the last 24 hours (10 replies); 10% before; limit 30%."
    )


@pytest.mark.django_db
def test_not_helpful_feedback_within_the_rise_or_too_little_is_no_breach(town: dict[str, Faq]) -> None:
    feedback(ask(town, answered=10, minutes_ago=BASELINE), not_helpful=1, hours_ago=48)
    feedback(ask(town, answered=9, minutes_ago=120), not_helpful=3, hours_ago=2)

    too_little = not_helpful_reading()

    assert (too_little.breached, too_little.value, too_little.details) == (False, None, {"n": 9, "baseline_n": 10})

    feedback(ask(town, answered=1, minutes_ago=120), not_helpful=0, hours_ago=2)

    within = not_helpful_reading()

    # 3 of 10 against 1 of 10 before: 0.3 is the limit, not over it.
    assert (within.breached, within.value, within.threshold) == (False, 0.3, 0.3)
    assert within.details == {"n": 10, "baseline_n": 10, "share": 0.3, "baseline": 0.1}


# ---------------------------------------------------------------------------------------------- latency


def timed(turns: list[Turn], milliseconds: list[float]) -> None:
    for turn, value in zip(turns, milliseconds, strict=True):
        Turn.objects.filter(pk=turn.pk).update(total_ms=value)


@pytest.mark.django_db
def test_latency_p95_over_the_limit_is_a_breach(town: dict[str, Faq], settings: SettingsWrapper) -> None:
    settings.MONITOR_LATENCY_P95_MS = 3000.0
    recent = ask(town, answered=14, handed_off=6, minutes_ago=5)
    timed(recent, [100.0] * 18 + [5000.0, 6000.0])
    slow_cli = ask(town, answered=5, channel=Channel.CLI, minutes_ago=5)
    timed(slow_cli, [60000.0] * 5)
    slow_before = ask(town, answered=5, minutes_ago=20)  # before the last 15 minutes
    timed(slow_before, [60000.0] * 5)

    reading = latency_reading()

    # numpy's 95th percentile of 18 x 100 and 5000, 6000: 5000 + 0.05 x 1000.
    assert (reading.breached, reading.value, reading.threshold) == (True, 5050.0, 3000.0)
    assert reading.symptom == Symptom.PERFORMANCE
    assert reading.cause == SuspectedCause.UNKNOWN
    assert reading.details == {"n": 20, "p95_ms": 5050.0}
    assert reading.turn_ids == [recent[19].pk, recent[18].pk]  # the slow turns, slowest first
    assert record(Monitor.LATENCY, reading).details["en"] == (
        "p95 5050 ms over the last 15 minutes (20 turns); limit 3000 ms."
    )


@pytest.mark.django_db
def test_latency_under_the_limit_or_with_too_few_turns_is_no_breach(
    town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    assert settings.MONITOR_LATENCY_P95_MS == 2000.0
    recent = ask(town, answered=9, minutes_ago=5)
    timed(recent, [9000.0] * 9)

    too_few = latency_reading()

    assert (too_few.breached, too_few.value, too_few.details) == (False, None, {"n": 9})

    more = ask(town, answered=11, minutes_ago=5)
    timed(recent + more, [100.0] * 19 + [1900.0])

    fast = latency_reading()

    assert (fast.breached, fast.threshold) == (False, 2000.0)
    assert fast.value == 190.0  # 100 + 0.05 x 1800
    assert fast.turn_ids == []


# ---------------------------------------------------------------------------------------------- LLM errors


def composed(turns: list[Turn], composer: str, failure_class: str = "") -> None:
    Turn.objects.filter(pk__in=pks(turns)).update(composer=composer, failure_class=failure_class)


@pytest.mark.django_db
def test_llm_error_rate_over_the_limit_is_a_breach(town: dict[str, Faq], settings: SettingsWrapper) -> None:
    assert (settings.MONITOR_LLM_ERROR_RATE, settings.MONITOR_MIN_LLM_TURNS) == (0.2, 5)
    replies = ask(town, answered=6, minutes_ago=5)
    composed(replies, Composer.LLM)
    timeouts = ask(town, answered=2, minutes_ago=5)
    composed(timeouts, Composer.EXTRACTIVE, FailureClass.LLM_TIMEOUT)
    http_errors = ask(town, answered=1, minutes_ago=5)
    composed(http_errors, Composer.EXTRACTIVE, FailureClass.LLM_HTTP_ERROR)
    paused = ask(town, answered=1, minutes_ago=5)
    composed(paused, Composer.EXTRACTIVE, FailureClass.LLM_CIRCUIT_OPEN)
    ask(town, answered=10, handed_off=5, minutes_ago=5)  # FAQ texts with no LLM asked: not counted
    cli = ask(town, answered=5, channel=Channel.CLI, minutes_ago=5)
    composed(cli, Composer.EXTRACTIVE, FailureClass.LLM_TIMEOUT)
    earlier = ask(town, answered=5, minutes_ago=20)
    composed(earlier, Composer.EXTRACTIVE, FailureClass.LLM_TIMEOUT)

    reading = llm_error_reading()

    # 4 of 10 LLM replies failed: 0.4 > 0.2.
    assert (reading.breached, reading.value, reading.threshold) == (True, 0.4, 0.2)
    assert reading.cause == SuspectedCause.LLM
    assert reading.details == {
        "n": 10,
        "rate": 0.4,
        "classes": ["llm_circuit_open", "llm_http_error", "llm_timeout"],
    }
    assert set(reading.turn_ids) == pks(timeouts + http_errors + paused)
    assert record(Monitor.LLM_ERRORS, reading).details["en"] == (
        "40% of 10 LLM replies failed (llm_circuit_open, llm_http_error, llm_timeout); limit 20%."
    )


@pytest.mark.django_db
def test_llm_errors_within_the_limit_or_too_few_replies_are_no_breach(town: dict[str, Faq]) -> None:
    replies = ask(town, answered=3, minutes_ago=5)
    composed(replies, Composer.LLM)
    failed = ask(town, answered=1, minutes_ago=5)
    composed(failed, Composer.EXTRACTIVE, FailureClass.LLM_BUSY)

    too_few = llm_error_reading()

    assert (too_few.breached, too_few.value, too_few.details) == (False, None, {"n": 4})

    more = ask(town, answered=6, minutes_ago=5)
    composed(more, Composer.LLM)

    within = llm_error_reading()

    assert (within.breached, within.value, within.threshold) == (False, 0.1, 0.2)
    assert within.details == {"n": 10, "rate": 0.1, "classes": ["llm_busy"]}


# ---------------------------------------------------------------------------------------------- search index


def age(*faqs: Faq, minutes: float) -> None:
    Faq.objects.filter(pk__in=[faq.pk for faq in faqs]).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_the_index_out_of_date_past_the_grace_period_is_a_breach(
    indexed_town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    assert settings.MONITOR_INDEX_GRACE_MINUTES == 10
    fresh = index_reading()
    assert (fresh.breached, fresh.value, fresh.threshold, fresh.details) == (False, 0.0, 0.0, {"faqs": []})

    # Changes whose index update never ran (the test's transaction never commits, so no on-commit update runs).
    edited = indexed_town["R-001"]
    edited.answer = "粗大ごみの受付は終了しました。"
    faq_save(faq=edited)
    withdrawn = indexed_town["R-002"]
    faq_set_status(faqs=[withdrawn], status=FaqStatus.WITHDRAWN)
    added = FaqFactory.create(external_id="R-099", question="花火の許可を取りたい。", department=edited.department)

    # Within the grace period: the update may still be on its way.
    within = index_reading()
    assert (within.breached, within.value, within.details) == (False, 0.0, {"faqs": []})

    age(edited, withdrawn, added, minutes=11)

    stale = index_reading()

    assert (stale.breached, stale.value, stale.threshold) == (True, 3.0, 0.0)
    assert stale.cause == SuspectedCause.INDEX
    assert stale.details == {"faqs": sorted([edited.pk, withdrawn.pk, added.pk])}
    assert record(Monitor.INDEX_STALE, stale).details["en"] == (
        "3 FAQs differ between the search index and the published FAQs (run rebuild_index)."
    )

    # The update applied: in date again.
    index_sync_faqs([edited.pk, withdrawn.pk, added.pk])
    applied = index_reading()
    assert (applied.breached, applied.value, applied.details) == (False, 0.0, {"faqs": []})


@pytest.mark.django_db
def test_a_new_version_with_the_same_texts_leaves_the_index_in_date(indexed_town: dict[str, Faq]) -> None:
    """Confirming a review saves a new version but changes no text, so the index needs (and gets) no update."""
    reviewed = indexed_town["R-003"]
    faq_confirm_reviewed(faqs=[reviewed], review_by=datetime.date(2099, 4, 1), reason="内容に変更なし")
    assert reviewed.history.count() == 2
    age(reviewed, minutes=30)

    reading = index_reading()

    assert (reading.breached, reading.value, reading.details) == (False, 0.0, {"faqs": []})


@pytest.mark.django_db
def test_without_any_index_every_settled_published_faq_is_missing(town: dict[str, Faq]) -> None:
    draft = FaqFactory.create(status=FaqStatus.DRAFT)
    age(*town.values(), draft, minutes=30)

    reading = index_reading()

    assert reading.breached is True
    assert reading.value == 10.0
    assert reading.details == {"faqs": sorted(faq.pk for faq in town.values())}

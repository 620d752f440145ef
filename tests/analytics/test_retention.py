"""Turn retention: old turns go (with their feedback) after their months are aggregated; the figures stay."""

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from analytics.aggregation import aggregate_month, retention_cutoff, turns_purge
from analytics.models import MonthlyAggregate
from chatbot.models import Feedback, Outcome, Turn
from tests.analytics.support import jst, make_turn

pytestmark = pytest.mark.django_db

NOW = jst(2026, 11, 15, 3, 15)
# 13 months before November 2026 is October 2025: turns before 1 October 2025 00:00 JST go.
CUTOFF = jst(2025, 10, 1, 0, 0, 0)
JUST_BEFORE = CUTOFF - datetime.timedelta(microseconds=1)


@pytest.fixture
def old_and_new() -> dict[str, Turn]:
    return {
        "august": make_turn(
            "粗大ごみの料金はいくらですか", jst(2025, 8, 20), Outcome.ANSWER, total_ms=120.0, helpful=True
        ),
        "august_handoff": make_turn("図書館は何時まで開いていますか", jst(2025, 8, 21), Outcome.HANDOFF, total_ms=80.0),
        "last_instant": make_turn("住民票が欲しい", JUST_BEFORE, Outcome.HANDOFF, total_ms=300.0, helpful=False),
        "first_instant": make_turn("住民票が欲しい", CUTOFF, Outcome.ANSWER, total_ms=200.0, helpful=True),
        "recent": make_turn("児童手当を申請したい", jst(2026, 11, 2), Outcome.ANSWER, total_ms=100.0, helpful=False),
    }


def test_retention_is_thirteen_months_by_default_and_the_cutoff_is_a_tokyo_month_start() -> None:
    assert settings.TURN_RETENTION_MONTHS == 13

    assert retention_cutoff(NOW) == CUTOFF
    assert retention_cutoff(jst(2026, 11, 1, 0, 0, 0)) == CUTOFF
    assert retention_cutoff(jst(2026, 10, 31, 23, 59, 59)) == jst(2025, 9, 1, 0, 0, 0)
    assert retention_cutoff(jst(2027, 1, 10)) == jst(2025, 12, 1, 0, 0, 0)


def test_purge_deletes_exactly_the_turns_before_the_cutoff_with_their_feedback(old_and_new: dict[str, Turn]) -> None:
    deleted, aggregated = turns_purge(NOW)

    assert deleted == 3
    assert aggregated == [datetime.date(2025, 8, 1), datetime.date(2025, 9, 1)]
    kept = {old_and_new["first_instant"].pk, old_and_new["recent"].pk}
    assert set(Turn.objects.values_list("pk", flat=True)) == kept
    assert set(Feedback.objects.values_list("turn_id", flat=True)) == kept


def test_purged_months_keep_their_figures(old_and_new: dict[str, Turn]) -> None:
    turns_purge(NOW)

    august = MonthlyAggregate.objects.get(month=datetime.date(2025, 8, 1))
    september = MonthlyAggregate.objects.get(month=datetime.date(2025, 9, 1))
    assert (august.turns, august.answered, august.handed_off, august.unanswered, august.helpful) == (2, 1, 1, 1, 1)
    assert (august.latency_p50_ms, august.latency_p95_ms) == (100.0, 118.0)
    assert [(g.representative, g.size) for g in august.clusters.all()] == [("図書館は何時まで開いていますか", 1)]
    assert (september.turns, september.handed_off, september.unanswered, september.not_helpful) == (1, 1, 1, 1)
    assert august.complete
    assert september.complete
    # October 2025 keeps its turns and is not aggregated by the purge.
    assert not MonthlyAggregate.objects.filter(month=datetime.date(2025, 10, 1)).exists()


def test_purge_keeps_an_existing_complete_aggregate_and_a_second_run_does_nothing(
    old_and_new: dict[str, Turn],
) -> None:
    with time_machine.travel(jst(2025, 10, 5), tick=False):
        existing = aggregate_month(datetime.date(2025, 8, 1))

    deleted, aggregated = turns_purge(NOW)

    assert (deleted, aggregated) == (3, [datetime.date(2025, 9, 1)])
    assert MonthlyAggregate.objects.get(month=datetime.date(2025, 8, 1)).pk == existing.pk
    assert turns_purge(NOW) == (0, [])
    assert MonthlyAggregate.objects.get(month=datetime.date(2025, 8, 1)).turns == 2


def test_purge_turns_command_dry_run_deletes_nothing(old_and_new: dict[str, Turn]) -> None:
    out = io.StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("purge_turns", "--dry-run", stdout=out)

    assert out.getvalue().strip() == "3 turns before 2025-10-01 00:00 JST would be deleted."
    assert Turn.objects.count() == 5
    assert Feedback.objects.count() == 4
    assert not MonthlyAggregate.objects.exists()


def test_purge_turns_command_deletes_and_says_what_it_aggregated(old_and_new: dict[str, Turn]) -> None:
    out = io.StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("purge_turns", stdout=out)

    assert out.getvalue().strip() == (
        "Deleted 3 turns before 2025-10-01 00:00 JST (retention 13 months; aggregated first: 2025-08, 2025-09)."
    )
    assert Turn.objects.count() == 2
    assert MonthlyAggregate.objects.count() == 2


def test_shorter_retention_moves_the_cutoff(settings, old_and_new: dict[str, Turn]) -> None:
    settings.TURN_RETENTION_MONTHS = 1

    deleted, aggregated = turns_purge(NOW)

    assert deleted == 4
    assert aggregated == [datetime.date(2025, m, 1) for m in (8, 9, 10)]
    assert list(Turn.objects.values_list("pk", flat=True)) == [old_and_new["recent"].pk]

"""The task cluster's schedules (django-q2) and the analytics tasks they run."""

import datetime
import itertools
import zoneinfo

import pytest
import time_machine
from django.utils import timezone
from django_q.models import Schedule

from analytics import tasks
from analytics.models import MonthlyAggregate
from chatbot.models import Outcome, Turn
from tests.analytics.support import jst, make_turn

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
MONTHLY_RUNS = 24


def monthly_runs(schedule: Schedule, count: int) -> list[datetime.datetime]:
    """The stored next run and the ones django-q2 computes after it, in Tokyo time."""
    runs = [schedule.next_run]
    assert runs[0].utcoffset() == datetime.timedelta(0)  # stored and computed in UTC, as django-q2 does
    for _ in range(count):
        runs.append(schedule.calculate_next_run(runs[-1]))
    return [run.astimezone(TOKYO) for run in runs]


def assert_monthly_on_the_first(name: str, hour: int, minute: int) -> None:
    schedule = Schedule.objects.get(name=name)
    assert schedule.schedule_type == Schedule.MONTHLY
    assert schedule.repeats == -1
    runs = monthly_runs(schedule, MONTHLY_RUNS)
    drift = [f"{run:%Y-%m-%d %H:%M}" for run in runs if (run.day, run.hour, run.minute) != (1, hour, minute)]
    assert drift == [], f"{name}: runs not on the 1st at {hour:02d}:{minute:02d} JST"
    months = [(run.year, run.month) for run in runs]
    assert len(set(months)) == MONTHLY_RUNS + 1  # one run a month, none skipped or doubled
    for earlier, later in itertools.pairwise(runs):
        assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1


def test_monthly_aggregation_schedule_exists_after_migrations() -> None:
    schedule = Schedule.objects.get(name="analytics: monthly aggregation")

    assert schedule.func == "analytics.tasks.aggregate_months"
    assert schedule.schedule_type == Schedule.MONTHLY
    assert schedule.repeats == -1
    first = schedule.next_run.astimezone(TOKYO)
    assert (first.day, first.hour, first.minute, first.second) == (1, 9, 30, 0)
    # The first of the month after the migration ran (when the test database was created).
    assert timezone.now() - datetime.timedelta(days=31) < first <= timezone.now() + datetime.timedelta(days=32)


def test_monthly_aggregation_runs_on_the_first_in_tokyo_for_two_years() -> None:
    assert_monthly_on_the_first("analytics: monthly aggregation", 9, 30)


def test_review_reminders_run_on_the_first_in_tokyo_for_two_years() -> None:
    schedule = Schedule.objects.get(name="changeflow: monthly review reminders")
    assert schedule.func == "changeflow.tasks.send_review_reminders"

    assert_monthly_on_the_first("changeflow: monthly review reminders", 9, 0)


def test_turn_retention_schedule_runs_daily_at_night() -> None:
    schedule = Schedule.objects.get(name="analytics: turn retention")

    assert schedule.func == "analytics.tasks.purge_turns"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1
    runs = [schedule.next_run]
    for _ in range(40):
        runs.append(schedule.calculate_next_run(runs[-1]))
    local = [run.astimezone(TOKYO) for run in runs]
    assert {(run.hour, run.minute) for run in local} == {(3, 15)}
    assert all(later - earlier == datetime.timedelta(days=1) for earlier, later in itertools.pairwise(local))


def test_drift_check_catches_a_run_at_an_hour_that_is_the_previous_day_in_utc() -> None:
    """08:00 JST is 23:00 UTC the day before: django-q2's UTC month arithmetic leaves the 1st (why 0003 moved it)."""
    schedule = Schedule(
        name="probe",
        func="analytics.tasks.aggregate_months",
        schedule_type=Schedule.MONTHLY,
        next_run=jst(2027, 1, 1, 8, 0).astimezone(datetime.UTC),
    )

    runs = monthly_runs(schedule, MONTHLY_RUNS)

    assert any(run.day != 1 for run in runs)


def test_aggregate_months_task_aggregates_last_month_and_this_month() -> None:
    make_turn("住民票が欲しい", jst(2026, 10, 20), Outcome.HANDOFF)
    make_turn("児童手当を申請したい", jst(2026, 11, 1, 0, 30), Outcome.ANSWER)

    with time_machine.travel(jst(2026, 11, 1, 9, 30), tick=False):
        result = tasks.aggregate_months()

    assert result == "aggregated 2026-10, 2026-11"
    figures = dict(MonthlyAggregate.objects.values_list("month", "turns"))
    assert figures == {datetime.date(2026, 10, 1): 1, datetime.date(2026, 11, 1): 1}
    assert MonthlyAggregate.objects.get(month=datetime.date(2026, 10, 1)).complete


def test_purge_turns_task_deletes_old_turns_and_says_so() -> None:
    make_turn("住民票が欲しい", jst(2025, 9, 30, 23, 59, 59), Outcome.HANDOFF)
    make_turn("児童手当を申請したい", jst(2025, 10, 1, 0, 0, 0), Outcome.ANSWER)

    with time_machine.travel(jst(2026, 11, 2, 3, 15), tick=False):
        result = tasks.purge_turns()

    assert result == "deleted 1 turns; aggregated first 1 months"
    assert Turn.objects.count() == 1
    assert MonthlyAggregate.objects.get().month == datetime.date(2025, 9, 1)


def test_month_so_far_schedule_runs_every_ten_minutes_after_migrations() -> None:
    schedule = Schedule.objects.get(name="analytics: month so far")

    assert schedule.func == "analytics.tasks.aggregate_month_so_far"
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == 10
    assert schedule.repeats == -1
    start = jst(2026, 11, 20, 14, 0)
    assert schedule.calculate_next_run(start) - start == datetime.timedelta(minutes=10)


def test_month_so_far_task_aggregates_this_month_and_last_month_until_it_is_complete() -> None:
    make_turn("住民票が欲しい", jst(2026, 10, 31, 23, 55), Outcome.HANDOFF)
    make_turn("児童手当を申請したい", jst(2026, 11, 1, 0, 5), Outcome.ANSWER)
    with time_machine.travel(jst(2026, 10, 31, 23, 56), tick=False):
        assert tasks.aggregate_month_so_far() == "aggregated 2026-10"
    assert not MonthlyAggregate.objects.get(month=datetime.date(2026, 10, 1)).complete

    with time_machine.travel(jst(2026, 11, 1, 0, 6), tick=False):
        first = tasks.aggregate_month_so_far()
    with time_machine.travel(jst(2026, 11, 1, 0, 16), tick=False):
        second = tasks.aggregate_month_so_far()

    assert (first, second) == ("aggregated 2026-10, 2026-11", "aggregated 2026-11")
    october = MonthlyAggregate.objects.get(month=datetime.date(2026, 10, 1))
    assert (october.turns, october.complete) == (1, True)
    assert MonthlyAggregate.objects.get(month=datetime.date(2026, 11, 1)).turns == 1

"""Monthly figures from generated turn data with known answers: counts, unanswered rules, months, commands."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from analytics.aggregation import aggregate_month
from analytics.models import GapAction, GapActionKind, GapCluster, GapReason, MonthlyAggregate
from analytics.months import month_bounds, parse_month
from analytics.services import actions_by_key, cluster_create_draft_faq
from chatbot.models import Channel, Outcome
from faq.models import Department
from tests.analytics.support import (
    OCTOBER,
    OCTOBER_EXPECTED,
    OCTOBER_GAPS,
    T,
    aggregate_fields,
    cluster_rows,
    jst,
    make_turn,
    october_turns,
    reasons_total,
)

pytestmark = pytest.mark.django_db

AFTER_OCTOBER = jst(2026, 11, 5, 9, 0)


def aggregate_at(month: datetime.date, moment: datetime.datetime = AFTER_OCTOBER) -> MonthlyAggregate:
    with time_machine.travel(moment, tick=False):
        return aggregate_month(month)


# 1. figures -----------------------------------------------------------------------------------------------------


def test_october_figures_match_the_known_answers(kankyo: Department, jumin: Department) -> None:
    october_turns(kankyo, jumin)
    expected = OCTOBER_EXPECTED

    aggregate = aggregate_at(OCTOBER)

    assert aggregate.month == OCTOBER
    assert aggregate.complete is True
    assert (
        aggregate.turns,
        aggregate.answered,
        aggregate.clarified,
        aggregate.handed_off,
        aggregate.rejected,
        aggregate.unfinished,
    ) == (
        expected.turns,
        expected.answered,
        expected.clarified,
        expected.handed_off,
        expected.rejected,
        expected.unfinished,
    )
    assert aggregate.unanswered == expected.unanswered
    assert (aggregate.helpful, aggregate.not_helpful) == (expected.helpful, expected.not_helpful)
    assert aggregate.latency_p50_ms == expected.latency_p50_ms
    assert aggregate.latency_p95_ms == expected.latency_p95_ms
    # Only the web widget and the API count: CLI and evaluation turns are left out.
    assert aggregate.by_channel == {"api": 4, "web": 19}
    assert aggregate.by_lang == {"en": 4, "ja": 19}
    assert aggregate.encoder == "use-multilingual"
    assert aggregate.threshold == pytest.approx(0.6)


def test_october_rows_by_department(kankyo: Department, jumin: Department) -> None:
    october_turns(kankyo, jumin)

    aggregate = aggregate_at(OCTOBER)

    assert aggregate.by_department == [
        {
            "id": kankyo.pk,
            "name": "環境課",
            "turns": 12,
            "answered": 6,
            "clarified": 6,
            "handed_off": 0,
            "rejected": 0,
            "unanswered": 7,
            "helpful": 1,
            "not_helpful": 2,
        },
        {
            "id": jumin.pk,
            "name": "住民課",
            "turns": 8,
            "answered": 4,
            "clarified": 3,
            "handed_off": 1,
            "rejected": 0,
            "unanswered": 3,
            "helpful": 0,
            "not_helpful": 1,
        },
        {
            "id": None,
            "name": "",
            "turns": 3,
            "answered": 0,
            "clarified": 0,
            "handed_off": 1,
            "rejected": 1,
            "unanswered": 1,
            "helpful": 0,
            "not_helpful": 0,
        },
    ]
    assert sum(row["turns"] for row in aggregate.by_department) == aggregate.turns


def test_unanswered_turns_are_exactly_the_handoffs_unresolved_clarifications_and_not_helpful_answers(
    kankyo: Department, jumin: Department
) -> None:
    turns = october_turns(kankyo, jumin)

    aggregate = aggregate_at(OCTOBER)

    # The groups hold every unanswered question once, with why it counts.
    groups = list(aggregate.clusters.all())
    wordings = sorted(w["text"] for group in groups for w in group.wordings for _ in range(w["count"]))
    assert wordings == sorted(text for texts in OCTOBER_GAPS.values() for text in texts)
    reasons = reasons_total(aggregate)
    # Handed off: H1, H2 (H2 also rated not helpful: counted once). Not helpful: A2, R4.
    # Clarify: C3 (answer 30 min 1 s later), C4 (answer rated not helpful), C5 (no session), C6 (other session),
    # C7 (answer before), C8 and C9 (no answer). Resolved: C1 (29 min), C2 (exactly 30 min).
    assert reasons == {GapReason.HANDOFF: 2, GapReason.NOT_HELPFUL: 2, GapReason.CLARIFY: 7}
    assert sum(group.size for group in groups) == aggregate.unanswered == 11
    for resolved in ("C1", "C2"):
        assert turns[resolved].question not in wordings
    assert "図書館の休館日は？" not in wordings  # handed off on 30 September and on 1 November


@pytest.mark.parametrize(
    ("answer_after", "unanswered"),
    [
        (datetime.timedelta(minutes=29, seconds=59), 0),
        (datetime.timedelta(minutes=30), 0),
        (datetime.timedelta(minutes=30, seconds=1), 1),
        (-datetime.timedelta(minutes=1), 1),
    ],
)
def test_clarification_resolved_only_by_an_answer_within_30_minutes_in_the_same_session(
    answer_after: datetime.timedelta, unanswered: int
) -> None:
    make_turn("ごみを出したい", T, Outcome.CLARIFY, session="conv-1")
    make_turn("家庭ごみの出し方", T + answer_after, Outcome.ANSWER, session="conv-1")

    aggregate = aggregate_at(OCTOBER)

    assert (aggregate.turns, aggregate.clarified, aggregate.answered) == (2, 1, 1)
    assert aggregate.unanswered == unanswered


def test_clarification_without_a_session_is_never_resolved() -> None:
    make_turn("ごみを出したい", T, Outcome.CLARIFY, session="")
    make_turn("家庭ごみの出し方", T + datetime.timedelta(minutes=1), Outcome.ANSWER, session="")

    aggregate = aggregate_at(OCTOBER)

    assert aggregate.unanswered == 1
    assert aggregate.clusters.get().reasons == {GapReason.CLARIFY: 1}


def test_clarification_followed_by_an_answer_rated_not_helpful_stays_unanswered() -> None:
    make_turn("ごみを出したい", T, Outcome.CLARIFY, session="conv-1")
    make_turn(
        "ごみの出し方を知りたい", T + datetime.timedelta(minutes=3), Outcome.ANSWER, session="conv-1", helpful=False
    )

    aggregate = aggregate_at(OCTOBER)

    assert aggregate.unanswered == 2
    assert reasons_total(aggregate) == {GapReason.CLARIFY: 1, GapReason.NOT_HELPFUL: 1}


def test_answer_from_the_command_line_neither_counts_nor_resolves_a_clarification() -> None:
    make_turn("ごみを出したい", T, Outcome.CLARIFY, session="conv-1")
    make_turn(
        "家庭ごみの出し方", T + datetime.timedelta(minutes=1), Outcome.ANSWER, session="conv-1", channel=Channel.CLI
    )

    aggregate = aggregate_at(OCTOBER)

    assert (aggregate.turns, aggregate.unanswered) == (1, 1)


def test_clarification_late_on_the_last_evening_is_resolved_by_an_answer_just_after_midnight() -> None:
    """The 30-minute rule does not stop at the month's end: 23:50 on 31 October answered at 00:05 on 1 November."""
    make_turn("ごみを出したい", jst(2026, 10, 31, 23, 50), Outcome.CLARIFY, session="late")
    make_turn("家庭ごみの出し方", jst(2026, 11, 1, 0, 5), Outcome.ANSWER, session="late")

    october = aggregate_at(OCTOBER)
    november = aggregate_at(datetime.date(2026, 11, 1), jst(2026, 12, 2))

    assert (october.turns, october.clarified) == (1, 1)
    assert (november.turns, november.answered) == (1, 1)
    assert october.unanswered == 0


def test_empty_month_has_zero_figures_and_no_groups() -> None:
    aggregate = aggregate_at(datetime.date(2026, 6, 1))

    assert (aggregate.turns, aggregate.unanswered, aggregate.clusters_total) == (0, 0, 0)
    assert aggregate.latency_p50_ms is None
    assert aggregate.latency_p95_ms is None
    assert (aggregate.by_department, aggregate.by_channel, aggregate.by_lang) == ([], {}, {})
    assert not aggregate.clusters.exists()


def test_month_in_progress_is_not_complete() -> None:
    make_turn("住民票が欲しい", jst(2026, 10, 2), Outcome.HANDOFF)

    aggregate = aggregate_at(OCTOBER, jst(2026, 10, 20))

    assert aggregate.complete is False
    assert aggregate.turns == 1


# 2. months in Asia/Tokyo -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_evening", "first_morning"),
    [
        (jst(2026, 10, 31, 23, 59, 59), jst(2026, 11, 1, 0, 0, 0)),
        (jst(2026, 12, 31, 23, 59, 59), jst(2027, 1, 1, 0, 0, 0)),
        (jst(2028, 2, 29, 23, 59, 59), jst(2028, 3, 1, 0, 0, 0)),
    ],
)
def test_turns_either_side_of_midnight_jst_land_in_exactly_one_month_each(
    last_evening: datetime.datetime, first_morning: datetime.datetime
) -> None:
    make_turn("住民票が欲しい", last_evening, Outcome.HANDOFF)
    make_turn("児童手当を申請したい", first_morning, Outcome.ANSWER)
    earlier = datetime.date(last_evening.year, last_evening.month, 1)
    later = datetime.date(first_morning.year, first_morning.month, 1)

    first = aggregate_at(earlier, first_morning + datetime.timedelta(days=40))
    second = aggregate_at(later, first_morning + datetime.timedelta(days=40))

    assert (first.turns, first.handed_off, first.answered) == (1, 1, 0)
    assert (second.turns, second.handed_off, second.answered) == (1, 0, 1)
    # In UTC both turns are on the same day (the earlier one 15:00 the day before): months follow Tokyo.
    assert first_morning.astimezone(datetime.UTC).day == last_evening.astimezone(datetime.UTC).day


def test_month_bounds_are_tokyo_midnights() -> None:
    start, end = month_bounds(OCTOBER)

    assert start == jst(2026, 10, 1, 0, 0, 0)
    assert end == jst(2026, 11, 1, 0, 0, 0)
    assert start.astimezone(datetime.UTC) == datetime.datetime(2026, 9, 30, 15, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("text", ["2026-13", "2026/10", "", "abc", "2026-00", "26-10", "2026-1", "2026-10-01"])
def test_parse_month_refuses_bad_input(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


@pytest.mark.parametrize(("text", "month"), [("2026-10", OCTOBER), (" 2027-01 ", datetime.date(2027, 1, 1))])
def test_parse_month_reads_year_and_month(text: str, month: datetime.date) -> None:
    assert parse_month(text) == month


# 3. idempotent re-aggregation --------------------------------------------------------------------------------------


def test_aggregating_twice_gives_identical_figures_and_groups(kankyo: Department, jumin: Department) -> None:
    october_turns(kankyo, jumin)

    first = aggregate_at(OCTOBER)
    first_fields, first_groups = aggregate_fields(first), cluster_rows(first)
    second = aggregate_at(OCTOBER, AFTER_OCTOBER + datetime.timedelta(hours=1))

    assert MonthlyAggregate.objects.filter(month=OCTOBER).count() == 1
    assert not MonthlyAggregate.objects.filter(pk=first.pk).exists()
    assert aggregate_fields(second) == first_fields
    assert cluster_rows(second) == first_groups
    assert GapCluster.objects.filter(aggregate__month=OCTOBER).count() == len(first_groups) >= 3
    assert second.computed_at > first.computed_at


def test_staff_actions_survive_reaggregation_and_stay_matched_by_key(
    kankyo: Department, jumin: Department, faq_admin
) -> None:
    october_turns(kankyo, jumin)
    first = aggregate_at(OCTOBER)
    library = first.clusters.get(rank=1)
    assert "図書館" in library.representative or "library" in library.representative
    faq = cluster_create_draft_faq(group=library, user=faq_admin, department=kankyo)

    second = aggregate_at(OCTOBER, AFTER_OCTOBER + datetime.timedelta(hours=1))

    action = GapAction.objects.get()
    assert (action.kind, action.faq, action.created_by) == (GapActionKind.DRAFT_FAQ, faq, faq_admin)
    same = second.clusters.get(rank=1)
    assert same.pk != library.pk
    assert (same.key, same.representative) == (library.key, library.representative)
    matched = actions_by_key(OCTOBER)
    assert list(matched) == [same.key]
    assert matched[same.key] == [action]


# 12. the aggregate_month command ------------------------------------------------------------------------------------


def test_aggregate_month_command_prints_one_line_for_the_month(kankyo: Department, jumin: Department) -> None:
    october_turns(kankyo, jumin)
    out = io.StringIO()

    with time_machine.travel(AFTER_OCTOBER, tick=False):
        call_command("aggregate_month", "--month", "2026-10", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("2026-10: 質問 23 / 回答 10 / 確認 9 / 案内 2 / 受付不可 1 / 未解決 11 (")
    aggregate = MonthlyAggregate.objects.get(month=OCTOBER)
    assert f"({aggregate.clusters_total} グループ" in lines[0]


def test_aggregate_month_command_without_month_does_last_month_and_this_month(
    kankyo: Department, jumin: Department
) -> None:
    october_turns(kankyo, jumin)
    out = io.StringIO()

    with time_machine.travel(AFTER_OCTOBER, tick=False):
        call_command("aggregate_month", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert [line[:7] for line in lines] == ["2026-10", "2026-11"]
    assert lines[0].startswith("2026-10: 質問 23 ")
    assert lines[1].startswith("2026-11: 質問 1 ")  # the handoff at 00:00:00 on 1 November
    assert set(MonthlyAggregate.objects.values_list("month", flat=True)) == {OCTOBER, datetime.date(2026, 11, 1)}
    assert MonthlyAggregate.objects.get(month=OCTOBER).complete is True
    assert MonthlyAggregate.objects.get(month=datetime.date(2026, 11, 1)).complete is False


@pytest.mark.parametrize("month", ["2026-13", "2026/10", "abc", "10-2026"])
def test_aggregate_month_command_refuses_a_bad_month(month: str) -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("aggregate_month", "--month", month, stdout=io.StringIO())
    assert not MonthlyAggregate.objects.exists()

"""Generated turn data with known answers, and small helpers shared by the analytics tests.

Turns are written directly (question texts stored already redacted, as the
pipeline stores them); `created_at` is set afterwards because it is
auto_now_add.
"""

import datetime
import itertools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from analytics.models import MonthlyAggregate
from chatbot.models import Channel, Feedback, Outcome, Turn, TurnStatus
from faq.models import Department

TOKYO = ZoneInfo("Asia/Tokyo")
OCTOBER = datetime.date(2026, 10, 1)
_keys = itertools.count(1)


def jst(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


def make_turn(
    question: str,
    at: datetime.datetime,
    outcome: str = Outcome.ANSWER,
    *,
    channel: str = Channel.WEB,
    session: str = "",
    department: Department | None = None,
    total_ms: float | None = None,
    lang: str = "ja",
    helpful: bool | None = None,
    faq_id: int | None = None,
) -> Turn:
    """One logged turn asked at `at`, with optional feedback and the FAQ the retrieval ranked first."""
    turn = Turn.objects.create(
        idempotency_key=f"{channel}:generated-{next(_keys)}",
        channel=channel,
        session_id=session,
        status=TurnStatus.COMPLETED if outcome else TurnStatus.PENDING,
        question=question,
        lang=lang,
        outcome=outcome,
        department=department,
        total_ms=total_ms,
        candidates=[{"faq_id": faq_id, "score": 0.3, "fused": 1.0, "signals": {}}] if faq_id else [],
    )
    Turn.objects.filter(pk=turn.pk).update(created_at=at)
    turn.created_at = at
    if helpful is not None:
        Feedback.objects.create(turn=turn, helpful=helpful)
    return turn


def aggregate_fields(aggregate: MonthlyAggregate) -> dict[str, Any]:
    """Every figure of a month (not the moment it was computed)."""
    return {
        field.name: getattr(aggregate, field.name)
        for field in MonthlyAggregate._meta.concrete_fields
        if field.name not in ("id", "computed_at")
    }


def cluster_rows(aggregate: MonthlyAggregate) -> list[tuple[Any, ...]]:
    """What a month's groups say, in a comparable form."""
    return [
        (
            group.rank,
            group.key,
            group.representative,
            group.size,
            group.distinct,
            group.wordings,
            group.departments,
            group.reasons,
            group.candidate_faqs,
            bytes(group.centroid),
            group.previous_size,
        )
        for group in aggregate.clusters.order_by("rank")
    ]


# October 2026: 23 resident turns (web and API) with known figures --------------------------------------------------

T = jst(2026, 10, 10, 10, 0, 0)
MINUTE = datetime.timedelta(minutes=1)


@dataclass
class Expected:
    turns: int = 23
    answered: int = 10
    clarified: int = 9
    handed_off: int = 2
    rejected: int = 1
    unfinished: int = 1
    unanswered: int = 11
    helpful: int = 1
    not_helpful: int = 3
    latency_p50_ms: float = 1150.0  # total_ms 100, 200, ... 2200 (the unfinished turn has none)
    latency_p95_ms: float = 2095.0


OCTOBER_EXPECTED = Expected()
# Unanswered wordings of October by topic (handed off, clarification not resolved, answer rated not helpful).
OCTOBER_GAPS = {
    "library": [
        "図書館は何時まで開いていますか",
        "What time does the library open?",
        "図書館の開館時間は？",
        "When is the library open?",
        "図書館は何時から開いていますか",
        "図書館の営業時間を知りたい",
    ],
    "sodai": ["粗大ごみの料金はいくらですか", "粗大ごみの回収料金は？", "粗大ごみの処理手数料を知りたい"],
    "juminhyo": ["住民票はどこでもらえますか", "住民票を発行してほしい"],
}


def october_turns(kankyo: Department, jumin: Department, *, faq_ids: dict[str, int] | None = None) -> dict[str, Turn]:
    """The generated month. Names: A answered, H handed off, C clarify, R the answer after it, J rejected, U unfinished.

    Rules exercised: C1 answered 29 min later (resolved), C2 exactly 30 min later (resolved), C3 30 min 1 s later
    (not), C4 answered but rated not helpful (not; R4 is a gap itself), C5 without a session (not), C6 answered in
    another session (not), C7 answered before (not), C8/C9 a second clarify and no answer (neither). Outside the
    month and from the CLI/evaluation channels: turns that must not count.
    """
    ids = faq_ids or {}
    api = Channel.API
    answer, clarify, handoff = Outcome.ANSWER, Outcome.CLARIFY, Outcome.HANDOFF
    spec: list[tuple[str, str, datetime.datetime, str, dict[str, Any]]] = [
        ("A1", "粗大ごみの収集を申し込みたい", T, answer, {"department": kankyo, "helpful": True}),
        ("A2", "粗大ごみの料金はいくらですか", T, answer, {"department": kankyo, "helpful": False, "faq": "sodai"}),
        (
            "A3",
            "How do I get a copy of my residence certificate?",
            T,
            answer,
            {"channel": api, "department": jumin, "lang": "en"},
        ),
        ("H1", "図書館は何時まで開いていますか", T, handoff, {}),
        (
            "H2",
            "What time does the library open?",
            T,
            handoff,
            {"channel": api, "department": jumin, "lang": "en", "helpful": False},
        ),
        ("C1", "ごみを出したい", T, clarify, {"department": kankyo, "session": "s1"}),
        ("R1", "家庭ごみの出し方", T + 29 * MINUTE, answer, {"department": kankyo, "session": "s1"}),
        ("C2", "住民票が欲しい", T, clarify, {"department": jumin, "session": "s2"}),
        ("R2", "住民票の写しを取りたい", T + 30 * MINUTE, answer, {"department": jumin, "session": "s2"}),
        ("C3", "住民票はどこでもらえますか", T, clarify, {"department": jumin, "session": "s3", "faq": "juminhyo"}),
        (
            "R3",
            "住民票の写しを取りたい",
            T + 30 * MINUTE + datetime.timedelta(seconds=1),
            answer,
            {"department": jumin, "session": "s3"},
        ),
        ("C4", "粗大ごみの回収料金は？", T, clarify, {"department": kankyo, "session": "s4", "faq": "sodai"}),
        (
            "R4",
            "粗大ごみの処理手数料を知りたい",
            T + 5 * MINUTE,
            answer,
            {"department": kankyo, "session": "s4", "helpful": False, "faq": "sodai"},
        ),
        ("C5", "図書館の開館時間は？", T, clarify, {"department": kankyo}),
        ("R5", "図書館の開館時間を教えて", T + MINUTE, answer, {"department": kankyo}),
        (
            "C6",
            "When is the library open?",
            T,
            clarify,
            {"channel": api, "department": kankyo, "session": "s6", "lang": "en"},
        ),
        (
            "R6",
            "Library opening hours",
            T + MINUTE,
            answer,
            {"channel": api, "department": kankyo, "session": "s7", "lang": "en"},
        ),
        ("C7", "住民票を発行してほしい", T, clarify, {"department": jumin, "session": "s8", "faq": "juminhyo"}),
        ("R7", "住民票の写しを取りたい", T - MINUTE, answer, {"department": jumin, "session": "s8"}),
        ("C8", "図書館は何時から開いていますか", T, clarify, {"department": kankyo, "session": "s9"}),
        ("C9", "図書館の営業時間を知りたい", T + 2 * MINUTE, clarify, {"department": kankyo, "session": "s9"}),
        ("J1", "！！！", T, Outcome.REJECTED, {}),
        ("U1", "児童手当の申請方法を教えて", T, "", {"total_ms": None}),
    ]
    turns: dict[str, Turn] = {}
    for number, (name, question, at, outcome, extra) in enumerate(spec, start=1):
        faq = extra.pop("faq", None)
        extra.setdefault("total_ms", 100.0 * number)
        turns[name] = make_turn(question, at, outcome, faq_id=ids.get(faq) if faq else None, **extra)
    # Not resident turns of October: the command line, the evaluation runs, and the months around it.
    turns["X1"] = make_turn("図書館は何時まで開いていますか", T, handoff, channel=Channel.CLI, total_ms=9000.0)
    turns["X2"] = make_turn("住民票の写しを取りたい", T, answer, channel=Channel.EVAL, helpful=False, total_ms=9000.0)
    turns["X3"] = make_turn("ごみを出したい", T, clarify, channel=Channel.EVAL, session="s1", total_ms=9000.0)
    turns["X4"] = make_turn("図書館の休館日は？", jst(2026, 9, 30, 23, 59, 59), handoff, total_ms=9000.0)
    turns["X5"] = make_turn("図書館の休館日は？", jst(2026, 11, 1, 0, 0, 0), handoff, total_ms=9000.0)
    return turns


def reasons_total(aggregate: MonthlyAggregate) -> dict[str, int]:
    """Why the month's unanswered questions count, summed over its groups."""
    total: dict[str, int] = {}
    for group in aggregate.clusters.all():
        for reason, count in group.reasons.items():
            total[reason] = total.get(reason, 0) + count
    return total

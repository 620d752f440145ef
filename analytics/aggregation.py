"""Monthly aggregation of the turn log (figures and groups of unanswered questions), and turn retention."""

import datetime
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.clustering import analytics_encoder, best_match, cluster, distinct_wordings, embed, fold
from analytics.models import GapCluster, GapReason, MonthlyAggregate
from analytics.months import add_months, month_bounds, month_of
from chatbot.models import Channel, Feedback, Outcome, Turn
from chatbot.services import turns_delete_before
from faq.models import Department, Faq

logger = logging.getLogger(__name__)

RESIDENT_CHANNELS = (Channel.WEB, Channel.API)
# A clarification counts as resolved when the same conversation gets an answer this soon after.
CLARIFY_RESOLVED_WITHIN = datetime.timedelta(minutes=30)
WORDINGS_KEPT = 30
# A group this similar to one of last month's is "the same group" for the trend.
TREND_MATCH = 0.8
# The task cluster recomputes the month so far this often (schedule "analytics: month so far", migration 0003);
# the dashboard recomputes a month so far that is older than this when it is opened.
CURRENT_MONTH_EVERY = datetime.timedelta(minutes=10)


# Aggregation ----------------------------------------------------------------


@dataclass
class _Row:
    pk: Any
    session: str
    created: datetime.datetime
    outcome: str
    department_id: int | None
    total_ms: float | None
    question: str
    lang: str
    channel: str
    helpful: bool | None


def _rows(month: datetime.date) -> list[_Row]:
    start, end = month_bounds(month)
    helpful = dict(
        Feedback.objects.filter(
            turn__created_at__gte=start, turn__created_at__lt=end, turn__channel__in=RESIDENT_CHANNELS
        ).values_list("turn_id", "helpful")
    )
    rows = (
        Turn.objects.filter(created_at__gte=start, created_at__lt=end, channel__in=RESIDENT_CHANNELS)
        .order_by("created_at", "id")
        .values_list(
            "id", "session_id", "created_at", "outcome", "department_id", "total_ms", "question", "lang", "channel"
        )
    )
    return [_Row(*values, helpful=helpful.get(values[0])) for values in rows.iterator(chunk_size=5000)]


def _answers_after(month: datetime.date, rows: list[_Row]) -> list[tuple[str, datetime.datetime]]:
    """Answers early in the next month to this month's conversations: they resolve late clarifications."""
    end = month_bounds(month)[1]
    sessions = {row.session for row in rows if row.session and row.outcome == Outcome.CLARIFY}
    if not sessions:
        return []
    later = Turn.objects.filter(
        created_at__gte=end,
        created_at__lt=end + CLARIFY_RESOLVED_WITHIN,
        channel__in=RESIDENT_CHANNELS,
        outcome=Outcome.ANSWER,
    ).exclude(feedback__helpful=False)
    return [
        (session, moment) for session, moment in later.values_list("session_id", "created_at") if session in sessions
    ]


def _gap_reasons(rows: list[_Row], later_answers: Sequence[tuple[str, datetime.datetime]] = ()) -> dict[Any, str]:
    """Turn id -> why it counts as unanswered.

    Handed off; a clarification not followed by an answer; an answer rated not helpful.
    """
    answers_by_session: dict[str, list[datetime.datetime]] = defaultdict(list)
    for row in rows:
        if row.session and row.outcome == Outcome.ANSWER and row.helpful is not False:
            answers_by_session[row.session].append(row.created)
    for session, moment in later_answers:
        answers_by_session[session].append(moment)
    reasons: dict[Any, str] = {}
    for row in rows:
        if row.outcome == Outcome.HANDOFF:
            reasons[row.pk] = GapReason.HANDOFF
        elif row.outcome == Outcome.ANSWER and row.helpful is False:
            reasons[row.pk] = GapReason.NOT_HELPFUL
        elif row.outcome == Outcome.CLARIFY:
            later = answers_by_session.get(row.session, []) if row.session else []
            if not any(row.created < moment <= row.created + CLARIFY_RESOLVED_WITHIN for moment in later):
                reasons[row.pk] = GapReason.CLARIFY
    return reasons


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(np.array(values), q)), 1) if values else None


def _department_rows(rows: list[_Row], reasons: dict[Any, str]) -> list[dict[str, Any]]:
    names = dict(Department.objects.values_list("pk", "name"))
    table: dict[int | None, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counter = table[row.department_id]
        counter["turns"] += 1
        counter[row.outcome or "unfinished"] += 1
        if row.pk in reasons:
            counter["unanswered"] += 1
        if row.helpful is True:
            counter["helpful"] += 1
        elif row.helpful is False:
            counter["not_helpful"] += 1
    result = [
        {
            "id": department_id,
            "name": names.get(department_id, "") if department_id else "",
            "turns": counter["turns"],
            "answered": counter[Outcome.ANSWER],
            "clarified": counter[Outcome.CLARIFY],
            "handed_off": counter[Outcome.HANDOFF],
            "rejected": counter[Outcome.REJECTED],
            "unanswered": counter["unanswered"],
            "helpful": counter["helpful"],
            "not_helpful": counter["not_helpful"],
        }
        for department_id, counter in table.items()
    ]
    result.sort(key=lambda item: (-int(item["turns"] or 0), item["id"] is None, int(item["id"] or 0)))
    return result


def _top_candidates(turn_ids: list[Any]) -> dict[Any, int]:
    """Turn id -> the FAQ the retrieval ranked first for it (unanswered turns only)."""
    top: dict[Any, int] = {}
    for start in range(0, len(turn_ids), 500):
        for pk, candidates in Turn.objects.filter(pk__in=turn_ids[start : start + 500]).values_list("id", "candidates"):
            if candidates and isinstance(candidates, list) and isinstance(candidates[0], dict):
                faq_id = candidates[0].get("faq_id")
                if isinstance(faq_id, int):
                    top[pk] = faq_id
    return top


def _cluster_key(month: datetime.date, representative: str) -> str:
    return hashlib.sha256(f"{month:%Y-%m}\n{representative}".encode()).hexdigest()


def aggregate_month(month: datetime.date) -> MonthlyAggregate:
    """Recompute one month's figures and groups of unanswered questions from the turn log.

    Deterministic: the same turns give the same rows. Existing rows of the
    month are replaced in one transaction; staff actions are kept.
    """
    rows = _rows(month)
    reasons = _gap_reasons(rows, _answers_after(month, rows))
    outcomes = Counter(row.outcome for row in rows)
    latencies = [row.total_ms for row in rows if row.total_ms is not None]
    gaps = [row for row in rows if row.pk in reasons]
    _folded, display, counts, position = distinct_wordings(row.question for row in gaps)
    encoder = analytics_encoder()
    threshold = float(settings.ANALYTICS_CLUSTER_THRESHOLD)
    vectors = embed(display, encoder) if display else np.zeros((0, 1), dtype=np.float32)
    groups = cluster(display, counts, vectors, threshold=threshold)
    kept = groups[: settings.ANALYTICS_CLUSTERS_KEPT]

    group_of_key: dict[int, int] = {}
    for number, group in enumerate(kept):
        for index in group.indices:
            group_of_key[index] = number
    members: dict[int, list[_Row]] = defaultdict(list)
    for row in gaps:
        found = position.get(fold(row.question))
        if found is not None and found in group_of_key:
            members[group_of_key[found]].append(row)
    top_faq = _top_candidates([row.pk for rows_ in members.values() for row in rows_])
    faq_info = {
        faq.pk: faq
        for faq in Faq.objects.filter(pk__in=set(top_faq.values()))
        .select_related("department")
        .only("pk", "question", "department__name", "department_id")
    }
    names = dict(Department.objects.values_list("pk", "name"))
    previous = MonthlyAggregate.objects.filter(month=add_months(month, -1)).first()
    previous_clusters = list(previous.clusters.order_by("rank")) if previous else []
    previous_vectors = [np.frombuffer(bytes(item.centroid), dtype=np.float32) for item in previous_clusters]

    with transaction.atomic():
        MonthlyAggregate.objects.filter(month=month).delete()
        aggregate = MonthlyAggregate.objects.create(
            month=month,
            computed_at=timezone.now(),
            complete=timezone.now() >= month_bounds(month)[1],
            turns=len(rows),
            answered=outcomes[Outcome.ANSWER],
            clarified=outcomes[Outcome.CLARIFY],
            handed_off=outcomes[Outcome.HANDOFF],
            rejected=outcomes[Outcome.REJECTED],
            unfinished=outcomes[""],
            unanswered=len(reasons),
            helpful=sum(1 for row in rows if row.helpful is True),
            not_helpful=sum(1 for row in rows if row.helpful is False),
            latency_p50_ms=_percentile(latencies, 50),
            latency_p95_ms=_percentile(latencies, 95),
            by_department=_department_rows(rows, reasons),
            by_channel=dict(sorted(Counter(row.channel for row in rows).items())),
            by_lang=dict(sorted(Counter(row.lang or "" for row in rows).items())),
            clusters_total=len(groups),
            encoder=getattr(encoder, "name", ""),
            threshold=threshold,
        )
        clusters = []
        for number, group in enumerate(kept):
            group_rows = members.get(number, [])
            departments: Counter[int] = Counter()
            faqs: Counter[int] = Counter()
            for row in group_rows:
                faq_id = top_faq.get(row.pk)
                if faq_id:
                    faqs[faq_id] += 1
                department_id = row.department_id
                if row.outcome != Outcome.ANSWER or department_id is None:
                    faq = faq_info.get(faq_id) if faq_id else None
                    if faq is not None and faq.department_id and row.outcome != Outcome.HANDOFF:
                        department_id = faq.department_id
                if department_id:
                    departments[department_id] += 1
            match = best_match(group.centroid, previous_vectors, threshold=TREND_MATCH)
            clusters.append(
                GapCluster(
                    aggregate=aggregate,
                    rank=number + 1,
                    key=_cluster_key(month, group.centre),
                    representative=group.centre,
                    size=group.size,
                    distinct=len(group.members),
                    wordings=[{"text": text, "count": count} for text, count in group.members[:WORDINGS_KEPT]],
                    departments=[
                        {"id": department_id, "name": names.get(department_id, ""), "count": count}
                        for department_id, count in sorted(departments.items(), key=lambda item: (-item[1], item[0]))
                    ],
                    reasons=dict(sorted(Counter(reasons[row.pk] for row in group_rows).items())),
                    candidate_faqs=[
                        {"id": faq_id, "question": faq_info[faq_id].question if faq_id in faq_info else "", "count": n}
                        for faq_id, n in sorted(faqs.items(), key=lambda item: (-item[1], item[0]))[:3]
                    ],
                    centroid=group.centroid.astype(np.float32).tobytes(),
                    previous_size=previous_clusters[match].size if match is not None else None,
                )
            )
        GapCluster.objects.bulk_create(clusters, batch_size=200)
    logger.info("aggregated %s: %d turns, %d unanswered, %d groups", month, len(rows), len(reasons), len(groups))
    return aggregate


def aggregate_is_stale(
    aggregate: MonthlyAggregate | None, month: datetime.date, now: datetime.datetime | None = None
) -> bool:
    """Whether a month's figures are out of date: the month so far computed more than CURRENT_MONTH_EVERY ago (or
    never), or a past month last computed before it ended. Past months never computed are left to staff."""
    moment = now or timezone.now()
    this_month = month_of(moment)
    if month == this_month:
        return aggregate is None or aggregate.computed_at < moment - CURRENT_MONTH_EVERY
    return month < this_month and aggregate is not None and not aggregate.complete


def aggregate_current(now: datetime.datetime | None = None) -> list[datetime.date]:
    """The job every CURRENT_MONTH_EVERY: recompute the month so far, and last month until it is computed complete."""
    moment = now or timezone.now()
    this_month = month_of(moment)
    last_month = add_months(this_month, -1)
    months = []
    if aggregate_is_stale(MonthlyAggregate.objects.filter(month=last_month).first(), last_month, moment):
        months.append(last_month)
    months.append(this_month)
    for month in months:
        aggregate_month(month)
    return months


def aggregate_due(now: datetime.datetime | None = None) -> list[datetime.date]:
    """The monthly job: recompute last month (now complete) and the month so far."""
    moment = now or timezone.now()
    this_month = month_of(moment)
    months = [add_months(this_month, -1), this_month]
    for month in months:
        aggregate_month(month)
    return months


# Turn retention -------------------------------------------------------------


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Turns before this moment are deleted: the start of the month TURN_RETENTION_MONTHS before this one."""
    month = add_months(month_of(now or timezone.now()), -settings.TURN_RETENTION_MONTHS)
    return month_bounds(month)[0]


def turns_purge(now: datetime.datetime | None = None) -> tuple[int, list[datetime.date]]:
    """Delete turns (and their feedback) older than the retention period, after making sure their months are aggregated.

    Returns (turns deleted, months aggregated first).
    """
    cutoff = retention_cutoff(now)
    old = Turn.objects.filter(created_at__lt=cutoff)
    months = sorted({month_of(moment) for moment in old.values_list("created_at", flat=True).iterator()})
    aggregated = []
    for month in months:
        existing = MonthlyAggregate.objects.filter(month=month, complete=True).first()
        if existing is None:
            aggregate_month(month)
            aggregated.append(month)
    return turns_delete_before(cutoff=cutoff), aggregated

"""Monthly aggregation of the turn log, the actions staff take on its gaps, and turn retention."""

import datetime
import hashlib
import logging
import re
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.clustering import analytics_encoder, best_match, cluster, distinct_wordings, embed, fold
from analytics.models import GapAction, GapActionKind, GapCluster, GapReason, MonthlyAggregate
from analytics.wordings import placeholders_in
from chatbot.models import Channel, Feedback, Outcome, Turn
from faq.models import ALTERNATE_QUESTIONS_MAX, QUESTION_MAX_CHARS, Department, Faq, FaqStatus
from faq.services import faq_save

logger = logging.getLogger(__name__)

RESIDENT_CHANNELS = (Channel.WEB, Channel.API)
# A clarification counts as resolved when the same conversation gets an answer this soon after.
CLARIFY_RESOLVED_WITHIN = datetime.timedelta(minutes=30)
WORDINGS_KEPT = 30
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# A group this similar to one of last month's is "the same group" for the trend.
TREND_MATCH = 0.8
# The task cluster recomputes the month so far this often (schedule "analytics: month so far", migration 0003);
# the dashboard recomputes a month so far that is older than this when it is opened.
CURRENT_MONTH_EVERY = datetime.timedelta(minutes=10)
NOTHING_CHOSEN = gettext_lazy(
    "No wording was ticked, so nothing was added. Tick the wordings that ask what the FAQ answers, then add them."
)


# Months ---------------------------------------------------------------------


def town_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_month(text: str) -> datetime.date:
    """ "2026-10" -> 2026-10-01; ValueError with a clear message otherwise."""
    match = MONTH_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValueError(_("Give the month as YYYY-MM, for example 2026-10 (got %(text)r).") % {"text": text})
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime.datetime) -> datetime.date:
    local = moment.astimezone(town_tz())
    return datetime.date(local.year, local.month, 1)


def current_month() -> datetime.date:
    return month_of(timezone.now())


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a month in the town's time zone, as aware datetimes."""
    tz = town_tz()
    start = datetime.datetime(month.year, month.month, 1, tzinfo=tz)
    following = add_months(month, 1)
    return start, datetime.datetime(following.year, following.month, 1, tzinfo=tz)


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
    deleted = 0
    while True:
        ids = list(Turn.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:2000])
        if not ids:
            break
        with transaction.atomic():
            Feedback.objects.filter(turn_id__in=ids).delete()
            deleted += Turn.objects.filter(pk__in=ids).delete()[1].get("chatbot.Turn", 0)
    return deleted, aggregated


# Actions on a group ---------------------------------------------------------


def _may_edit_department(user: Any, department_id: int | None) -> bool:
    from changeflow.services import departments_for

    if department_id is None:
        return bool(getattr(user, "is_superuser", False)) or departments_for(user).count() == Department.objects.count()
    return departments_for(user).filter(pk=department_id).exists()


def _clean_wordings(wordings: list[str], *, exclude: set[str]) -> list[str]:
    seen = {fold(text) for text in exclude}
    result = []
    for text in wordings:
        cleaned = " ".join(text.replace("|", " ").split())[:QUESTION_MAX_CHARS]
        if cleaned and fold(cleaned) not in seen:
            seen.add(fold(cleaned))
            result.append(cleaned)
    return result


@transaction.atomic
def cluster_create_draft_faq(*, group: GapCluster, user: Any, department: Department | None = None) -> Faq:
    """A draft FAQ for the responsible department: the representative question, the other wordings as alternates.

    Wordings holding a redaction placeholder are left out; when the representative holds one, the most
    frequent wording without any becomes the question. The answer is left for the department to write; the
    draft is not public until it is published (in admin, or through a change request).
    """
    if department is None:
        department_ids = group.department_ids
        department = Department.objects.filter(pk=department_ids[0]).first() if department_ids else None
    if not user.has_perm("faq.add_faq") or not _may_edit_department(user, department.pk if department else None):
        raise PermissionDenied(_("You cannot create FAQs for this department."))
    wordings = [group.representative, *(item["text"] for item in group.wordings)]
    usable = [text for text in wordings if not placeholders_in(text)]
    if not usable:
        raise ValidationError(
            _("Every wording of this group contains personal data removed from the question: write the FAQ yourself.")
        )
    question = usable[0][:QUESTION_MAX_CHARS]
    alternates = _clean_wordings(usable[1:], exclude={question})[:ALTERNATE_QUESTIONS_MAX]
    faq = Faq(
        question=question,
        alternate_questions=alternates,
        answer="",
        department=department,
        status=FaqStatus.DRAFT,
    )
    faq.full_clean(exclude=["answer"])
    faq._change_reason = _("Draft from unanswered questions of %(month)s") % {  # type: ignore[attr-defined]
        "month": f"{group.aggregate.month:%Y-%m}"
    }
    faq.save()
    GapAction.objects.create(
        month=group.aggregate.month,
        cluster_key=group.key,
        representative=group.representative,
        kind=GapActionKind.DRAFT_FAQ,
        faq=faq,
        wordings=[question, *alternates],
        created_by=user if getattr(user, "pk", None) else None,
    )
    return faq


@transaction.atomic
def cluster_add_alternates(*, group: GapCluster, faq: Faq, wordings: list[str], user: Any) -> list[str]:
    """Add the chosen wordings as alternate questions of an existing FAQ (a new version; the index follows on commit).

    Only the wordings staff chose are added: a resident asking one of them word for word then gets this
    FAQ's answer whatever the model says. Returns the wordings added. Raises ValidationError, and changes
    nothing, when none is chosen, when one holds a redaction placeholder (［個人番号］ ...), when none is new,
    or when the FAQ would exceed its limit of alternate questions.
    """
    faq = Faq.objects.select_for_update().get(pk=faq.pk)
    if not user.has_perm("faq.change_faq") or not _may_edit_department(user, faq.department_id):
        raise PermissionDenied(_("You cannot edit this FAQ."))
    if not wordings:
        raise ValidationError(NOTHING_CHOSEN, code="nothing_chosen")
    for text in wordings:
        found = placeholders_in(text)
        if found:
            raise ValidationError(
                _(
                    '"%(wording)s" contains personal data removed from the question (%(placeholders)s) and cannot '
                    "become an alternate question. Nothing was added."
                )
                % {"wording": text, "placeholders": "".join(found)},
                code="placeholder",
            )
    allowed = {item["text"] for item in group.wordings} | {group.representative}
    chosen = [text for text in wordings if text in allowed]
    added = _clean_wordings(chosen, exclude={faq.question, *faq.alternate_questions})
    if not added:
        raise ValidationError(_("None of the chosen wordings is new for this FAQ."))
    room = ALTERNATE_QUESTIONS_MAX - len(faq.alternate_questions)
    if len(added) > room:
        raise ValidationError(
            _("This FAQ can take %(room)d more alternate questions (at most %(max)d); choose fewer wordings.")
            % {"room": max(room, 0), "max": ALTERNATE_QUESTIONS_MAX}
        )
    faq.alternate_questions = [*faq.alternate_questions, *added]
    faq_save(
        faq=faq,
        reason=_("Alternate questions from unanswered questions of %(month)s")
        % {"month": f"{group.aggregate.month:%Y-%m}"},
    )
    GapAction.objects.create(
        month=group.aggregate.month,
        cluster_key=group.key,
        representative=group.representative,
        kind=GapActionKind.ALTERNATES,
        faq=faq,
        wordings=added,
        created_by=user if getattr(user, "pk", None) else None,
    )
    return added


def actions_by_key(month: datetime.date) -> dict[str, list[GapAction]]:
    result: dict[str, list[GapAction]] = defaultdict(list)
    for action in GapAction.objects.filter(month=month).select_related("faq", "created_by").order_by("created_at"):
        result[action.cluster_key].append(action)
    return result

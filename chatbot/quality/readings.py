"""What each monitor reads: resident turns, feedback, latency, LLM errors and the search index."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chatbot.models import Channel, Composer, Feedback, Monitor, Outcome, SuspectedCause, Symptom, Turn, TurnStatus

RESIDENT_CHANNELS = (Channel.WEB, Channel.API)
LLM_FAILURES = ("llm_timeout", "llm_http_error", "llm_invalid_output", "llm_circuit_open", "llm_busy")
PIPELINE_FAILURES = ("vector_store_unavailable", "retrieval_error", "internal_error", *LLM_FAILURES)
TURNS_KEPT = 50


@dataclass
class Reading:
    """What one monitor saw. `message` is a function so that it can be written in Japanese and in English."""

    breached: bool
    message: Callable[[], str]
    value: float | None = None
    threshold: float | None = None
    symptom: str = Symptom.QUALITY
    cause: str = SuspectedCause.UNKNOWN
    details: dict[str, Any] = field(default_factory=dict)
    turn_ids: list[Any] = field(default_factory=list)


def _resident_turns(since: datetime.datetime, until: datetime.datetime | None = None) -> QuerySet[Turn]:
    turns = Turn.objects.filter(
        channel__in=RESIDENT_CHANNELS, status=TurnStatus.COMPLETED, created_at__gte=since
    ).exclude(outcome=Outcome.REJECTED)
    return turns.filter(created_at__lt=until) if until else turns


def _share_monitor(
    *, outcome: str, drop: bool, allowed_change: str, symptom: str = Symptom.QUALITY
) -> Callable[[], Reading]:
    """The share of resident turns with `outcome` over the last window, against the days before it; the setting
    named by `allowed_change` holds how far it may fall (`drop`) or rise."""

    def read() -> Reading:
        now = timezone.now()
        start = now - datetime.timedelta(minutes=settings.MONITOR_WINDOW_MINUTES)
        window = _resident_turns(start)
        baseline = _resident_turns(now - datetime.timedelta(days=settings.MONITOR_BASELINE_DAYS), start)
        n, base_n = window.count(), baseline.count()
        if n < settings.MONITOR_MIN_TURNS or base_n < settings.MONITOR_MIN_TURNS:
            return Reading(
                breached=False,
                message=lambda: (
                    _("Too few turns to judge: %(n)d in the window, %(base)d before it.") % {"n": n, "base": base_n}
                ),
                details={"n": n, "baseline_n": base_n},
            )
        share = window.filter(outcome=outcome).count() / n
        base = baseline.filter(outcome=outcome).count() / base_n
        change = float(getattr(settings, allowed_change))
        threshold = base - change if drop else base + change
        breached = share < threshold if drop else share > threshold
        flagged = window.exclude(outcome=Outcome.ANSWER) if drop else window.filter(outcome=outcome)
        return Reading(
            breached=breached,
            value=round(share, 4),
            threshold=round(threshold, 4),
            symptom=symptom,
            message=lambda: (
                _(
                    "%(share).0f%% over the last %(minutes)d minutes (%(n)d turns); "
                    "%(base).0f%% over the %(days)d days before; limit %(limit).0f%%."
                )
                % {
                    "share": share * 100,
                    "minutes": settings.MONITOR_WINDOW_MINUTES,
                    "n": n,
                    "base": base * 100,
                    "days": settings.MONITOR_BASELINE_DAYS,
                    "limit": threshold * 100,
                }
            ),
            details={"n": n, "baseline_n": base_n, "share": round(share, 4), "baseline": round(base, 4)},
            turn_ids=list(flagged.order_by("-created_at").values_list("pk", flat=True)[:TURNS_KEPT]),
        )

    return read


def not_helpful_reading() -> Reading:
    """The share of 'not helpful' feedback over the last hours, against the days before."""
    now = timezone.now()
    start = now - datetime.timedelta(hours=settings.MONITOR_FEEDBACK_HOURS)
    resident = Feedback.objects.filter(turn__channel__in=RESIDENT_CHANNELS)
    window = resident.filter(created_at__gte=start)
    baseline = resident.filter(
        created_at__gte=now - datetime.timedelta(days=settings.MONITOR_BASELINE_DAYS), created_at__lt=start
    )
    n, base_n = window.count(), baseline.count()
    if n < settings.MONITOR_MIN_FEEDBACK or base_n < settings.MONITOR_MIN_FEEDBACK:
        return Reading(
            breached=False,
            message=lambda: (
                _("Too little feedback to judge: %(n)d in the window, %(base)d before it.") % {"n": n, "base": base_n}
            ),
            details={"n": n, "baseline_n": base_n},
        )
    share = window.filter(helpful=False).count() / n
    base = baseline.filter(helpful=False).count() / base_n
    threshold = base + settings.MONITOR_NOT_HELPFUL_RISE
    return Reading(
        breached=share > threshold,
        value=round(share, 4),
        threshold=round(threshold, 4),
        message=lambda: (
            _(
                "%(share).0f%% not helpful over the last %(hours)d hours (%(n)d replies); %(base).0f%% before; "
                "limit %(limit).0f%%."
            )
            % {
                "share": share * 100,
                "hours": settings.MONITOR_FEEDBACK_HOURS,
                "n": n,
                "base": base * 100,
                "limit": threshold * 100,
            }
        ),
        details={"n": n, "baseline_n": base_n, "share": round(share, 4), "baseline": round(base, 4)},
        turn_ids=list(
            window.filter(helpful=False).order_by("-created_at").values_list("turn_id", flat=True)[:TURNS_KEPT]
        ),
    )


def latency_reading() -> Reading:
    """The 95th percentile of the resident turns' total time over the last minutes."""
    start = timezone.now() - datetime.timedelta(minutes=settings.MONITOR_LATENCY_MINUTES)
    turns = Turn.objects.filter(
        channel__in=RESIDENT_CHANNELS, status=TurnStatus.COMPLETED, created_at__gte=start, total_ms__isnull=False
    )
    values = [float(value) for value in turns.values_list("total_ms", flat=True) if value is not None]
    limit = settings.MONITOR_LATENCY_P95_MS
    if len(values) < settings.MONITOR_MIN_LATENCY_TURNS:
        return Reading(
            breached=False,
            message=lambda: (
                _("Too few turns to judge: %(n)d in the last %(minutes)d minutes.")
                % {"n": len(values), "minutes": settings.MONITOR_LATENCY_MINUTES}
            ),
            details={"n": len(values)},
        )
    p95 = float(np.percentile(values, 95))
    return Reading(
        breached=p95 > limit,
        value=round(p95, 1),
        threshold=limit,
        symptom=Symptom.PERFORMANCE,
        cause=SuspectedCause.UNKNOWN,
        message=lambda: (
            _("p95 %(p95).0f ms over the last %(minutes)d minutes (%(n)d turns); limit %(limit).0f ms.")
            % {"p95": p95, "minutes": settings.MONITOR_LATENCY_MINUTES, "n": len(values), "limit": limit}
        ),
        details={"n": len(values), "p95_ms": round(p95, 1)},
        turn_ids=list(turns.filter(total_ms__gt=limit).order_by("-total_ms").values_list("pk", flat=True)[:TURNS_KEPT]),
    )


def llm_error_reading() -> Reading:
    """The share of turns that wanted an LLM reply and got the FAQ text because the LLM failed."""
    start = timezone.now() - datetime.timedelta(minutes=settings.MONITOR_LATENCY_MINUTES)
    tried = Turn.objects.filter(
        channel__in=RESIDENT_CHANNELS, status=TurnStatus.COMPLETED, created_at__gte=start
    ).filter(Q(composer=Composer.LLM) | Q(failure_class__in=LLM_FAILURES))
    n = tried.count()
    if n < settings.MONITOR_MIN_LLM_TURNS:
        return Reading(
            breached=False,
            message=lambda: (
                _("Too few LLM replies to judge: %(n)d in the last %(minutes)d minutes.")
                % {"n": n, "minutes": settings.MONITOR_LATENCY_MINUTES}
            ),
            details={"n": n},
        )
    failed = tried.filter(failure_class__in=LLM_FAILURES)
    rate = failed.count() / n
    limit = settings.MONITOR_LLM_ERROR_RATE
    classes = sorted(set(failed.values_list("failure_class", flat=True)))
    return Reading(
        breached=rate > limit,
        value=round(rate, 4),
        threshold=limit,
        cause=SuspectedCause.LLM,
        message=lambda: (
            _("%(rate).0f%% of %(n)d LLM replies failed (%(classes)s); limit %(limit).0f%%.")
            % {"rate": rate * 100, "n": n, "classes": ", ".join(classes) or "-", "limit": limit * 100}
        ),
        details={"n": n, "rate": round(rate, 4), "classes": classes},
        turn_ids=list(failed.order_by("-created_at").values_list("pk", flat=True)[:TURNS_KEPT]),
    )


def stale_faqs() -> list[int]:
    """FAQs where the active index and the published texts differ (see `index_lag`), counting only changes older
    than the grace period: the index is updated right after a change commits."""
    from faq.retrieval.index import index_lag

    settled = timezone.now() - datetime.timedelta(minutes=settings.MONITOR_INDEX_GRACE_MINUTES)
    stale, unpublished = index_lag(changed_before=settled)
    return sorted(set(stale) | set(unpublished))


def index_reading() -> Reading:
    stale = stale_faqs()
    return Reading(
        breached=bool(stale),
        value=float(len(stale)),
        threshold=0.0,
        cause=SuspectedCause.INDEX,
        message=lambda: (
            _("%(n)d FAQs differ between the search index and the published FAQs (run rebuild_index).")
            % {"n": len(stale)}
            if stale
            else _("The search index matches the published FAQs.")
        ),
        details={"faqs": stale[:TURNS_KEPT]},
    )


MONITORS: dict[str, Callable[[], Reading | None]] = {
    Monitor.ANSWER_RATE: _share_monitor(outcome=Outcome.ANSWER, drop=True, allowed_change="MONITOR_ANSWER_RATE_DROP"),
    Monitor.HANDOFF_RATE: _share_monitor(outcome=Outcome.HANDOFF, drop=False, allowed_change="MONITOR_HANDOFF_RISE"),
    Monitor.NOT_HELPFUL: not_helpful_reading,
    Monitor.LATENCY: latency_reading,
    Monitor.LLM_ERRORS: llm_error_reading,
    Monitor.INDEX_STALE: index_reading,
}

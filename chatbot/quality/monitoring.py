"""Monitors that notice when answers get worse, not only when a server is down.

Each monitor takes one reading (a `MonitorCheck`): the canary asks a handful of golden questions through the
whole pipeline; the others read the resident turns (answer rate, handoffs, not-helpful feedback, latency, LLM
errors) and whether the search index matches the published FAQs. When the last `MONITOR_SUSTAINED_CHECKS`
readings of a monitor are all breaches, an `Incident` opens (one blip opens none), the administrators are
e-mailed, and the incident stays open, with its timeline, until staff close it with a resolution note."""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chatbot.models import (
    Channel,
    Composer,
    EvaluationRun,
    Feedback,
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
    TurnStatus,
)

logger = logging.getLogger(__name__)

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


def _in(language: str, text: Callable[[], str]) -> str:
    with translation.override(language):
        return text()


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


def canary_cases() -> list[Any]:
    """The golden cases tagged "canary"; else CANARY_CASES cases spread over those the last evaluation of the whole
    golden set handled right (a canary watches for change: a case that already went wrong would only cry wolf).
    Evaluations taken while a canary incident was open are passed over. With no such evaluation yet, one is run
    and stored first (a fault already present then goes unnoticed by the canary)."""
    from chatbot.quality.evalruns import golden_run
    from chatbot.quality.golden import golden_cases

    tagged = golden_cases(["canary"])
    if tagged:
        return tagged
    every = {case.case_id: case for case in golden_cases()}
    if not every:
        return []
    runs = EvaluationRun.objects.filter(status=RunStatus.COMPLETED, cases_label="golden set").order_by("-started_at")
    usable = (run for run in runs[:20] if not run.tags and not _during_canary_incident(run.started_at))
    run = next(usable, None) or golden_run(trigger=RunTrigger.CANARY)
    good = [every[item["id"]] for item in (run.results if run else []) if item.get("right") and item["id"] in every]
    step = max(1, len(good) // max(1, settings.CANARY_CASES))
    return good[::step][: settings.CANARY_CASES]


def _during_canary_incident(moment: datetime.datetime) -> bool:
    """Whether a canary incident was open and not yet back to normal then: an evaluation taken during an outage
    would pick cases that pass even while the fault lasts."""
    return (
        Incident.objects.filter(monitor=Monitor.CANARY, opened_at__lte=moment)
        .filter(
            Q(recovered_at__gte=moment)
            | Q(recovered_at__isnull=True, closed_at__gte=moment)
            | Q(recovered_at__isnull=True, closed_at__isnull=True)
        )
        .exists()
    )


def canary_reading() -> Reading | None:
    """A handful of golden questions through the whole pipeline without logging a turn; breached when one is
    handled wrong or a step failed. None without cases."""
    from chatbot.quality.evaluation import evaluate_cases

    cases = canary_cases()
    if not cases:
        return None
    results: list[dict[str, Any]] = []
    evaluate_cases(cases, log=False, judge=False, details=results)
    wrong = [item for item in results if not item["right"]]
    failures = sorted({item["failure_class"] for item in results if item["failure_class"] in PIPELINE_FAILURES})
    bad = [item for item in results if not item["right"] or item["failure_class"] in PIPELINE_FAILURES]
    cause, symptom = SuspectedCause.UNKNOWN, Symptom.QUALITY
    if any(name.startswith("llm_") for name in failures):
        cause = SuspectedCause.LLM
    elif "vector_store_unavailable" in failures or "retrieval_error" in failures:
        cause = SuspectedCause.INDEX
    elif "internal_error" in failures:
        cause, symptom = SuspectedCause.INFRASTRUCTURE, Symptom.UNAVAILABLE
    elif wrong:
        cause = SuspectedCause.CONTENT if _content_changed_recently() else SuspectedCause.INDEX
    n = len(results)
    return Reading(
        breached=bool(bad),
        value=float(len(bad)),
        threshold=0.0,
        symptom=symptom,
        cause=cause,
        message=lambda: (
            _("%(bad)d of %(n)d canary questions went wrong (wrong: %(wrong)d; failed steps: %(failures)s).")
            % {"bad": len(bad), "n": n, "wrong": len(wrong), "failures": ", ".join(failures) or "-"}
            if bad
            else _("All %(n)d canary questions were handled right.") % {"n": n}
        ),
        details={
            "n": n,
            "cases": [
                {key: item.get(key) for key in ("id", "query", "outcome", "answered_with", "right", "failure_class")}
                for item in bad
            ],
        },
    )


def _content_changed_recently() -> bool:
    from faq.models import Faq

    return Faq.objects.filter(updated_at__gte=timezone.now() - datetime.timedelta(days=1)).exists()


MONITORS: dict[str, Callable[[], Reading | None]] = {
    Monitor.ANSWER_RATE: _share_monitor(outcome=Outcome.ANSWER, drop=True, allowed_change="MONITOR_ANSWER_RATE_DROP"),
    Monitor.HANDOFF_RATE: _share_monitor(outcome=Outcome.HANDOFF, drop=False, allowed_change="MONITOR_HANDOFF_RISE"),
    Monitor.NOT_HELPFUL: not_helpful_reading,
    Monitor.LATENCY: latency_reading,
    Monitor.LLM_ERRORS: llm_error_reading,
    Monitor.INDEX_STALE: index_reading,
}


def _event(incident: Incident, kind: str, message: str = "", user: Any = None) -> None:
    IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        message=message[:4000],
        user=user if getattr(user, "is_authenticated", False) else None,
    )


def record(monitor: str, reading: Reading) -> MonitorCheck:
    """Store one reading and open, update or mark recovered the monitor's incident."""
    now = timezone.now()
    with transaction.atomic():
        check = MonitorCheck.objects.create(
            monitor=monitor,
            breached=reading.breached,
            value=reading.value,
            threshold=reading.threshold,
            message=_in("ja", reading.message)[:500],
            details=reading.details | {"en": _in("en", reading.message)},
        )
        incident = Incident.objects.select_for_update().filter(monitor=monitor, status=IncidentStatus.OPEN).first()
        if reading.breached:
            if incident is None:
                streak = list(
                    MonitorCheck.objects.filter(monitor=monitor)
                    .order_by("-checked_at", "-pk")
                    .values_list("breached", flat=True)[: settings.MONITOR_SUSTAINED_CHECKS]
                )
                if len(streak) >= settings.MONITOR_SUSTAINED_CHECKS and all(streak):
                    incident = _open(monitor, reading, check)
            else:
                if incident.recovered_at is not None:
                    _event(incident, IncidentEvent.Kind.BREACHED, check.message)
                    incident.recovered_at = None
                incident.last_breach_at = now
                incident.details = reading.details | {"message": check.message}
                incident.save(update_fields=["recovered_at", "last_breach_at", "details"])
                if reading.turn_ids:
                    incident.turns.add(*reading.turn_ids[:TURNS_KEPT])
        elif incident is not None and incident.recovered_at is None:
            incident.recovered_at = now
            incident.save(update_fields=["recovered_at"])
            _event(incident, IncidentEvent.Kind.RECOVERED, check.message)
        if incident is not None:
            check.incident = incident
            check.save(update_fields=["incident"])
    return check


def _open(monitor: str, reading: Reading, check: MonitorCheck) -> Incident:
    label = _in("ja", lambda: str(Monitor(monitor).label))
    incident = Incident.objects.create(
        monitor=monitor,
        title=(check.message if check.message.startswith(label) else f"{label}: {check.message}")[:300],
        symptom=reading.symptom,
        suspected_cause=reading.cause,
        last_breach_at=timezone.now(),
        details=reading.details | {"message": check.message},
    )
    if reading.turn_ids:
        incident.turns.add(*reading.turn_ids[:TURNS_KEPT])
    streak = MonitorCheck.objects.filter(monitor=monitor).order_by("-checked_at", "-pk")[
        : settings.MONITOR_SUSTAINED_CHECKS
    ]
    # Readings already kept by an incident closed while the breach went on stay with it.
    MonitorCheck.objects.filter(pk__in=list(streak.values_list("pk", flat=True)), incident__isnull=True).update(
        incident=incident
    )
    _event(
        incident,
        IncidentEvent.Kind.OPENED,
        _in(
            "ja",
            lambda: _("%(count)d readings in a row breached the limit.") % {"count": settings.MONITOR_SUSTAINED_CHECKS},
        ),
    )
    incident_id = incident.pk

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task("chatbot.quality.monitoring.incident_notify", incident_id, task_name=f"incident-{incident_id}")

    transaction.on_commit(enqueue)
    logger.warning("incident %s opened: %s", incident.pk, incident.title)
    return incident


def run_monitors(names: list[str] | None = None) -> list[MonitorCheck]:
    """Take one reading of each monitor (a failing monitor is logged and skipped, the others still run)."""
    checks = []
    for name, read in MONITORS.items():
        if names and name not in names:
            continue
        try:
            reading = read()
        except Exception:
            logger.exception("monitor %s failed to take a reading", name)
            continue
        if reading is not None:
            checks.append(record(name, reading))
    return checks


def run_canary() -> MonitorCheck | None:
    """Ask the canary questions once; a pipeline that raises counts as a breach (unavailability)."""
    try:
        reading = canary_reading()
    except Exception as exc:
        logger.exception("the canary could not run")
        error = type(exc).__name__
        reading = Reading(
            breached=True,
            symptom=Symptom.UNAVAILABLE,
            cause=SuspectedCause.INFRASTRUCTURE,
            message=lambda: _("The canary could not run: %(error)s") % {"error": error},
            details={"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
    if reading is None:
        logger.info("canary skipped: the golden set has no cases in use")
        return None
    return record(Monitor.CANARY, reading)


def incident_recipients() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename="change_incident")
            | Q(groups__permissions__codename="change_incident")
        )
        .exclude(email="")
        .distinct()
    )
    admins = [email for _name, email in getattr(settings, "ADMINS", [])]
    return sorted({user.email for user in users} | set(settings.INCIDENT_EMAILS) | set(admins))


def incident_notify(incident_id: int) -> int:
    """E-mail the administrators that an incident opened (run by the task cluster); returns the recipients."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return 0
    recipients = incident_recipients()
    if not recipients:
        logger.warning("incident %s: nobody to e-mail (set INCIDENT_EMAILS or staff e-mail addresses)", incident_id)
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("admin:chatbot_incident_change", args=[incident.pk])
    with translation.override("ja"):
        ja = (incident.get_symptom_display(), incident.get_suspected_cause_display())
    with translation.override("en"):
        en = (
            incident.get_symptom_display(),
            incident.get_suspected_cause_display(),
            str(Monitor(incident.monitor).label),
        )
    en_reading = incident.checks.order_by("-checked_at").values_list("details", flat=True).first() or {}
    body = (
        f"障害 #{incident.pk} が発生しました。\n{incident.title}\n症状: {ja[0]}\n推定原因: {ja[1]}\n"
        f"発生: {timezone.localtime(incident.opened_at):%Y-%m-%d %H:%M}\n{link}\n\n"
        f"Incident #{incident.pk} opened ({en[2]}).\n{en_reading.get('en', '')}\n"
        f"Symptom: {en[0]}\nSuspected cause: {en[1]}\n{link}\n"
    )
    send_mail(
        f"【障害】#{incident.pk} {incident.title} / Incident #{incident.pk}"[:250],
        body,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    _event(incident, IncidentEvent.Kind.NOTIFIED, ", ".join(recipients))
    return len(recipients)


@transaction.atomic
def incident_update(
    incident: Incident, *, symptom: str, suspected_cause: str, resolution_note: str, close: bool, user: Any
) -> None:
    """Staff triage (the labels) and closing (with a resolution note, which closing requires)."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    changes = []
    if (symptom, suspected_cause) != (locked.symptom, locked.suspected_cause):
        with translation.override("ja"):
            before = f"{locked.get_symptom_display()} / {locked.get_suspected_cause_display()}"
            locked.symptom, locked.suspected_cause = symptom, suspected_cause
            after = f"{locked.get_symptom_display()} / {locked.get_suspected_cause_display()}"
        _event(locked, IncidentEvent.Kind.TRIAGED, f"{before} → {after}", user)
        changes += ["symptom", "suspected_cause"]
    if resolution_note != locked.resolution_note:
        locked.resolution_note = resolution_note
        changes.append("resolution_note")
    if close and locked.status == IncidentStatus.OPEN:
        if not resolution_note.strip():
            raise ValueError("closing an incident needs a resolution note")
        locked.status = IncidentStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = user if getattr(user, "is_authenticated", False) else None
        changes += ["status", "closed_at", "closed_by"]
        _event(locked, IncidentEvent.Kind.CLOSED, resolution_note, user)
    if changes:
        locked.save(update_fields=changes)
    for name in ("symptom", "suspected_cause", "resolution_note", "status", "closed_at", "closed_by"):
        setattr(incident, name, getattr(locked, name))

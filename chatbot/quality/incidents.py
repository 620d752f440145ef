"""Incidents: a monitor's readings open, update and recover them; staff are e-mailed, triage and close them."""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chatbot.models import Incident, IncidentEvent, IncidentStatus, Monitor, MonitorCheck
from chatbot.quality.readings import TURNS_KEPT, Reading

logger = logging.getLogger(__name__)


def _in(language: str, text: Callable[[], str]) -> str:
    with translation.override(language):
        return text()


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

        async_task("chatbot.quality.incidents.incident_notify", incident_id, task_name=f"incident-{incident_id}")

    transaction.on_commit(enqueue)
    logger.warning("incident %s opened: %s", incident.pk, incident.title)
    return incident


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

"""What the monitors watch: their readings, and the incidents they open with each incident's timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chatbot.models.turns import Turn, local_time


class Monitor(models.TextChoices):
    """What is watched: a canary through the whole pipeline, and the resident turns' figures."""

    CANARY = "canary", _("canary questions")
    ANSWER_RATE = "answer_rate", _("answer rate drop")
    HANDOFF_RATE = "handoff_rate", _("handoff spike")
    NOT_HELPFUL = "not_helpful", _("not-helpful feedback spike")
    LATENCY = "latency", _("latency p95")
    LLM_ERRORS = "llm_errors", _("LLM error rate")
    INDEX_STALE = "index_stale", _("search index out of date")


class Symptom(models.TextChoices):
    QUALITY = "quality", _("quality degradation")
    PERFORMANCE = "performance", _("performance degradation")
    UNAVAILABLE = "unavailable", _("unavailability")
    PRIVACY = "privacy", _("privacy")


class SuspectedCause(models.TextChoices):
    UNKNOWN = "unknown", _("not yet known")
    LLM = "llm", _("LLM provider")
    INDEX = "index", _("retrieval index")
    CONTENT = "content", _("content change")
    CONFIGURATION = "config", _("configuration")
    INFRASTRUCTURE = "infra", _("infrastructure")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident", "open")
    CLOSED = "closed", pgettext_lazy("incident", "closed")


class Incident(models.Model):
    """A sustained breach of one monitor: opened by the monitors, triaged and closed by staff with a note."""

    monitor = models.CharField(_("monitor"), max_length=16, choices=Monitor.choices, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN, db_index=True
    )
    title = models.CharField(_("title"), max_length=300)
    symptom = models.CharField(_("symptom"), max_length=12, choices=Symptom.choices)
    suspected_cause = models.CharField(_("suspected cause"), max_length=8, choices=SuspectedCause.choices)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)
    last_breach_at = models.DateTimeField(_("last breach"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("back to normal"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    details = models.JSONField(_("figures"), default=dict, blank=True)
    turns = models.ManyToManyField(Turn, verbose_name=_("turns that triggered it"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitor"], condition=Q(status="open"), name="chatbot_one_open_incident_per_monitor"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class IncidentEvent(models.Model):
    """One line of an incident's timeline."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        NOTIFIED = "notified", _("administrators e-mailed")
        RECOVERED = "recovered", _("back to normal")
        BREACHED = "breached", _("breached again")
        TRIAGED = "triaged", _("labels changed")
        CLOSED = "closed", _("closed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    message = models.TextField(_("message"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident timeline")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{local_time(self.at)} {self.get_kind_display()}"


class MonitorCheck(models.Model):
    """One reading of one monitor; an incident opens when the last readings in a row are all breaches."""

    monitor = models.CharField(_("monitor"), max_length=16, choices=Monitor.choices)
    checked_at = models.DateTimeField(_("checked"), auto_now_add=True, db_index=True)
    breached = models.BooleanField(_("breached"))
    value = models.FloatField(_("value"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    message = models.CharField(_("reading"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )

    class Meta:
        verbose_name = _("monitor reading")
        verbose_name_plural = _("monitor readings")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["monitor", "-checked_at"], name="chatbot_monitor_latest")]

    def __str__(self) -> str:
        return f"{local_time(self.checked_at)} {self.get_monitor_display()}: {self.message}"

"""The chat domain's records: every turn, and the versions of the confidence gate."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from faq.models import Department, Faq


def _local(moment: datetime.datetime | None) -> str:
    """A record's time as staff read it (the town's time zone); blank before it is saved."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


class Outcome(models.TextChoices):
    ANSWER = "answer", _("Answered")
    CLARIFY = "clarify", _("Clarify")
    HANDOFF = "handoff", _("Handed off")
    REJECTED = "rejected", pgettext_lazy("outcome", "Rejected")


class Channel(models.TextChoices):
    WEB = "web", _("Web widget")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    EVAL = "eval", _("Evaluation")


class TurnStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")


class FailureClass(models.TextChoices):
    """Why a turn did not end in a confident answer; "unanswered" is a filter on this closed list."""

    NONE = "", _("None")
    INVALID_INPUT = "invalid_input", _("Invalid input")
    NO_CANDIDATES = "no_candidates", _("No matching FAQ")
    LOW_CONFIDENCE = "low_confidence", _("Low confidence")
    CLOSE_CANDIDATES = "close_candidates", _("Close candidates")
    OUT_OF_DATE = "out_of_date", _("Only an expired FAQ matches")
    VECTOR_STORE_UNAVAILABLE = "vector_store_unavailable", _("Vector store unavailable (lexical only)")
    RETRIEVAL_ERROR = "retrieval_error", _("Retrieval failed")
    INTERNAL_ERROR = "internal_error", _("Internal error")
    # The LLM composer failed: the resident got the FAQ's own answer instead.
    LLM_TIMEOUT = "llm_timeout", _("LLM timed out (FAQ text given)")
    LLM_HTTP_ERROR = "llm_http_error", _("LLM request failed (FAQ text given)")
    LLM_INVALID_OUTPUT = "llm_invalid_output", _("LLM reply failed a check (FAQ text given)")
    LLM_CIRCUIT_OPEN = "llm_circuit_open", _("LLM paused after failures (FAQ text given)")
    LLM_BUSY = "llm_busy", _("LLM at its concurrency limit (FAQ text given)")


class Composer(models.TextChoices):
    EXTRACTIVE = "extractive", _("FAQ text")
    LLM = "llm", _("LLM reply")


class GateConfig(models.Model):
    """One version of the gate's model and thresholds; exactly one is active, every turn records its version."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=False)
    kind = models.CharField(_("kind"), max_length=16, default="thresholds")
    parameters = models.JSONField(_("parameters"), default=dict)
    calibration = models.JSONField(_("calibration"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("gate configuration")
        verbose_name_plural = _("gate configurations")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="chatbot_one_active_gate")
        ]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.kind})"


class PromptVersion(models.Model):
    """One version of the LLM's instructions; exactly one is active. Turns record the version they used."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    text = models.TextField(_("instructions"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    evaluation = models.JSONField(_("evaluation results"), default=dict, blank=True)

    class Meta:
        verbose_name = _("prompt version")
        verbose_name_plural = _("prompt versions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="chatbot_one_active_prompt")
        ]

    def __str__(self) -> str:
        return f"v{self.pk}"


class LlmSwitch(models.Model):
    """Staff's on/off switch for LLM replies (one row); off means FAQ texts only, at once, no redeploy."""

    enabled = models.BooleanField(_("LLM replies on"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("LLM switch")
        verbose_name_plural = _("LLM switch")

    def __str__(self) -> str:
        return str(_("LLM replies on") if self.enabled else _("LLM replies off"))


class Turn(models.Model):
    """One question and what the resident got. Written once: pending before the slow work, completed after."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    session_id = models.CharField(_("conversation"), max_length=100, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=TurnStatus.choices, default=TurnStatus.PENDING)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    question = models.TextField(_("question (redacted)"))
    redacted_kinds = models.JSONField(_("personal data removed"), default=list, blank=True)
    lang = models.CharField(_("language"), max_length=8, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, db_index=True)
    failure_class = models.CharField(
        _("failure class"), max_length=32, choices=FailureClass.choices, blank=True, db_index=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="turns",
    )
    gate = models.ForeignKey(
        GateConfig, verbose_name=_("gate version"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    gate_features = models.JSONField(_("gate features"), default=dict, blank=True)
    faq_versions = models.JSONField(_("FAQ versions used"), default=list, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    composer = models.CharField(_("composed by"), max_length=16, choices=Composer.choices, blank=True)
    prompt_version = models.ForeignKey(
        PromptVersion,
        verbose_name=_("prompt version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    llm = models.JSONField(_("LLM call"), default=dict, blank=True)
    latency_ms = models.JSONField(_("latency per step (ms)"), default=dict, blank=True)
    total_ms = models.FloatField(_("total latency (ms)"), null=True, blank=True)
    response = models.JSONField(_("response"), default=dict, blank=True)

    class Meta:
        verbose_name = _("turn")
        verbose_name_plural = _("turns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{_local(self.created_at)} {self.outcome}"


class Feedback(models.Model):
    """A resident's "helpful / not helpful" on one turn, with an optional (redacted) comment; the last one counts."""

    turn = models.OneToOneField(Turn, verbose_name=_("turn"), on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment (redacted)"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.turn_id}"


class CaseSource(models.TextChoices):
    TURN = "turn", _("logged turn")
    IMPORT = "import", _("imported file")
    STAFF = "staff", _("entered by staff")


class GoldenCase(models.Model):
    """A labelled question of the golden set: the FAQ(s) that answer it, or that it should not be answered."""

    case_id = models.CharField(_("case id"), max_length=100, unique=True)
    query = models.TextField(_("question (redacted)"))
    answerable = models.BooleanField(
        _("should be answered"),
        default=True,
        help_text=_("Off: the right behaviour is a handoff or a choice, not an answer from the FAQs."),
    )
    relevant_faqs = models.ManyToManyField(Faq, verbose_name=_("right FAQs"), blank=True, related_name="golden_cases")
    lang = models.CharField(_("language"), max_length=8, blank=True)
    tags = models.JSONField(
        _("tags"),
        default=list,
        blank=True,
        help_text=_('A list such as ["department:環境課", "topic:ごみ", "lang:ja"].'),
    )
    source = models.CharField(_("source"), max_length=8, choices=CaseSource.choices, default=CaseSource.STAFF)
    turn = models.ForeignKey(
        Turn,
        verbose_name=_("turn"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="golden_cases",
    )
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("golden case")
        verbose_name_plural = _("golden set")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.query[:40]}"


class RunTrigger(models.TextChoices):
    COMMAND = "command", _("command line")
    NIGHTLY = "nightly", _("nightly schedule")
    ADMIN = "admin", _("on demand in admin")
    REGRESSION = "check", _("regression check")
    CANARY = "canary", _("canary's first run")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed")


class EvaluationRun(models.Model):
    """One evaluation of the bot on a set of cases, with the configuration it ran under and every case's result."""

    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    trigger = models.CharField(_("started by"), max_length=8, choices=RunTrigger.choices)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    cases_label = models.CharField(_("cases"), max_length=300)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    configuration = models.JSONField(_("configuration"), default=dict, blank=True)
    metrics = models.JSONField(_("measures"), default=dict, blank=True)
    results = models.JSONField(_("results per case"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{_local(self.started_at)} {self.cases_label}"


class RegressionCheck(models.Model):
    """The golden set evaluated before and after a change (a gate version, a prompt version) that would go live;
    a failed check blocks the change unless an administrator overrides it with a recorded reason."""

    class Action(models.TextChoices):
        GATE = "gate", _("activate a gate version")
        PROMPT = "prompt", _("activate a prompt version")
        PUBLISH = "publish", _("publish a change request")

    created_at = models.DateTimeField(_("checked"), auto_now_add=True)
    action = models.CharField(_("change"), max_length=8, choices=Action.choices)
    target = models.CharField(_("target"), max_length=200)
    baseline = models.ForeignKey(EvaluationRun, verbose_name=_("before"), on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(EvaluationRun, verbose_name=_("after"), on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("passed"))
    reasons = models.JSONField(_("why it failed"), default=list, blank=True)
    failing_cases = models.JSONField(_("cases that got worse"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)

    class Meta:
        verbose_name = _("regression check")
        verbose_name_plural = _("regression checks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{_local(self.created_at)} {self.target}: {'passed' if self.passed else 'failed'}"


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
        return f"{_local(self.at)} {self.get_kind_display()}"


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
        return f"{_local(self.checked_at)} {self.get_monitor_display()}: {self.message}"

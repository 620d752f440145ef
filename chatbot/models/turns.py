"""Every turn (one question and what the resident got), its outcome and failure classes, and the resident's feedback."""

import datetime
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chatbot.models.versions import GateConfig, PromptVersion
from faq.models import Department


def local_time(moment: datetime.datetime | None) -> str:
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
    # FAQs an English-speaking resident was shown in Japanese (no English text): the list of FAQs needing English.
    untranslated_faqs = models.JSONField(_("FAQs shown in Japanese only"), default=list, blank=True)
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
        return f"{local_time(self.created_at)} {self.outcome}"


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

"""Monthly figures and the month's unanswered questions grouped by meaning.

Both are recomputed from the turn log (`aggregate_month`): running it twice
gives the same rows. What staff did about a group (GapAction) is kept apart,
keyed by the month and the group's representative question, so that it
survives a recomputation.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from faq.models import Faq


class MonthlyAggregate(models.Model):
    """One month (Asia/Tokyo) of resident turns (web widget and API)."""

    month = models.DateField(_("month"), unique=True, help_text=_("First day of the month."))
    computed_at = models.DateTimeField(_("computed"))
    complete = models.BooleanField(_("month complete"), default=False, help_text=_("Computed after the month ended."))
    turns = models.PositiveIntegerField(_("questions"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    clarified = models.PositiveIntegerField(_("clarify"), default=0)
    handed_off = models.PositiveIntegerField(_("handed off"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    unfinished = models.PositiveIntegerField(_("unfinished"), default=0)
    unanswered = models.PositiveIntegerField(_("unanswered"), default=0)
    helpful = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful = models.PositiveIntegerField(_("not helpful"), default=0)
    latency_p50_ms = models.FloatField(_("latency p50 (ms)"), null=True, blank=True)
    latency_p95_ms = models.FloatField(_("latency p95 (ms)"), null=True, blank=True)
    by_department = models.JSONField(_("by department"), default=list, blank=True)
    by_channel = models.JSONField(_("by channel"), default=dict, blank=True)
    by_lang = models.JSONField(_("by language"), default=dict, blank=True)
    clusters_total = models.PositiveIntegerField(_("groups of unanswered questions"), default=0)
    encoder = models.CharField(_("encoder"), max_length=100, blank=True)
    threshold = models.FloatField(_("similarity threshold"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    def share(self, count: int) -> float:
        return count / self.turns if self.turns else 0.0


class GapReason(models.TextChoices):
    HANDOFF = "handoff", _("Handed off")
    CLARIFY = "clarify", _("Clarification not resolved")
    NOT_HELPFUL = "not_helpful", _("Answer rated not helpful")


class GapCluster(models.Model):
    """Unanswered questions of one month that mean the same thing."""

    aggregate = models.ForeignKey(
        MonthlyAggregate, verbose_name=_("month"), on_delete=models.CASCADE, related_name="clusters"
    )
    rank = models.PositiveIntegerField(_("rank"))
    key = models.CharField(_("key"), max_length=64)
    representative = models.TextField(_("representative question"))
    size = models.PositiveIntegerField(_("questions"))
    distinct = models.PositiveIntegerField(_("distinct wordings"))
    wordings = models.JSONField(_("wordings"), default=list)
    departments = models.JSONField(_("departments"), default=list)
    reasons = models.JSONField(_("reasons"), default=dict)
    candidate_faqs = models.JSONField(_("closest FAQs"), default=list)
    centroid = models.BinaryField(_("centroid"))
    previous_size = models.PositiveIntegerField(_("last month"), null=True, blank=True)

    class Meta:
        verbose_name = _("group of unanswered questions")
        verbose_name_plural = _("groups of unanswered questions")
        ordering = ["aggregate", "rank"]
        constraints = [models.UniqueConstraint(fields=["aggregate", "rank"], name="analytics_cluster_rank")]

    def __str__(self) -> str:
        return f"{self.aggregate} #{self.rank} {self.representative[:40]}"

    @property
    def change(self) -> int | None:
        return None if self.previous_size is None else self.size - self.previous_size

    @property
    def department_ids(self) -> list[int]:
        return [row["id"] for row in self.departments if row.get("id")]


class GapActionKind(models.TextChoices):
    DRAFT_FAQ = "draft_faq", _("Draft FAQ created")
    ALTERNATES = "alternates", _("Added as alternate questions")


class GapAction(models.Model):
    """What staff did about a group of unanswered questions."""

    month = models.DateField(_("month"))
    cluster_key = models.CharField(_("group key"), max_length=64)
    representative = models.TextField(_("representative question"))
    kind = models.CharField(_("action"), max_length=16, choices=GapActionKind.choices)
    faq = models.ForeignKey(
        Faq, verbose_name=_("FAQ"), on_delete=models.SET_NULL, null=True, blank=True, related_name="gap_actions"
    )
    wordings = models.JSONField(_("wordings"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("action on unanswered questions")
        verbose_name_plural = _("actions on unanswered questions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["month", "cluster_key"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_kind_display()} {self.representative[:40]}"

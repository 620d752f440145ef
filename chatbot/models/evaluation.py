"""The golden set of labelled questions, evaluation runs of the bot on it, and regression checks before a change."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chatbot.models.turns import Turn, local_time
from faq.models import Faq


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
        return f"{local_time(self.started_at)} {self.cases_label}"


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
        return f"{local_time(self.created_at)} {self.target}: {'passed' if self.passed else 'failed'}"

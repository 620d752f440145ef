"""Policy changes submitted by departments, reviewed, and published on their effective date (施行日)."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from faq.models import ANSWER_MAX_CHARS, QUESTION_MAX_CHARS, Category, Department, Faq, validate_single_line

VALUE_MAX_CHARS = 500
REASON_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 2000


class ChangeKind(models.TextChoices):
    FEE = "fee", _("Fee change")
    HOURS = "hours", _("Opening-hours change")
    CONTACT = "contact", _("Contact change")
    PROCEDURE = "procedure", _("Procedure or required-documents change")
    NEW_SERVICE = "new_service", _("New service")
    SERVICE_END = "service_end", _("Service ending")
    FREE_TEXT = "free_text", _("Free text")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", pgettext_lazy("change status", "Published")
    ROLLED_BACK = "rolled_back", _("Rolled back")


class ChangeRequestQuerySet(models.QuerySet["ChangeRequest"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise models.ProtectedError(str(_("Change requests are never deleted; reject or roll them back.")), set(self))


class ChangeRequest(models.Model):
    """One submission (変更申請). Never deleted: rejected and rolled-back ones stay as records."""

    kind = models.CharField(_("template"), max_length=16, choices=ChangeKind.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="change_requests"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    old_value = models.CharField(
        _("current value"), max_length=VALUE_MAX_CHARS, blank=True, validators=[validate_single_line]
    )
    new_value = models.CharField(
        _("new value"), max_length=VALUE_MAX_CHARS, blank=True, validators=[validate_single_line]
    )
    effective_date = models.DateField(_("effective date"))
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(REASON_MAX_CHARS)])
    notice_url = models.URLField(_("public notice URL"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    flags = models.JSONField(_("warnings for the reviewer"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(
        _("review comment"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX_CHARS)]
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-id"]
        permissions = [("review_changerequest", _("Can review, approve, reject and roll back change requests"))]
        indexes = [models.Index(fields=["status", "effective_date"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise models.ProtectedError(str(_("Change requests are never deleted; reject or roll them back.")), {self})


class ChangeItem(models.Model):
    """What one submission does to one FAQ: new text, a new FAQ, or withdrawal."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="items")
    faq = models.ForeignKey(
        Faq, verbose_name=_("FAQ"), on_delete=models.PROTECT, null=True, blank=True, related_name="change_items"
    )
    withdraw = models.BooleanField(_("withdraw the FAQ"), default=False)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_question = models.CharField(_("question at submission"), max_length=QUESTION_MAX_CHARS, blank=True)
    current_answer = models.TextField(_("answer at submission"), blank=True)
    new_question = models.CharField(_("new question"), max_length=QUESTION_MAX_CHARS, blank=True)
    new_answer = models.TextField(_("new answer"), blank=True, validators=[MaxLengthValidator(ANSWER_MAX_CHARS)])
    # The English texts: empty for an FAQ without English (and a new FAQ given none), which stays without.
    current_question_en = models.CharField(
        _("English question at submission"), max_length=QUESTION_MAX_CHARS, blank=True
    )
    current_answer_en = models.TextField(_("English answer at submission"), blank=True)
    new_question_en = models.CharField(_("new English question"), max_length=QUESTION_MAX_CHARS, blank=True)
    new_answer_en = models.TextField(
        _("new English answer"), blank=True, validators=[MaxLengthValidator(ANSWER_MAX_CHARS)]
    )
    before_history_id = models.IntegerField(_("FAQ version before publication"), null=True, blank=True)
    published_history_id = models.IntegerField(_("FAQ version published"), null=True, blank=True)

    class Meta:
        verbose_name = _("change item")
        verbose_name_plural = _("change items")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.new_question or self.current_question

    @property
    def has_english(self) -> bool:
        """Whether the item carries English texts: its FAQ had them at submission, or the new FAQ is given them."""
        return bool(self.current_question_en.strip() or self.new_question_en.strip())

    @property
    def english_changed(self) -> bool:
        """Whether publishing writes new English texts (else the FAQ's English is left as it is then)."""
        return bool(self.new_question_en.strip()) and (
            self.new_question_en.strip() != self.current_question_en.strip()
            or self.new_answer_en.strip() != self.current_answer_en.strip()
        )


class ChangeEvent(models.Model):
    """The audit trail: who did what to a submission, when."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """The step in words: 承認（申請中 → 承認済み）, or just 編集 when the status stays the same."""
        action = str(EVENT_ACTIONS.get(self.action, self.action))
        before, after = _status_label(self.from_status), _status_label(self.to_status)
        if after and before and before != after:
            return gettext("%(action)s (%(from)s → %(to)s)") % {"action": action, "from": before, "to": after}
        if after and not before:
            return gettext("%(action)s (→ %(to)s)") % {"action": action, "to": after}
        return action


# What each recorded step is called on the change-request pages (ChangeEvent.action).
EVENT_ACTIONS = {
    "created": pgettext_lazy("change action", "Created"),
    "edited": pgettext_lazy("change action", "Edited"),
    "submitted": pgettext_lazy("change action", "Submitted"),
    "approved": pgettext_lazy("change action", "Approved"),
    "scheduled": pgettext_lazy("change action", "Scheduled"),
    "rejected": pgettext_lazy("change action", "Sent back"),
    "published": pgettext_lazy("change action", "Published"),
    "rolled_back": pgettext_lazy("change action", "Rolled back"),
    "notified": pgettext_lazy("change action", "Notified"),
}


def _status_label(status: str) -> str:
    return str(ChangeStatus(status).label) if status in ChangeStatus.values else status


class CheckStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Evaluating")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ApprovalCheck(models.Model):
    """The golden-set regression check of one change request's proposed texts, run by the task cluster when a
    reviewer asks to approve. It holds for the texts it evaluated (their fingerprint); edited texts need a new one."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="checks")
    fingerprint = models.CharField(_("fingerprint of the texts"), max_length=64)
    status = models.CharField(_("status"), max_length=8, choices=CheckStatus.choices, default=CheckStatus.QUEUED)
    cases_done = models.PositiveIntegerField(_("questions asked"), default=0)
    cases_total = models.PositiveIntegerField(_("questions to ask"), default=0)
    result = models.ForeignKey(
        "chatbot.RegressionCheck",
        verbose_name=_("regression check"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.TextField(_("error"), blank=True)
    comment = models.TextField(_("review comment"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX_CHARS)])
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval check")
        verbose_name_plural = _("approval checks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.get_status_display()}"

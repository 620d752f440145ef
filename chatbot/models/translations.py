"""Machine translations of FAQ answers into English: made just in time by the LLM, checked, kept per FAQ version,
and offered to staff to approve into the FAQ's English fields."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from faq.models import QUESTION_MAX_CHARS, Faq


class TranslationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting review")
    APPROVED = "approved", _("Approved into the FAQ")
    REJECTED = "rejected", _("Rejected by staff")
    REFUSED = "refused", _("Failed a check (never shown)")


class MachineTranslation(models.Model):
    """The LLM's English for one version of one FAQ. Residents read it (labelled as a machine translation) while it
    is proposed or approved; a refused or rejected one is never shown."""

    faq = models.ForeignKey(Faq, verbose_name=_("FAQ"), on_delete=models.CASCADE, related_name="machine_translations")
    faq_version = models.BigIntegerField(_("FAQ version"))
    source_question = models.CharField(_("Japanese question"), max_length=QUESTION_MAX_CHARS)
    source_answer = models.TextField(_("Japanese answer"))
    question_en = models.CharField(_("question (English)"), max_length=QUESTION_MAX_CHARS, blank=True)
    answer_en = models.TextField(_("answer (English)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TranslationStatus.choices, default=TranslationStatus.PROPOSED
    )
    problems = models.JSONField(_("check results"), default=list, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    shown = models.PositiveIntegerField(_("times shown to residents"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("machine translation")
        verbose_name_plural = _("machine translations")
        ordering = ["-shown", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["faq", "faq_version"], name="chatbot_machinetranslation_one_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} v{self.faq_version}: {self.question_en or self.source_question}"

    @property
    def usable(self) -> bool:
        return self.status in (TranslationStatus.PROPOSED, TranslationStatus.APPROVED) and bool(self.answer_en)

"""The versions that decide the answers: the gate's model and thresholds, the LLM's instructions, the LLM switch."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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

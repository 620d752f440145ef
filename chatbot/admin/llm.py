"""The LLM: its prompt versions and the switch that turns its replies on or off."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from chatbot.admin.activation import regression_blocked_page, report_check
from chatbot.models import LlmSwitch, PromptVersion
from chatbot.quality.regression import RegressionBlocked, prompt_activate_checked


@admin.register(PromptVersion)
class PromptVersionAdmin(admin.ModelAdmin):
    """The LLM's instructions, versioned: add a version, compare versions by their evaluation, activate one."""

    list_display = [
        "id",
        "is_active",
        "created_at",
        "created_by",
        "note",
        "evaluated_at",
        "resolved",
        "wrong_answer_rate",
        "llm_replies",
        "llm_faithfulness",
    ]
    readonly_fields = ["is_active", "activated_at", "created_at", "created_by", "evaluation"]
    fields = ["text", "note", "is_active", "activated_at", "created_at", "created_by", "evaluation"]
    actions = ["activate"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A version's text never changes once saved (turns point to it): add a new version instead.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PromptVersion, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
            obj.is_active = False
        super().save_model(request, obj, form, change)

    def _metric(self, obj: PromptVersion, key: str) -> Any:
        return (obj.evaluation or {}).get("metrics", {}).get(key, "-")

    @admin.display(description=_("evaluated"))
    def evaluated_at(self, obj: PromptVersion) -> str:
        return str((obj.evaluation or {}).get("at", "-"))

    @admin.display(description=_("resolved share"))
    def resolved(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "resolved")

    @admin.display(description=_("wrong-answer rate"))
    def wrong_answer_rate(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "wrong_answer_rate")

    @admin.display(description=_("LLM reply share"))
    def llm_replies(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "llm_replies")

    @admin.display(description=_("faithfulness (judge, 1-5)"))
    def llm_faithfulness(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "llm_faithfulness")

    @admin.action(description=_("Make the selected prompt version active"))
    def activate(self, request: HttpRequest, queryset: QuerySet[PromptVersion]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return None
        version = queryset.get()
        try:
            check = prompt_activate_checked(
                version, user=request.user, override_reason=request.POST.get("override_reason", "")
            )
        except RegressionBlocked as blocked:
            return regression_blocked_page(request, self, blocked.check, "activate", version.pk)
        report_check(self, request, check)
        self.message_user(request, _("Prompt version %(id)d is now active.") % {"id": version.pk}, messages.SUCCESS)
        return None

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("chatbot.change_promptversion"):
            actions.pop("activate", None)
        return actions


@admin.register(LlmSwitch)
class LlmSwitchAdmin(admin.ModelAdmin):
    """One switch: LLM replies on or off, effective with the next question."""

    list_display = ["__str__", "enabled", "updated_at", "updated_by", "status"]
    list_editable = ["enabled"]
    list_display_links = ["__str__"]
    fields = ["enabled", "status", "updated_at", "updated_by"]
    readonly_fields = ["status", "updated_at", "updated_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LlmSwitch, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    @admin.display(description=_("LLM status"))
    def status(self, obj: LlmSwitch) -> str:
        from chatbot.llm.composer import llm_status

        state = llm_status()
        if state["status"] == "disabled":
            if "switched off" in str(state.get("detail", "")):
                return str(_("Off: switched off by staff; residents get the FAQ texts."))
            return str(_("Off: no LLM is configured (LLM_BASE_URL, LLM_MODEL); residents get the FAQ texts."))
        if state.get("breaker") == "open":
            return str(_("Paused after repeated failures (model %(model)s); residents get the FAQ texts for now.")) % {
                "model": state.get("model", "")
            }
        return str(_("On: model %(model)s, prompt version %(prompt)s.")) % {
            "model": state.get("model", ""),
            "prompt": state.get("prompt_version") or "-",
        }

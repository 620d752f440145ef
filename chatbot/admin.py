from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chatbot.models import Feedback, GateConfig, Turn
from chatbot.services import gate_config_activate
from faq.admin import ReadOnlyAdmin


@admin.register(Turn)
class TurnAdmin(ReadOnlyAdmin):
    """The turn log: what residents asked (redacted) and what the bot did, with the gate's reasons."""

    list_display = ["created_at", "question", "outcome", "failure_class", "department", "channel", "lang", "total_ms"]
    list_filter = ["outcome", "failure_class", "channel", "lang", "department", "status"]
    date_hierarchy = "created_at"
    search_fields = ["question", "answer"]
    readonly_fields = [
        "id",
        "created_at",
        "completed_at",
        "status",
        "channel",
        "lang",
        "question",
        "redacted_kinds",
        "outcome",
        "failure_class",
        "department",
        "gate",
        "answer",
        "candidates",
        "gate_features",
        "faq_versions",
        "latency_ms",
        "total_ms",
        "idempotency_key",
    ]
    exclude = ["response"]


@admin.register(GateConfig)
class GateConfigAdmin(ReadOnlyAdmin):
    """Gate versions: which is active, how each was calibrated; activating an older one reverts to it."""

    list_display = ["id", "is_active", "kind", "created_at", "created_by", "note"]
    readonly_fields = ["id", "is_active", "kind", "created_at", "created_by", "note", "parameters", "calibration"]
    actions = ["activate"]

    @admin.action(description=_("Make the selected gate version active"))
    def activate(self, request: HttpRequest, queryset: QuerySet[GateConfig]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        config = queryset.get()
        gate_config_activate(config=config)
        self.message_user(request, _("Gate version %(id)d is now active.") % {"id": config.pk}, messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("chatbot.change_gateconfig"):
            actions.pop("activate", None)
        return actions


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Residents' "helpful / not helpful" with their (redacted) comments, linked to the turn."""

    list_display = ["created_at", "helpful", "comment", "turn"]
    list_filter = ["helpful"]
    date_hierarchy = "created_at"
    search_fields = ["comment", "turn__question"]
    readonly_fields = ["turn", "helpful", "comment", "created_at", "updated_at"]

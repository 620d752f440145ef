"""The turn log and residents' feedback, and adding turns to the golden set."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chatbot.models import Feedback, Outcome, Turn
from chatbot.quality.golden import GoldenSetError, case_from_turn
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
    actions = ["mark_answer_right", "mark_not_to_answer"]

    @admin.action(description=_("Add to the golden set: the FAQ it answered with is right"))
    def mark_answer_right(self, request: HttpRequest, queryset: QuerySet[Turn]) -> None:
        made, skipped = 0, 0
        for turn in queryset:
            if turn.outcome != Outcome.ANSWER:
                skipped += 1
                continue
            try:
                case_from_turn(turn, answerable=True, user=request.user)
            except GoldenSetError:
                skipped += 1
                continue
            made += 1
        self.message_user(request, _("%(count)d turns added to the golden set.") % {"count": made}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _(
                    "%(count)d turns were not answered with an FAQ and were skipped: add them from the golden set "
                    "with the right FAQ, or as not to be answered."
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Add to the golden set: should not be answered (handoff)"))
    def mark_not_to_answer(self, request: HttpRequest, queryset: QuerySet[Turn]) -> None:
        made = 0
        for turn in queryset:
            case_from_turn(turn, answerable=False, user=request.user)
            made += 1
        self.message_user(
            request, _("%(count)d turns added to the golden set as not to be answered.") % {"count": made}
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("chatbot.add_goldencase"):
            actions.pop("mark_answer_right", None)
            actions.pop("mark_not_to_answer", None)
        return actions


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Residents' "helpful / not helpful" with their (redacted) comments, linked to the turn."""

    list_display = ["created_at", "helpful", "comment", "turn"]
    list_filter = ["helpful"]
    date_hierarchy = "created_at"
    search_fields = ["comment", "turn__question"]
    readonly_fields = ["turn", "helpful", "comment", "created_at", "updated_at"]

"""Machine translations residents were shown, for staff to approve into the FAQ's English fields or reject."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chatbot.models import MachineTranslation, TranslationStatus
from chatbot.services import TranslationNotApproved, machine_translation_approve, machine_translation_reject


@admin.register(MachineTranslation)
class MachineTranslationAdmin(admin.ModelAdmin):
    list_display = ["faq", "faq_version", "status", "shown", "created_at", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["source_question", "question_en", "faq__external_id"]
    shown_fields = (
        "faq",
        "faq_version",
        "status",
        "shown",
        "source_question",
        "question_en",
        "source_answer",
        "answer_en",
        "problems",
        "model",
        "created_at",
        "reviewed_by",
        "reviewed_at",
    )
    fields = shown_fields
    readonly_fields = shown_fields
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Approving writes the FAQ: it needs the permission to edit FAQs as well.
        return super().has_change_permission(request, obj) and request.user.has_perm("faq.change_faq")

    @admin.action(description=_("Approve into the FAQ's English text"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[MachineTranslation]) -> None:
        done = 0
        for translation in queryset.filter(status=TranslationStatus.PROPOSED):
            try:
                machine_translation_approve(translation=translation, user=request.user)
                done += 1
            except TranslationNotApproved as refusal:
                self.message_user(request, f"FAQ {translation.faq_id}: {refusal}", messages.WARNING)
        self.message_user(request, _("%(count)d translation(s) approved into their FAQs.") % {"count": done})

    @admin.action(description=_("Reject (residents get the Japanese answer)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[MachineTranslation]) -> None:
        for translation in queryset.filter(status=TranslationStatus.PROPOSED):
            machine_translation_reject(translation=translation, user=request.user)

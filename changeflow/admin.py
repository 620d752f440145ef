from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from changeflow.models import ChangeEvent, ChangeRequest
from changeflow.permissions import change_list_visible


class ChangeEventInline(admin.TabularInline):
    model = ChangeEvent
    fields = ("at", "actor", "step", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("action"))
    def step(self, obj: ChangeEvent) -> str:
        return obj.summary()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """A read-only record; submissions are made and reviewed on the change-request pages."""

    list_display = ["id", "title", "kind", "department", "effective_date", "status", "created_by", "open_page"]
    list_filter = ["status", "kind", "department"]
    search_fields = ["title", "reason", "items__new_answer", "items__new_answer_en"]
    date_hierarchy = "effective_date"
    inlines = [ChangeEventInline]

    @admin.display(description=_("page"))
    def open_page(self, obj: ChangeRequest) -> str:
        return format_html('<a href="{}">{}</a>', reverse("changeflow:detail", args=[obj.pk]), _("open"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChangeRequest]:
        """The same requests as on the change-request pages: editors see their own departments' only."""
        visible = change_list_visible(request.user)
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in ChangeRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

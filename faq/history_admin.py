"""Version pages staff can read: values in words, a reason for every version, and each change shown whole."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from faq.history import admin_edit_reason, version_cells, version_changes, version_kind

REASON_FIELD = "change_reason"


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin whose version list (templates/simple_history/) staff can read.

    Each version shows the listed fields as words (choice labels, not codes), its reason, and what it changed
    compared with the version before: the whole old and new value of every changed field with the changed
    characters marked. Each save in the admin is kept with the reason 管理画面で編集 and the editor's optional note
    (the form's `change_reason`, see faq.forms.VersionReasonForm).
    """

    def _shows_reason_field(self, request: HttpRequest, obj: Any) -> bool:
        if REASON_FIELD not in getattr(self.form, "base_fields", {}):
            return False
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, dict[str, Any]]]:
        fieldsets = [
            (name, {**options, "fields": [field for field in options["fields"] if field != REASON_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if self._shows_reason_field(request, obj):
            fieldsets.append((_("Record of the change"), {"fields": [REASON_FIELD]}))
        return fieldsets

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        cleaned = getattr(form, "cleaned_data", None) or {}
        match = request.resolver_match
        restored = match is not None and (match.url_name or "").endswith("_simple_history")
        obj._change_reason = admin_edit_reason(cleaned.get(REASON_FIELD) or "", restored=restored)
        super().save_model(request, obj, form, change)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        fields = {field.name: field for field in self.model._meta.fields}
        headers = [
            str(fields[name].verbose_name) if name in fields else str(name)
            for name in self.get_history_list_display(request)
        ]
        return super().history_view(request, object_id, {"history_headers": headers, **(extra_context or {})})

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Sequence[Any], foreign_keys_are_objs: bool = True
    ) -> None:
        """Give each version on the page its values in words and its changes against the version before it
        (the oldest version on a page is compared with the newest of the next page)."""
        records = list(historical_records)
        names = list(self.get_history_list_display(request))
        for index, record in enumerate(records):
            older = records[index + 1] if index + 1 < len(records) else record.prev_record
            record.version_cells = version_cells(record, names)
            record.version_kind = version_kind(record)
            record.version_changes = version_changes(older, record) if older is not None else []

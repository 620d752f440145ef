"""What staff read on a version page: each saved version's values in words and what it changed, side by side."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext

from faq.diff import side_by_side


@dataclass(frozen=True)
class FieldChange:
    """One field of a version compared with the version before: the whole old and new text, changes marked."""

    label: str
    old: SafeString
    new: SafeString


def admin_edit_reason(note: str, *, restored: bool = False) -> str:
    """The reason kept with a version saved in the admin: 管理画面で編集 (or the restore of an earlier version),
    followed by the editor's note if they wrote one."""
    action = gettext("Restored an earlier version in admin") if restored else gettext("Edited in admin")
    note = " ".join(note.split())
    if note:
        return gettext("%(action)s: %(note)s") % {"action": action, "note": note}
    return action


def value_text(field: models.Field, value: Any) -> str:
    """A field's value as staff read it: choice labels instead of codes, one alternate question per line."""
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    return str(value)


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields staff edit; automatic time stamps change on every save and would hide the real change."""
    return [field for field in model._meta.fields if field.editable and not field.primary_key]


def version_changes(older: Any, newer: Any) -> list[FieldChange]:
    """The fields a version changed compared with the one before it, each as whole old and new text."""
    changes = []
    for field in tracked_fields(newer.instance_type):
        if getattr(older, field.attname) == getattr(newer, field.attname):
            continue
        old = value_text(field, _value(older, field))
        new = value_text(field, _value(newer, field))
        if old != new:
            old_html, new_html = side_by_side(old, new)
            changes.append(FieldChange(label=str(field.verbose_name), old=old_html, new=new_html))
    return changes


def _value(record: Any, field: models.Field) -> Any:
    if isinstance(field, models.ForeignKey):
        # The related record as it is now, or its id if it was deleted since.
        related_id = getattr(record, field.attname)
        if related_id is None:
            return None
        related = field.related_model._default_manager.filter(pk=related_id).first()  # type: ignore[union-attr]
        return related if related is not None else related_id
    return getattr(record, field.attname)


def version_cells(record: Any, field_names: list[str]) -> list[str]:
    """The listed fields of one version, in words."""
    fields = {field.name: field for field in record.instance_type._meta.fields}
    return [
        value_text(fields[name], _value(record, fields[name])) if name in fields else str(getattr(record, name, ""))
        for name in field_names
    ]


def version_kind(record: Any) -> str:
    kinds = {
        "+": pgettext("version", "Created"),
        "~": pgettext("version", "Changed"),
        "-": pgettext("version", "Deleted"),
    }
    return kinds.get(record.history_type, record.history_type)

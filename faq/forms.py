from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from faq.fileformats import FORMATS
from faq.models import Department, Faq


class AlternateQuestionsField(forms.CharField):
    """Edits the list of alternate questions as one phrasing per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return (initial or []) != self.to_python(data)


def https_urls(field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Form fields for model fields; addresses typed without a scheme get https://."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class VersionReasonForm(forms.ModelForm):
    """An admin form whose save is kept as a version with the editor's optional note as part of its reason."""

    change_reason = forms.CharField(
        label=_("Reason for the change (optional)"),
        required=False,
        max_length=200,
        help_text=_("Kept with this version in the history, after “Edited in admin”."),
    )


class DepartmentAdminForm(VersionReasonForm):
    class Meta:
        model = Department
        fields = [
            "code",
            "name",
            "name_en",
            "phone",
            "window",
            "hours",
            "closed_days",
            "email",
            "web_url",
            "is_general_reception",
            "sort_order",
        ]
        formfield_callback = https_urls


class FaqAdminForm(VersionReasonForm):
    alternate_questions = AlternateQuestionsField(
        label=_("alternate questions"),
        required=False,
        help_text=_("One phrasing per line: other ways residents ask the same thing."),
    )

    class Meta:
        model = Faq
        fields = [
            "question",
            "alternate_questions",
            "answer",
            "department",
            "category",
            "source_url",
            "external_id",
            "status",
            "valid_from",
            "valid_until",
            "review_by",
        ]
        widgets = {"answer": forms.Textarea(attrs={"rows": 10})}
        formfield_callback = https_urls

    # A browser's textarea sends CR LF: kept as it came, every line would show as changed in the history.
    def clean_question(self) -> str:
        return one_newline(self.cleaned_data["question"])

    def clean_answer(self) -> str:
        return one_newline(self.cleaned_data["answer"])


def one_newline(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


class FaqImportForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("CSV or TSV (UTF-8, UTF-8 with BOM or Shift_JIS as saved by Excel), JSON or JSONL."),
    )
    format = forms.ChoiceField(
        label=_("format"),
        choices=[("", _("from the file name"))] + [(fmt, fmt.upper()) for fmt in FORMATS],
        required=False,
    )
    publish = forms.BooleanField(label=_("publish the imported FAQs"), required=False)
    create_departments = forms.BooleanField(label=_("create unknown departments"), required=False)
    skip_invalid = forms.BooleanField(label=_("import the valid rows and skip invalid ones"), required=False)
    dry_run = forms.BooleanField(label=_("check only (write nothing)"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.FAQ_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large: %(size).1f MB (the limit is %(limit).1f MB)."),
                params={"size": upload.size / 1_000_000, "limit": limit / 1_000_000},
            )
        return upload

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.text import capfirst
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
            "window_en",
            "hours_en",
            "closed_days_en",
            "email",
            "web_url",
            "is_general_reception",
            "sort_order",
        ]
        formfield_callback = https_urls


class FaqAdminForm(VersionReasonForm):
    alternate_questions = AlternateQuestionsField(
        label=capfirst(_("alternate questions")),
        required=False,
        help_text=_("One phrasing per line: other ways residents ask the same thing."),
    )

    alternate_questions_en = AlternateQuestionsField(
        label=capfirst(_("alternate questions (English)")),
        required=False,
        help_text=_("One phrasing per line: other ways residents ask the same thing in English."),
    )

    class Meta:
        model = Faq
        fields = [
            "question",
            "alternate_questions",
            "answer",
            "question_en",
            "alternate_questions_en",
            "answer_en",
            "department",
            "category",
            "source_url",
            "external_id",
            "status",
            "valid_from",
            "valid_until",
            "review_by",
        ]
        widgets = {"answer": forms.Textarea(attrs={"rows": 10}), "answer_en": forms.Textarea(attrs={"rows": 10})}
        formfield_callback = https_urls

    # A browser's textarea sends CR LF: kept as it came, every line would show as changed in the history.
    def clean_question(self) -> str:
        return one_newline(self.cleaned_data["question"])

    def clean_answer(self) -> str:
        return one_newline(self.cleaned_data["answer"])

    def clean_question_en(self) -> str:
        return one_newline(self.cleaned_data["question_en"])

    def clean_answer_en(self) -> str:
        return one_newline(self.cleaned_data["answer_en"])

    def clean(self) -> dict[str, Any]:
        """Point at the English field left empty when only one of the English question and answer is given.

        The rule itself is the model's (Faq.clean), shown above the form; this shows where to fix it.
        """
        super().clean()
        cleaned = self.cleaned_data
        if "question_en" in cleaned and "answer_en" in cleaned:
            question, answer = cleaned["question_en"].strip(), cleaned["answer_en"].strip()
            if question and not answer:
                self.add_error(
                    "answer_en",
                    forms.ValidationError(
                        _("Give the English answer too, or leave the English question empty."),
                        code="english_incomplete",
                    ),
                )
            elif answer and not question:
                self.add_error(
                    "question_en",
                    forms.ValidationError(
                        _("Give the English question too, or leave the English answer empty."),
                        code="english_incomplete",
                    ),
                )
        return cleaned


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

"""The change-request form: one template per kind of change, with a preview of the new FAQ texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from changeflow import permissions
from changeflow.drafts import ItemDraft
from changeflow.models import COMMENT_MAX_CHARS, REASON_MAX_CHARS, VALUE_MAX_CHARS, ChangeKind
from changeflow.values import ENGLISH, ValueProposal, value_replace
from faq.forms import one_newline
from faq.models import (
    ANSWER_MAX_CHARS,
    QUESTION_MAX_CHARS,
    Category,
    Department,
    Faq,
    FaqStatus,
    validate_single_line,
)


@dataclass(frozen=True)
class KindSpec:
    description: Any
    fields: tuple[str, ...]
    old_label: Any = None
    new_label: Any = None


KINDS: dict[str, KindSpec] = {
    ChangeKind.FEE: KindSpec(
        _("A fee or charge changes (e.g. 粗大ごみ処理手数料 500円 → 700円)."),
        ("old_value", "new_value", "faqs"),
        _("Current fee"),
        _("New fee"),
    ),
    ChangeKind.HOURS: KindSpec(
        _("Opening hours or reception times change."),
        ("old_value", "new_value", "faqs"),
        _("Current hours"),
        _("New hours"),
    ),
    ChangeKind.CONTACT: KindSpec(
        _("A phone number, window, address or e-mail changes."),
        ("old_value", "new_value", "faqs"),
        _("Current contact"),
        _("New contact"),
    ),
    ChangeKind.PROCEDURE: KindSpec(
        _("A procedure or the documents to bring change."),
        ("old_value", "new_value", "faqs"),
        _("Current procedure or documents (optional)"),
        _("New procedure or documents"),
    ),
    ChangeKind.NEW_SERVICE: KindSpec(
        _("A new service starts: a new FAQ is published on the effective date."),
        ("new_question", "new_answer", "new_question_en", "new_answer_en", "new_category"),
    ),
    ChangeKind.SERVICE_END: KindSpec(
        _("A service ends: the chosen FAQs are withdrawn on the effective date."),
        ("faqs",),
    ),
    ChangeKind.FREE_TEXT: KindSpec(
        _("Any other change: edit the FAQ texts yourself in the preview."),
        ("faqs",),
    ),
}


# Hidden fields of the preview: the old and new value its proposed texts were made from.
PROPOSED_FROM = ("proposed_from_old", "proposed_from_new")
# The preview's fields of one FAQ's new texts, by FAQ number: q-12 and a-12; qe-12 and ae-12 in English.
TEXT_FIELDS = ("q", "a")
TEXT_FIELDS_EN = ("qe", "ae")


class FaqChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Faq) -> str:
        return f"{obj.department}: {obj.question}"


class ChangeRequestForm(forms.Form):
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("Department")
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("A short name for the change, e.g. 粗大ごみ処理手数料の改定."),
    )
    old_value = forms.CharField(
        label=_("Current value"), max_length=VALUE_MAX_CHARS, required=False, validators=[validate_single_line]
    )
    new_value = forms.CharField(
        label=_("New value"), max_length=VALUE_MAX_CHARS, required=False, validators=[validate_single_line]
    )
    effective_date = forms.DateField(
        label=_("Effective date (施行日)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The new text is published on this day at 00:00 (Asia/Tokyo)."),
    )
    confirm_past = forms.BooleanField(
        label=_("Publish as soon as approved"),
        required=False,
        help_text=_("Needed when the effective date has already passed."),
    )
    faqs = FaqChoiceField(
        queryset=Faq.objects.none(),
        label=_("FAQs affected"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_question = forms.CharField(label=_("Question of the new FAQ"), max_length=QUESTION_MAX_CHARS, required=False)
    new_answer = forms.CharField(
        label=_("Answer of the new FAQ"), max_length=ANSWER_MAX_CHARS, required=False, widget=forms.Textarea
    )
    new_question_en = forms.CharField(
        label=_("English question of the new FAQ (optional)"), max_length=QUESTION_MAX_CHARS, required=False
    )
    new_answer_en = forms.CharField(
        label=_("English answer of the new FAQ (optional)"),
        max_length=ANSWER_MAX_CHARS,
        required=False,
        widget=forms.Textarea,
        help_text=_("For residents who use the chat in English: give both English texts or neither."),
    )
    new_category = forms.ModelChoiceField(queryset=Category.objects.all(), label=_("Category"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
    notice_url = forms.URLField(
        assume_scheme="https",
        label=_("Public notice URL"),
        max_length=500,
        required=False,
        help_text=_("例規・広報のページ (optional)"),
    )

    def __init__(self, *args: Any, user: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.spec = KINDS[kind]
        departments = permissions.departments_for(user)
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ModelChoiceField)
        department_field.queryset = departments
        if departments.count() == 1:
            department_field.initial = departments.first()
        faqs_field = self.fields["faqs"]
        assert isinstance(faqs_field, forms.ModelMultipleChoiceField)
        faqs_field.queryset = (
            Faq.objects.filter(status=FaqStatus.PUBLISHED, department__in=departments)
            .select_related("department")
            .order_by("department__sort_order", "question")
        )
        self.fields["old_value"].label = self.spec.old_label or _("Current value")
        self.fields["new_value"].label = self.spec.new_label or _("New value")
        optional = ("old_value", "new_value", "faqs", "new_question", "new_answer", "new_question_en", "new_answer_en")
        for name in (*optional, "new_category"):
            if name not in self.spec.fields:
                del self.fields[name]

    def visible_in_order(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != "confirm_past"]


def item_proposals(form: ChangeRequestForm) -> dict[int, ValueProposal]:
    """For each chosen FAQ, today's question and answer with the old value replaced, and what to check."""
    cleaned = form.cleaned_data
    if form.kind in (ChangeKind.NEW_SERVICE, ChangeKind.SERVICE_END):
        return {}
    old, new = cleaned.get("old_value", ""), cleaned.get("new_value", "")
    return {
        faq.pk: value_replace(texts=(faq.question, faq.answer), old_value=old, new_value=new, kind=form.kind)
        for faq in cleaned.get("faqs", [])
    }


def item_proposals_en(form: ChangeRequestForm) -> dict[int, ValueProposal]:
    """The same for the English question and answer of each chosen FAQ that has them (English forms of the value:
    "300 yen", "¥300", "5:15 p.m."; see `value_replace`). FAQs without English are left out: they stay without."""
    cleaned = form.cleaned_data
    if form.kind in (ChangeKind.NEW_SERVICE, ChangeKind.SERVICE_END):
        return {}
    old, new = cleaned.get("old_value", ""), cleaned.get("new_value", "")
    return {
        faq.pk: value_replace(
            texts=(faq.question_en, faq.answer_en), old_value=old, new_value=new, kind=form.kind, language=ENGLISH
        )
        for faq in cleaned.get("faqs", [])
        if faq.has_english
    }


def same_text(first: str, second: str) -> bool:
    """Equal but for the line breaks a browser sends (CR LF) and the spaces around the text."""
    return one_newline(first).strip() == one_newline(second).strip()


def item_drafts(form: ChangeRequestForm, data: Any) -> list[ItemDraft]:
    """The FAQ texts to submit: posted edits if any, else today's text with the old value replaced.

    A posted text that is still the proposal made from earlier values (PROPOSED_FROM) is proposed again from
    the values now in the form, so that correcting the old or new value takes effect; edits by hand are kept.
    """
    cleaned = form.cleaned_data
    if form.kind == ChangeKind.NEW_SERVICE:
        return [
            ItemDraft(
                None,
                cleaned.get("new_question", ""),
                cleaned.get("new_answer", ""),
                category=cleaned.get("new_category"),
                new_question_en=one_newline(cleaned.get("new_question_en", "")),
                new_answer_en=one_newline(cleaned.get("new_answer_en", "")),
            )
        ]
    proposals, proposals_en = item_proposals(form), item_proposals_en(form)
    values = (cleaned.get("old_value", ""), cleaned.get("new_value", ""))
    earlier = tuple(data.get(name) for name in PROPOSED_FROM)
    again = None not in earlier and earlier != values
    drafts = []
    for faq in cleaned.get("faqs", []):
        if form.kind == ChangeKind.SERVICE_END:
            drafts.append(ItemDraft(faq, faq.question, faq.answer, withdraw=True))
            continue
        today = (faq.question, faq.answer)
        superseded = value_replace(texts=today, old_value=earlier[0], new_value=earlier[1]).texts if again else ()
        question, answer = _posted_texts(data, TEXT_FIELDS, faq.pk, proposals[faq.pk].texts, superseded)
        draft = ItemDraft(faq, question, answer)
        if faq.pk in proposals_en:
            today_en = (faq.question_en, faq.answer_en)
            superseded_en = (
                value_replace(texts=today_en, old_value=earlier[0], new_value=earlier[1], language=ENGLISH).texts
                if again
                else ()
            )
            draft.new_question_en, draft.new_answer_en = _posted_texts(
                data, TEXT_FIELDS_EN, faq.pk, proposals_en[faq.pk].texts, superseded_en
            )
        drafts.append(draft)
    return drafts


def _posted_texts(
    data: Any, prefixes: tuple[str, str], pk: int, proposed: tuple[str, ...], superseded: tuple[str, ...]
) -> tuple[str, str]:
    """One FAQ's posted question and answer; the proposal where none was posted or the posted one is still the
    proposal made from earlier values."""
    texts = []
    for part, prefix in enumerate(prefixes):
        posted = data.get(f"{prefix}-{pk}")
        if posted is None or (superseded and same_text(posted, superseded[part])):
            texts.append(proposed[part])
        else:
            texts.append(one_newline(posted))
    return texts[0], texts[1]


def apply_errors(form: forms.Form, errors: dict[str, list[str]] | ValidationError) -> None:
    """Show service-level errors on the form's fields (or on top of it)."""
    if isinstance(errors, ValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else {"__all__": errors.messages}
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

"""A change request's proposed FAQ texts before they are saved: the drafts, the checks they must pass, their texts."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from changeflow.models import ChangeItem, ChangeKind, ChangeRequest
from changeflow.values import same_value, value_replace
from faq.models import Category, Department, Faq
from faq.selectors import today_local

# Kinds that replace one value by another (old and new value required).
VALUE_KINDS = (ChangeKind.FEE, ChangeKind.HOURS, ChangeKind.CONTACT)


@dataclass
class ItemDraft:
    """The new texts for one FAQ (or a new FAQ when `faq` is None).

    The English texts: None leaves the FAQ's English as it is (the item records it unchanged); an FAQ without
    English takes none. A new FAQ may be given both English texts or neither.
    """

    faq: Faq | None
    new_question: str = ""
    new_answer: str = ""
    withdraw: bool = False
    category: Category | None = None
    new_question_en: str | None = None
    new_answer_en: str | None = None

    def english(self) -> tuple[str, str]:
        """The English question and answer the item will carry: ("", "") when it carries none."""
        if self.faq is None:
            return (self.new_question_en or "").strip(), (self.new_answer_en or "").strip()
        if not self.faq.has_english:
            return "", ""
        question = self.faq.question_en if self.new_question_en is None else self.new_question_en
        answer = self.faq.answer_en if self.new_answer_en is None else self.new_answer_en
        return question.strip(), answer.strip()


def proposed_text(text: str, old_value: str, new_value: str) -> str:
    """Today's text with every whole occurrence of the old value replaced by the new one (see `value_replace`)."""
    return value_replace(texts=[text], old_value=old_value, new_value=new_value).texts[0]


def texts_of(change: ChangeRequest, items: Sequence[ChangeItem | ItemDraft]) -> list[str]:
    texts = [change.title, change.old_value, change.new_value, change.reason]
    for item in items:
        texts += [item.new_question, item.new_answer]
        english = item.english() if isinstance(item, ItemDraft) else (item.new_question_en, item.new_answer_en)
        texts += [text for text in english if text]
    return texts


def validate_change(
    *,
    kind: str,
    department: Department,
    old_value: str,
    new_value: str,
    effective_date: datetime.date,
    confirm_past: bool,
    items: Sequence[ItemDraft],
    today: datetime.date | None = None,
) -> dict[str, list[str]]:
    """Errors by field name ("__all__" for the whole form); empty when the change may be saved."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    day = today or today_local()
    if effective_date < day and not confirm_past:
        add(
            "effective_date",
            _("The effective date is in the past. Tick “publish as soon as approved” to confirm this."),
        )
    if kind in VALUE_KINDS:
        if not old_value.strip():
            add("old_value", _("Enter the current value."))
        if not new_value.strip():
            add("new_value", _("Enter the new value."))
    if kind == ChangeKind.PROCEDURE and not new_value.strip():
        add("new_value", _("Describe the new procedure or documents."))
    if old_value.strip() and new_value.strip() and same_value(old_value, new_value):
        add("new_value", _("The new value is the same as the current one."))
    if kind == ChangeKind.NEW_SERVICE:
        new = [item for item in items if item.faq is None]
        if not new or not new[0].new_question.strip() or not new[0].new_answer.strip():
            add("__all__", _("A new service needs the question and answer of its FAQ."))
        if new and bool(new[0].english()[0]) != bool(new[0].english()[1]):
            add("__all__", _("Give both the English question and the English answer, or neither."))
        return errors
    existing = [item for item in items if item.faq is not None]
    if not existing:
        add("faqs", _("Choose at least one FAQ this change affects."))
    for item in existing:
        assert item.faq is not None
        if item.faq.department_id != department.pk:
            add("faqs", _("“%(faq)s” belongs to another department.") % {"faq": item.faq.question})
        if not item.withdraw and (not item.new_question.strip() or not item.new_answer.strip()):
            add("__all__", _("“%(faq)s”: the new question and answer may not be empty.") % {"faq": item.faq.question})
        if not item.withdraw and item.faq.has_english and not all(item.english()):
            add(
                "__all__",
                _("“%(faq)s”: the new English question and answer may not be empty.") % {"faq": item.faq.question},
            )
    if (
        kind != ChangeKind.SERVICE_END
        and existing
        and all(
            not item.withdraw
            and item.faq is not None
            and item.new_question.strip() == item.faq.question.strip()
            and item.new_answer.strip() == item.faq.answer.strip()
            and item.english() == _faq_english(item.faq)
            for item in existing
        )
    ):
        add("__all__", _("No FAQ text would change. Edit the new texts before saving."))
    return errors


def _faq_english(faq: Faq) -> tuple[str, str]:
    return (faq.question_en.strip(), faq.answer_en.strip()) if faq.has_english else ("", "")

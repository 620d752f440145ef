"""Every write to FAQ content goes through here, one transaction each."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from faq.models import Category, Department, Faq, FaqStatus
from faq.retrieval.index import index_sync_on_commit


def _save_version(faq: Faq, *, reason: str | None) -> None:
    faq.full_clean()
    if reason:
        faq._change_reason = reason  # type: ignore[attr-defined]
    faq.save()


@transaction.atomic
def faq_set_status(*, faqs: Iterable[Faq], status: str, reason: str | None = None) -> int:
    """Publish or withdraw FAQs one by one, so that each change is a version.

    Returns the number of FAQs whose status changed. Raises ValidationError
    (and writes nothing) if one of them cannot take the status, e.g. a FAQ
    without a department cannot be published.
    """
    changed: list[int] = []
    for faq in faqs:
        if faq.status == status:
            continue
        faq.status = status
        _save_version(faq, reason=reason)
        changed.append(faq.pk)
    index_sync_on_commit(changed)
    return len(changed)


@transaction.atomic
def faq_save(*, faq: Faq, reason: str | None = None, sync_index: bool = True) -> Faq:
    """Save an edited FAQ as a new version and queue its index update (`sync_index=False`: the caller queues one
    update for many FAQs, as an import does)."""
    _save_version(faq, reason=reason)
    if sync_index:
        index_sync_on_commit([faq.pk])
    return faq


def department_create(*, department: Department) -> Department:
    """A new department in the directory (validated; a version of its own in the history)."""
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def faq_confirm_reviewed(*, faqs: Iterable[Faq], review_by: Any, reason: str) -> int:
    """Set the next review date (a version each); the texts are unchanged, so the index is not touched."""
    count = 0
    for faq in faqs:
        faq.review_by = review_by
        _save_version(faq, reason=reason)
        count += 1
    return count


def faq_publish(*, faqs: Iterable[Faq], reason: str | None = None) -> int:
    return faq_set_status(faqs=faqs, status=FaqStatus.PUBLISHED, reason=reason)


def faq_withdraw(*, faqs: Iterable[Faq], reason: str | None = None) -> int:
    return faq_set_status(faqs=faqs, status=FaqStatus.WITHDRAWN, reason=reason)


@transaction.atomic
def department_upsert(*, code: str, defaults: dict[str, Any]) -> tuple[Department, bool]:
    """Create or update a department by its code; returns (department, created)."""
    department = Department.objects.filter(code=code).first()
    created = department is None
    if department is None:
        department = Department(code=code)
    changed = created
    for field, value in defaults.items():
        if getattr(department, field) != value:
            setattr(department, field, value)
            changed = True
    if changed:
        department.full_clean()
        department.save()
    return department, created


def category_get_or_create(*, name: str) -> tuple[Category, bool]:
    existing = Category.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    last = Category.objects.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    category = Category(name=name, sort_order=last + 10)
    category.full_clean()
    category.save()
    return category, True


def staff_permission_codenames() -> list[str]:
    """Permissions FAQ staff need: manage FAQs, categories and the department directory."""
    return [
        f"{action}_{model}"
        for model in ("faq", "category", "department", "historicalfaq", "historicaldepartment")
        for action in ("add", "change", "view", "delete")
        if not (model == "faq" and action == "delete")
    ]

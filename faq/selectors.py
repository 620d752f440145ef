"""Reads of FAQ content used by more than one caller."""

import datetime
from collections.abc import Iterable, Mapping

from django.db.models import Q, QuerySet
from django.utils import timezone

from faq.models import Category, Department, Faq, FaqStatus


def today_local() -> datetime.date:
    """Today in the town's time zone: validity dates switch at local midnight."""
    return timezone.localdate()


def faq_valid_on_q(on: datetime.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def faq_list_public(*, on: datetime.date | None = None) -> QuerySet[Faq]:
    """Published FAQs that are valid on the given day (default: today).

    Residents never see drafts, withdrawn FAQs, expired ones or ones that
    take effect later.
    """
    day = on or today_local()
    return (
        Faq.objects.filter(status=FaqStatus.PUBLISHED)
        .filter(faq_valid_on_q(day))
        .select_related("department", "category")
    )


def faq_valid_on(faq: Faq, on: datetime.date) -> bool:
    """The same test as `faq_valid_on_q`, for one FAQ in memory."""
    return (faq.valid_from is None or faq.valid_from <= on) and (faq.valid_until is None or faq.valid_until >= on)


def faqs_by_id(faq_ids: Iterable[int], *, proposed: Mapping[int, Faq] | None = None) -> dict[int, Faq]:
    """FAQs by number, with their department; `proposed`: unsaved copies that stand in for some of them (the FAQs
    as a change would leave them, a new one under a negative number no row has)."""
    wanted = set(faq_ids)
    proposed = proposed or {}
    found = Faq.objects.select_related("department").in_bulk([faq_id for faq_id in wanted if faq_id not in proposed])
    found.update({faq_id: proposed[faq_id] for faq_id in wanted if faq_id in proposed})
    return found


def department_general_reception() -> Department | None:
    return Department.objects.filter(is_general_reception=True).first()


def category_list_with_public_faqs(*, on: datetime.date | None = None) -> list[tuple[Category | None, list[Faq]]]:
    """Public FAQs grouped by category, in the categories' order."""
    groups: dict[int | None, list[Faq]] = {}
    for faq in faq_list_public(on=on).order_by("category__sort_order", "category_id", "id"):
        groups.setdefault(faq.category_id, []).append(faq)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=[k for k in groups if k is not None])}
    return [(categories.get(key) if key is not None else None, faqs) for key, faqs in groups.items()]


def department_list() -> QuerySet[Department]:
    return Department.objects.order_by("sort_order", "id")


def faq_has_english_q() -> Q:
    """Faq.has_english in the database: an English question and an English answer that are not only blanks."""
    return Q(question_en__regex=r"\S") & Q(answer_en__regex=r"\S")

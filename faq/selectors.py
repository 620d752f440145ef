"""Reads of FAQ content used by more than one caller."""

import datetime

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

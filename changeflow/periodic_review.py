"""The periodic review of published FAQs: which are due this month, and the department's confirmation."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from changeflow.permissions import departments_for
from faq.models import Department, Faq, FaqStatus
from faq.selectors import today_local
from faq.services import faq_confirm_reviewed


def month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def faqs_due_for_review(
    *, on: datetime.date | None = None, departments: Iterable[Department] | None = None
) -> QuerySet[Faq]:
    """Published FAQs whose review date falls in this month or has passed."""
    day = on or today_local()
    due = Faq.objects.filter(status=FaqStatus.PUBLISHED, review_by__isnull=False, review_by__lte=month_end(day))
    if departments is not None:
        due = due.filter(department__in=list(departments))
    return due.select_related("department").order_by("department__sort_order", "review_by", "pk")


def faq_review_confirm(*, user: Any, faqs: Iterable[Faq], on: datetime.date | None = None) -> int:
    """The department confirms these FAQs are still right; each gets its next review date."""
    allowed = set(departments_for(user).values_list("pk", flat=True))
    chosen = list(faqs)
    if any(faq.department_id not in allowed for faq in chosen):
        raise PermissionDenied(_("You can confirm only your own department's FAQs."))
    day = on or today_local()
    next_review = day + datetime.timedelta(days=settings.FAQ_REVIEW_INTERVAL_DAYS)
    return faq_confirm_reviewed(faqs=chosen, review_by=next_review, reason=_("Confirmed unchanged"))

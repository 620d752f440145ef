"""Functions the django-q2 schedules run (see the migration that creates the schedules)."""

import logging

from changeflow import services
from changeflow.notifications import send_review_reminder
from changeflow.periodic_review import faqs_due_for_review
from faq.models import Department

logger = logging.getLogger(__name__)


def publish_due_changes() -> list[int]:
    published = services.publish_due_changes()
    if published:
        logger.info("published change requests %s", published)
    return published


def send_review_reminders() -> dict[str, int]:
    """One e-mail per department with FAQs due for review this month; returns FAQs per department code."""
    sent: dict[str, int] = {}
    for department in Department.objects.all():
        faqs = list(faqs_due_for_review(departments=[department]))
        if faqs and send_review_reminder(department, faqs):
            sent[department.code] = len(faqs)
    return sent


def run_approval_check(check_id: int) -> str:
    """The golden-set regression check a reviewer started by asking to approve a change request."""
    from changeflow.approval import check_run

    check = check_run(check_id)
    if check is None:
        return f"approval check {check_id} was run already"
    outcome = check.error or ("passed" if check.result is None or check.result.passed else "answers get worse")
    return f"approval check {check_id} of change request #{check.request_id}: {check.status}, {outcome}"

"""E-mails to submitters, reviewers and departments (run by the task cluster)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from changeflow.models import ChangeRequest
from faq.models import Department, Faq

logger = logging.getLogger(__name__)

# Japanese first, English second, in every message.
SUBJECTS = {
    "submitted": ("変更申請 #{id}「{title}」の審査をお願いします", "Change request #{id} is waiting for review"),
    "scheduled": ("変更申請 #{id}「{title}」が承認されました（{date} 公開予定）", "Change request #{id} approved"),
    "published": ("変更申請 #{id}「{title}」が公開されました", "Change request #{id} published"),
    "rejected": ("変更申請 #{id}「{title}」は差し戻されました", "Change request #{id} rejected"),
    "rolled_back": ("変更申請 #{id}「{title}」は取り消されました", "Change request #{id} rolled back"),
}


def one_line(subject: str) -> str:
    """A subject on one line: a line break in a header is refused (BadHeaderError), and a title or department
    name saved before line breaks were refused must not stop its notices."""
    return " ".join(part.strip() for part in subject.splitlines() if part.strip())


def _reviewer_emails(exclude: int) -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename="review_changerequest")
            | Q(groups__permissions__codename="review_changerequest")
        )
        .exclude(pk=exclude)
        .exclude(email="")
        .distinct()
    )
    return sorted({user.email for user in users})


def send_change_notice(change_id: int, action: str) -> int:
    """Send the notice for one step; returns the number of recipients."""
    change = ChangeRequest.objects.select_related("department", "created_by").filter(pk=change_id).first()
    if change is None or action not in SUBJECTS:
        return 0
    if action == "submitted":
        recipients = _reviewer_emails(exclude=change.created_by_id)
    else:
        recipients = [email for email in [change.created_by.email, change.department.email] if email]
    if not recipients:
        logger.info("change request %s: no address to notify of %s", change_id, action)
        return 0
    values = {"id": change.pk, "title": change.title, "date": change.effective_date.isoformat()}
    ja, en = (text.format(**values) for text in SUBJECTS[action])
    link = settings.SITE_URL.rstrip("/") + reverse("changeflow:detail", args=[change.pk])
    with translation.override("ja"):
        status_ja = change.get_status_display()
    with translation.override("en"):
        status_en = change.get_status_display()
    # FAQs whose English question and answer change with the Japanese ones.
    english = sum(1 for item in change.items.all() if item.english_changed)
    english_ja = f"英語の文面: {english}件のFAQで英語の質問・回答も変わります\n" if english else ""
    english_en = f"English texts: the English question and answer change too ({english} FAQ(s))\n" if english else ""
    body = (
        f"{ja}\n\n担当課: {change.department.name}\n施行日: {change.effective_date:%Y-%m-%d}\n"
        f"状態: {status_ja}\n{(change.review_comment and '審査コメント: ' + change.review_comment + chr(10)) or ''}"
        f"{english_ja}{link}\n\n----\n{en}\n\nDepartment: {change.department.name_en or change.department.name}\n"
        f"Effective date: {change.effective_date:%Y-%m-%d}\nStatus: {status_en}\n{english_en}{link}\n"
    )
    send_mail(one_line(f"[{settings.TOWN_NAME} FAQ] {ja} / {en}"), body, None, recipients)
    return len(recipients)


def send_review_reminder(department: Department, faqs: list[Faq]) -> int:
    """The monthly list of a department's FAQs due for review."""
    members = get_user_model().objects.filter(department_roles__department=department, is_active=True).exclude(email="")
    recipients = sorted({*(user.email for user in members), *([department.email] if department.email else [])})
    if not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("changeflow:reviews")
    lines = "\n".join(f"- {faq.question}（確認期限 / review by {faq.review_by:%Y-%m-%d}）" for faq in faqs)
    subject = (
        f"[{settings.TOWN_NAME} FAQ] {department.name}: 内容確認が必要なFAQ {len(faqs)}件 / "
        f"{len(faqs)} FAQs due for review"
    )
    body = (
        f"{department.name} 御中\n\n次のFAQの内容確認期限が今月中、または過ぎています。内容に変更がなければ、"
        f"下のページで「変更なしで確認」を押してください。変更がある場合は変更申請を出してください。\n\n"
        f"The FAQs below are due for review this month or overdue. Confirm them unchanged on the page below, "
        f"or submit a change request.\n\n{lines}\n\n{link}\n"
    )
    send_mail(one_line(subject), body, None, recipients)
    return len(recipients)

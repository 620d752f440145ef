"""Periodic review of FAQs: what is due, the monthly reminder e-mails, and confirming FAQs unchanged."""

import datetime
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from changeflow.periodic_review import faq_review_confirm, faqs_due_for_review
from changeflow.tasks import send_review_reminders
from faq.models import Department, Faq, FaqStatus
from tests.changeflow.conftest import client_for, editor_create
from tests.factories import DepartmentFactory, FaqFactory

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
ON = datetime.date(2031, 6, 15)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12, 0), TOKYO)


def due_faq(department: Department, review_by: datetime.date | None, **fields: object) -> Faq:
    return FaqFactory.create(department=department, review_by=review_by, **fields)


@pytest.mark.django_db
def test_due_for_review_is_this_month_or_earlier_and_published_only(kankyo: Department, jumin: Department) -> None:
    overdue = due_faq(kankyo, datetime.date(2031, 5, 10))
    first_of_month = due_faq(jumin, datetime.date(2031, 6, 1))
    today = due_faq(kankyo, ON)
    month_end = due_faq(kankyo, datetime.date(2031, 6, 30))
    due_faq(kankyo, datetime.date(2031, 7, 1))  # next month
    due_faq(kankyo, None)  # never reviewed on a schedule
    due_faq(kankyo, datetime.date(2031, 6, 10), status=FaqStatus.DRAFT)
    due_faq(kankyo, datetime.date(2031, 5, 1), status=FaqStatus.WITHDRAWN)

    due = faqs_due_for_review(on=ON)

    assert set(due) == {overdue, first_of_month, today, month_end}
    assert set(faqs_due_for_review(on=ON, departments=[jumin])) == {first_of_month}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "last_due", "first_not_due"),
    [
        (datetime.date(2031, 2, 1), datetime.date(2031, 2, 28), datetime.date(2031, 3, 1)),
        (datetime.date(2032, 2, 29), datetime.date(2032, 2, 29), datetime.date(2032, 3, 1)),
        (datetime.date(2031, 12, 31), datetime.date(2031, 12, 31), datetime.date(2032, 1, 1)),
    ],
    ids=["february", "leap-february", "december"],
)
def test_due_for_review_month_end(
    kankyo: Department, on: datetime.date, last_due: datetime.date, first_not_due: datetime.date
) -> None:
    due = due_faq(kankyo, last_due)
    due_faq(kankyo, first_not_due)

    assert list(faqs_due_for_review(on=on)) == [due]


@pytest.mark.django_db
def test_due_for_review_defaults_to_today_in_tokyo(kankyo: Department) -> None:
    july = due_faq(kankyo, datetime.date(2031, 7, 1))

    # 2031-06-30 15:00 UTC is already 1 July in Tokyo.
    with time_machine.travel(datetime.datetime(2031, 6, 30, 14, 59, tzinfo=datetime.UTC), tick=False):
        assert list(faqs_due_for_review()) == []
    with time_machine.travel(datetime.datetime(2031, 6, 30, 15, 0, tzinfo=datetime.UTC), tick=False):
        assert list(faqs_due_for_review()) == [july]


@pytest.mark.django_db
def test_send_review_reminders_one_mail_per_department_with_due_faqs(kankyo: Department, jumin: Department) -> None:
    kankyo.email = "kankyo@town.example.jp"
    kankyo.save()
    jumin.email = "jumin@town.example.jp"
    jumin.save()
    editor_create(kankyo, "kankyo_a", "kankyo-a@example.org")
    editor_create(kankyo, "kankyo_b", "kankyo-b@example.org")
    editor_create(kankyo, "kankyo_no_mail")
    editor_create(jumin, "jumin_a", "jumin-a@example.org")
    silent = DepartmentFactory.create(code="SILENT", name="広報課")  # due FAQs, nobody to write to
    nothing_due = DepartmentFactory.create(code="HOKEN", name="保険年金課", email="hoken@town.example.jp")
    editor_create(nothing_due, "hoken_a", "hoken-a@example.org")

    due_faq(kankyo, datetime.date(2031, 6, 30), question="粗大ごみの出し方を知りたい。")
    due_faq(kankyo, datetime.date(2031, 4, 1), question="犬の登録をしたい。")
    due_faq(kankyo, datetime.date(2031, 7, 1), question="来月確認するFAQ。")
    due_faq(jumin, datetime.date(2031, 6, 2), question="住民票を取りたい。")
    due_faq(silent, datetime.date(2031, 6, 2))
    due_faq(nothing_due, datetime.date(2031, 8, 1))
    due_faq(nothing_due, datetime.date(2031, 5, 1), status=FaqStatus.WITHDRAWN)

    with time_machine.travel(noon(datetime.date(2031, 6, 1)), tick=False):
        sent = send_review_reminders()

    assert sent == {"KANKYO": 2, "JUMIN": 1}
    assert len(mail.outbox) == 2
    by_recipients = {tuple(sorted(message.to)): message for message in mail.outbox}
    assert set(by_recipients) == {
        ("kankyo-a@example.org", "kankyo-b@example.org", "kankyo@town.example.jp"),
        ("jumin-a@example.org", "jumin@town.example.jp"),
    }
    kankyo_mail = by_recipients[("kankyo-a@example.org", "kankyo-b@example.org", "kankyo@town.example.jp")]
    assert "環境課" in kankyo_mail.subject
    assert "2" in kankyo_mail.subject
    assert "粗大ごみの出し方を知りたい。" in kankyo_mail.body
    assert "犬の登録をしたい。" in kankyo_mail.body
    assert "来月確認するFAQ。" not in kankyo_mail.body
    assert reverse("changeflow:reviews") in kankyo_mail.body
    jumin_mail = by_recipients[("jumin-a@example.org", "jumin@town.example.jp")]
    assert "住民票を取りたい。" in jumin_mail.body
    assert "粗大ごみ" not in jumin_mail.body


@pytest.mark.django_db
def test_send_review_reminders_command(kankyo: Department) -> None:
    kankyo.email = "kankyo@town.example.jp"
    kankyo.save()
    due_faq(kankyo, datetime.date(2031, 6, 20))

    out = StringIO()
    with time_machine.travel(noon(datetime.date(2031, 5, 31)), tick=False):
        call_command("send_review_reminders", stdout=out)
    assert out.getvalue().strip() == "no FAQs due for review"
    assert mail.outbox == []

    out = StringIO()
    with time_machine.travel(noon(datetime.date(2031, 6, 1)), tick=False):
        call_command("send_review_reminders", stdout=out)
    assert out.getvalue().strip() == "KANKYO: 1 FAQs"
    assert [message.to for message in mail.outbox] == [["kankyo@town.example.jp"]]


@pytest.mark.django_db
def test_reviews_page_confirms_selected_faqs(editor: User, kankyo: Department) -> None:
    on = datetime.date(2031, 6, 15)
    checked = due_faq(kankyo, datetime.date(2031, 6, 20))
    not_checked = due_faq(kankyo, datetime.date(2031, 6, 5))
    question, answer, history = checked.question, checked.answer, checked.history.count()
    with time_machine.travel(noon(on), tick=False):
        client = client_for(editor)  # logged in at the travelled time, so the session is not expired
        page = client.get(reverse("changeflow:reviews"))
        assert set(page.context["faqs"]) == {checked, not_checked}
        response = client.post(reverse("changeflow:reviews"), {"faq": [checked.pk]})

    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.review_by == on + datetime.timedelta(days=settings.FAQ_REVIEW_INTERVAL_DAYS)
    assert (checked.question, checked.answer, checked.status) == (question, answer, FaqStatus.PUBLISHED)
    assert checked.history.count() == history + 1
    assert Faq.objects.get(pk=not_checked.pk).review_by == datetime.date(2031, 6, 5)
    with time_machine.travel(noon(on), tick=False):
        assert set(client.get(reverse("changeflow:reviews")).context["faqs"]) == {not_checked}


@pytest.mark.django_db
def test_editor_cannot_confirm_another_departments_faq(editor: User, kankyo: Department, jumin: Department) -> None:
    own = due_faq(kankyo, datetime.date(2031, 6, 20))
    other = due_faq(jumin, datetime.date(2031, 6, 20))
    with time_machine.travel(noon(datetime.date(2031, 6, 15)), tick=False):
        client = client_for(editor)
        page = client.get(reverse("changeflow:reviews"))
        assert set(page.context["faqs"]) == {own}
        response = client.post(reverse("changeflow:reviews"), {"faq": [own.pk, other.pk]}, follow=True)

    assert response.status_code == 200
    assert any("own department" in str(message) for message in response.context["messages"])
    assert Faq.objects.get(pk=other.pk).review_by == datetime.date(2031, 6, 20)
    assert Faq.objects.get(pk=own.pk).review_by == datetime.date(2031, 6, 20)  # all or nothing
    assert other.history.count() == 1


@pytest.mark.django_db
def test_review_confirm_service_refuses_other_department(editor: User, jumin: Department) -> None:
    from django.core.exceptions import PermissionDenied

    other = due_faq(jumin, datetime.date(2031, 6, 20))

    with pytest.raises(PermissionDenied):
        faq_review_confirm(user=editor, faqs=[other], on=datetime.date(2031, 6, 15))
    assert Faq.objects.get(pk=other.pk).review_by == datetime.date(2031, 6, 20)


@pytest.mark.django_db
def test_reviews_page_ignores_malformed_faq_ids(editor: User, kankyo: Department) -> None:
    client = Client()
    client.force_login(editor)

    response = client.post(reverse("changeflow:reviews"), {"faq": ["abc", "1; DROP TABLE"]})

    assert response.status_code == 200
    assert "確認したFAQを選んでください。" in response.content.decode()

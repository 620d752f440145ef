"""E-mail notices are queued in the database (django-q2's ORM broker) on commit, so they wait for a stopped cluster."""

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.utils.module_loading import import_string
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from changeflow import services
from changeflow.models import ChangeRequest
from changeflow.notifications import send_change_notice
from faq.models import Department
from faq.selectors import today_local
from tests.changeflow.conftest import MakeChange, editor_create
from tests.factories import StaffUserFactory

# The notices are read back from django-q2's database queue (OrmQ); with Redis they wait in Redis instead.
pytestmark = pytest.mark.embedded_only


def queued() -> list[dict[str, Any]]:
    """The task packages waiting in the ORM broker, oldest first."""
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]


def run(task: dict[str, Any]) -> object:
    """What a cluster worker would do with the package."""
    return import_string(task["func"])(*task["args"], **task["kwargs"])


def japanese_before_english(subject: object, japanese: str, english: str) -> bool:
    text = str(subject)
    return japanese in text and english in text and text.index(japanese) < text.index(english)


@pytest.mark.django_db
def test_submitted_notice_is_queued_and_sent_to_reviewers(
    make_change: MakeChange,
    editor: User,
    reviewer: User,
    reviewer_b: User,
    jumin_editor: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    StaffUserFactory.create(username="reviewer_without_mail", email="")
    StaffUserFactory.create(username="retired_reviewer", email="retired@example.org", is_active=False)
    assert OrmQ.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        change = make_change()

    tasks = queued()
    assert [task["func"] for task in tasks] == ["changeflow.notifications.send_change_notice"]
    assert tasks[0]["args"] == (change.pk, "submitted")
    assert OrmQ.objects.get().key == settings.Q_CLUSTER["name"]
    assert mail.outbox == []  # nothing is sent until a worker runs the task

    assert run(tasks[0]) == 2

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["reviewer-a@example.org", "reviewer-b@example.org"]
    assert editor.email not in message.to
    assert jumin_editor.email not in message.to
    assert japanese_before_english(message.subject, "審査をお願いします", "waiting for review")
    assert f"#{change.pk}" in message.subject
    assert change.title in message.subject
    assert f"/changes/{change.pk}/" in message.body
    assert message.body.index("担当課") < message.body.index("Department")


@pytest.mark.django_db
def test_reviewer_who_submits_is_not_asked_to_review_it(
    make_change: MakeChange,
    reviewer: User,
    reviewer_b: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_change(user=reviewer)

    run(queued()[0])

    assert [message.to for message in mail.outbox] == [["reviewer-b@example.org"]]


@pytest.mark.django_db
def test_approved_notice_goes_to_the_author_and_department(
    make_change: MakeChange,
    editor: User,
    kankyo: Department,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    kankyo.email = "kankyo@town.example.jp"
    kankyo.save()
    change = make_change(effective_date=datetime.date(2099, 4, 1))
    OrmQ.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_approve(change=change, user=reviewer, comment="確認しました")

    tasks = queued()
    assert [task["args"] for task in tasks] == [(change.pk, "scheduled")]
    run(tasks[0])

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["kankyo-editor@example.org", "kankyo@town.example.jp"]
    assert reviewer.email not in message.to
    assert japanese_before_english(message.subject, "承認されました", "approved")
    assert "2099-04-01" in message.subject
    assert "確認しました" in message.body


@pytest.mark.django_db
def test_approval_on_the_effective_date_sends_published_notice(
    make_change: MakeChange, reviewer: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    change = make_change(effective_date=today_local())
    OrmQ.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_approve(change=change, user=reviewer)

    tasks = queued()
    assert [task["args"] for task in tasks] == [(change.pk, "published")]
    run(tasks[0])
    assert [message.to for message in mail.outbox] == [["kankyo-editor@example.org"]]
    assert japanese_before_english(mail.outbox[0].subject, "公開されました", "published")


@pytest.mark.django_db
def test_rejected_notice_carries_the_reason(
    make_change: MakeChange, reviewer: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    change = make_change()
    OrmQ.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_reject(change=change, user=reviewer, comment="金額が条例と違います")

    run(queued()[0])
    message = mail.outbox[0]
    assert message.to == ["kankyo-editor@example.org"]
    assert japanese_before_english(message.subject, "差し戻されました", "rejected")
    assert "金額が条例と違います" in message.body


@pytest.mark.django_db
def test_notice_is_queued_only_after_commit(
    make_change: MakeChange, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_change()

    assert OrmQ.objects.count() == 0  # a rolled-back transaction would never notify anybody
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_notice_without_any_address_sends_nothing(kankyo: Department) -> None:
    author = editor_create(kankyo, "no_mail_editor")
    StaffUserFactory.create(username="no_mail_reviewer", email="")
    change = ChangeRequest.objects.create(
        kind="free_text",
        department=kankyo,
        title="t",
        effective_date=today_local(),
        reason="r",
        created_by=author,
    )

    assert send_change_notice(change.pk, "submitted") == 0
    assert send_change_notice(change.pk, "scheduled") == 0
    assert send_change_notice(change.pk, "no-such-step") == 0
    assert send_change_notice(change.pk + 1000, "submitted") == 0
    assert mail.outbox == []

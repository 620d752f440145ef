"""The state machine: every allowed step with its audit event, every forbidden one refused without a trace."""

import datetime
import zoneinfo
from collections.abc import Callable

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from changeflow import services
from changeflow.admin import ChangeRequestAdmin
from changeflow.models import ChangeEvent, ChangeItem, ChangeRequest, ChangeStatus
from changeflow.services import ChangeFlowError
from faq.models import Faq
from faq.selectors import today_local
from tests.changeflow.conftest import FEE_ANSWER, FEE_NEW_ANSWER, MakeChange, client_for
from tests.factories import UserFactory

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def events_of(change: ChangeRequest) -> list[tuple[str, str, str, int | None, str]]:
    return [
        (event.action, event.from_status, event.to_status, event.actor_id, event.comment)
        for event in ChangeEvent.objects.filter(request=change).order_by("at", "id")
    ]


# ---------------------------------------------------------------- allowed steps


@pytest.mark.django_db
def test_draft_submitted_approved_scheduled_published_rolled_back(
    make_change: MakeChange, editor: User, reviewer: User, reviewer_b: User, fee_faq: Faq
) -> None:
    effective = datetime.date(2031, 4, 1)
    with time_machine.travel(datetime.datetime(2031, 3, 20, 10, 0, tzinfo=TOKYO), tick=False):
        change = make_change(effective_date=effective, submit=False)
        assert change.status == ChangeStatus.DRAFT
        assert change.submitted_at is None

        services.change_submit(change=change, user=editor)
        change.refresh_from_db()
        assert change.status == ChangeStatus.SUBMITTED
        assert change.submitted_at == datetime.datetime(2031, 3, 20, 10, 0, tzinfo=TOKYO)

    with time_machine.travel(datetime.datetime(2031, 3, 21, 9, 30, tzinfo=TOKYO), tick=False):
        services.change_approve(change=change, user=reviewer, comment="条例改正を確認しました")
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert change.reviewed_by == reviewer
    assert change.reviewed_at == datetime.datetime(2031, 3, 21, 9, 30, tzinfo=TOKYO)
    assert change.review_comment == "条例改正を確認しました"
    assert change.published_at is None
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_ANSWER

    with time_machine.travel(datetime.datetime(2031, 4, 1, 0, 0, 5, tzinfo=TOKYO), tick=False):
        assert services.publish_due_changes() == [change.pk]
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED
    assert change.published_at == datetime.datetime(2031, 4, 1, 0, 0, 5, tzinfo=TOKYO)
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER

    with time_machine.travel(datetime.datetime(2031, 4, 2, 8, 0, tzinfo=TOKYO), tick=False):
        services.change_rollback(change=change, user=reviewer_b, comment="施行が延期された")
    change.refresh_from_db()
    assert change.status == ChangeStatus.ROLLED_BACK
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_ANSWER

    assert events_of(change) == [
        ("created", "", "draft", editor.pk, ""),
        ("submitted", "draft", "submitted", editor.pk, ""),
        ("approved", "submitted", "approved", reviewer.pk, "条例改正を確認しました"),
        ("scheduled", "approved", "scheduled", reviewer.pk, ""),
        ("published", "scheduled", "published", None, ""),
        ("rolled_back", "published", "rolled_back", reviewer_b.pk, "施行が延期された"),
    ]


@pytest.mark.django_db
def test_submitted_rejected_records_reviewer_and_comment(make_change: MakeChange, reviewer: User, fee_faq: Faq) -> None:
    change = make_change()

    with time_machine.travel(datetime.datetime(2030, 1, 15, 13, 0, tzinfo=TOKYO), tick=False):
        services.change_reject(change=change, user=reviewer, comment="金額が条例と違います")

    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert change.reviewed_by == reviewer
    assert change.reviewed_at == datetime.datetime(2030, 1, 15, 13, 0, tzinfo=TOKYO)
    assert change.review_comment == "金額が条例と違います"
    assert events_of(change)[-1] == ("rejected", "submitted", "rejected", reviewer.pk, "金額が条例と違います")
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_ANSWER


@pytest.mark.django_db
def test_reject_needs_a_comment(make_change: MakeChange, reviewer: User) -> None:
    from django.core.exceptions import ValidationError

    change = make_change()
    events = ChangeEvent.objects.count()

    with pytest.raises(ValidationError):
        services.change_reject(change=change, user=reviewer, comment="   ")

    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
    assert ChangeEvent.objects.count() == events


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -5], ids=["effective-today", "effective-in-the-past"])
def test_approve_when_effective_date_has_come_publishes_at_once(
    make_change: MakeChange, reviewer: User, fee_faq: Faq, days: int
) -> None:
    change = make_change(effective_date=today_local() + datetime.timedelta(days=days), confirm_past=True)
    history = fee_faq.history.count()

    services.change_approve(change=change, user=reviewer, comment="OK")

    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED
    assert change.published_at is not None
    assert change.reviewed_by == reviewer
    assert [event[:3] for event in events_of(change)][-2:] == [
        ("approved", "submitted", "approved"),
        ("published", "approved", "published"),
    ]
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER
    assert fee_faq.history.count() == history + 1
    item = ChangeItem.objects.get(request=change)
    assert item.before_history_id is not None
    assert item.published_history_id == fee_faq.history.latest("history_id").history_id


# ---------------------------------------------------------------- forbidden steps


def _published(make_change: MakeChange, reviewer: User) -> ChangeRequest:
    change = make_change(effective_date=today_local())
    services.change_approve(change=change, user=reviewer)
    return change


def _rejected(make_change: MakeChange, reviewer: User) -> ChangeRequest:
    change = make_change()
    services.change_reject(change=change, user=reviewer, comment="no")
    return change


def _rolled_back(make_change: MakeChange, reviewer: User) -> ChangeRequest:
    change = _published(make_change, reviewer)
    services.change_rollback(change=change, user=reviewer, comment="undo")
    return change


def _scheduled(make_change: MakeChange, reviewer: User) -> ChangeRequest:
    change = make_change()
    services.change_approve(change=change, user=reviewer)
    return change


SETUPS: dict[str, Callable[[MakeChange, User], ChangeRequest]] = {
    "draft": lambda make, _reviewer: make(submit=False),
    "submitted": lambda make, _reviewer: make(),
    "scheduled": _scheduled,
    "published": _published,
    "rejected": _rejected,
    "rolled_back": _rolled_back,
}
Step = Callable[[ChangeRequest, User, User], None]
STEPS: dict[str, Step] = {
    "submit": lambda change, author, _reviewer: services.change_submit(change=change, user=author),
    "approve": lambda change, _author, reviewer: services.change_approve(change=change, user=reviewer),
    "reject": lambda change, _author, reviewer: services.change_reject(change=change, user=reviewer, comment="x"),
    "rollback": lambda change, _author, reviewer: services.change_rollback(change=change, user=reviewer, comment="x"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "step"),
    [
        ("draft", "approve"),
        ("draft", "reject"),
        ("draft", "rollback"),
        ("submitted", "submit"),
        ("submitted", "rollback"),
        ("scheduled", "submit"),
        ("scheduled", "approve"),
        ("scheduled", "reject"),
        ("scheduled", "rollback"),
        ("published", "submit"),
        ("published", "approve"),
        ("published", "reject"),
        ("rejected", "submit"),
        ("rejected", "approve"),
        ("rejected", "reject"),
        ("rejected", "rollback"),
        ("rolled_back", "submit"),
        ("rolled_back", "approve"),
        ("rolled_back", "reject"),
        ("rolled_back", "rollback"),
    ],
)
def test_forbidden_step_raises_and_changes_nothing(
    make_change: MakeChange, editor: User, reviewer: User, fee_faq: Faq, state: str, step: str
) -> None:
    change = SETUPS[state](make_change, reviewer)
    fresh = ChangeRequest.objects.get(pk=change.pk)
    assert fresh.status == state
    events = ChangeEvent.objects.count()
    history = fee_faq.history.count()
    answer = Faq.objects.get(pk=fee_faq.pk).answer

    with pytest.raises(ChangeFlowError), translation.override("en"):
        STEPS[step](fresh, editor, reviewer)

    assert ChangeRequest.objects.get(pk=change.pk).status == state
    assert ChangeEvent.objects.count() == events
    assert fee_faq.history.count() == history
    assert Faq.objects.get(pk=fee_faq.pk).answer == answer


@pytest.mark.django_db
def test_rollback_of_a_change_not_published_names_its_status(make_change: MakeChange, reviewer: User) -> None:
    """A second click on "Roll back" must not send the reviewer to restore the FAQ by hand in admin."""
    change = _rolled_back(make_change, reviewer)

    with translation.override("en"), pytest.raises(ChangeFlowError) as excinfo:
        services.change_rollback(change=ChangeRequest.objects.get(pk=change.pk), user=reviewer, comment="again")

    assert "cannot become" in str(excinfo.value)
    assert "restore it from its history" not in str(excinfo.value)


@pytest.mark.django_db
def test_double_submit_of_a_stale_draft_is_claimed_once(make_change: MakeChange, editor: User) -> None:
    """Two clicks on "Submit" with the same page: the conditional update lets only the first through."""
    draft = make_change(submit=False)
    first, second = ChangeRequest.objects.get(pk=draft.pk), ChangeRequest.objects.get(pk=draft.pk)

    services.change_submit(change=first, user=editor)
    with pytest.raises(ChangeFlowError):
        services.change_submit(change=second, user=editor)

    assert [event[0] for event in events_of(draft)] == ["created", "submitted"]


# ---------------------------------------------------------------- never deleted


@pytest.mark.django_db
def test_change_request_delete_raises_protected_error(make_change: MakeChange, reviewer: User) -> None:
    change = _rejected(make_change, reviewer)

    with pytest.raises(ProtectedError):
        change.delete()

    assert ChangeRequest.objects.filter(pk=change.pk).exists()
    assert ChangeEvent.objects.filter(request=change).count() == 3
    assert ChangeItem.objects.filter(request=change).count() == 1


@pytest.mark.django_db
def test_change_request_bulk_delete_raises_protected_error(make_change: MakeChange, reviewer: User) -> None:
    change = _rejected(make_change, reviewer)

    with pytest.raises(ProtectedError):
        ChangeRequest.objects.filter(pk=change.pk).delete()

    assert ChangeRequest.objects.filter(pk=change.pk).exists()


def test_admin_cannot_delete_change_requests(make_change: MakeChange) -> None:
    change = make_change()
    superuser = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site.get_model_admin(ChangeRequest)
    assert isinstance(model_admin, ChangeRequestAdmin)

    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, change) is False
    assert "delete_selected" not in model_admin.get_actions(request)

    client = client_for(superuser)
    response = client.post(reverse("admin:changeflow_changerequest_delete", args=[change.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ChangeRequest.objects.filter(pk=change.pk).exists()

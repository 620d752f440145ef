"""Fixtures for the change-request flow: department editors, reviewers and a helper that makes a change."""

import datetime
from typing import Any, Protocol

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from changeflow import services
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind, ChangeRequest
from changeflow.staff import department_editor_group_ensure
from faq.models import Department, DepartmentMember, Faq
from faq.selectors import today_local
from tests.factories import FaqFactory, StaffUserFactory, UserFactory

FEE_QUESTION = "粗大ごみの手数料はいくらですか。"
FEE_ANSWER = "粗大ごみ処理券は1点につき500円です。コンビニで購入できます。"
FEE_NEW_ANSWER = "粗大ごみ処理券は1点につき700円です。コンビニで購入できます。"


def editor_create(department: Department, username: str, email: str = "") -> User:
    """A staff member in 部署編集者 who edits for one department."""
    user = UserFactory.create(username=username, is_staff=True, email=email)
    user.groups.add(department_editor_group_ensure())
    DepartmentMember.objects.create(user=user, department=department)
    return user


def client_for(user: User, *, english: bool = True) -> Client:
    """A logged-in client; pages answer in English so that messages can be compared with the source strings."""
    client = Client()
    client.force_login(user)
    if english:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class MakeChange(Protocol):
    def __call__(
        self,
        *,
        user: User | None = ...,
        faq: Faq | None = ...,
        new_answer: str = ...,
        effective_date: datetime.date | None = ...,
        submit: bool = ...,
        **extra: Any,
    ) -> ChangeRequest: ...


@pytest.fixture
def fee_faq(kankyo: Department) -> Faq:
    return FaqFactory.create(department=kankyo, question=FEE_QUESTION, answer=FEE_ANSWER)


@pytest.fixture
def editor(kankyo: Department) -> User:
    return editor_create(kankyo, "kankyo_editor", "kankyo-editor@example.org")


@pytest.fixture
def jumin_editor(jumin: Department) -> User:
    return editor_create(jumin, "jumin_editor", "jumin-editor@example.org")


@pytest.fixture
def reviewer(db: None) -> User:
    """A member of FAQ管理者 (may review), with an e-mail address."""
    return StaffUserFactory.create(username="reviewer_a", email="reviewer-a@example.org")


@pytest.fixture
def reviewer_b(db: None) -> User:
    return StaffUserFactory.create(username="reviewer_b", email="reviewer-b@example.org")


@pytest.fixture
def make_change(kankyo: Department, editor: User, fee_faq: Faq) -> MakeChange:
    """A fee change of 環境課 (500円 → 700円) made through the service, by default submitted, due in 3 days."""

    def make(
        *,
        user: User | None = None,
        faq: Faq | None = None,
        new_answer: str = FEE_NEW_ANSWER,
        effective_date: datetime.date | None = None,
        submit: bool = True,
        **extra: Any,
    ) -> ChangeRequest:
        target = faq or fee_faq
        fields: dict[str, Any] = {
            "kind": ChangeKind.FEE,
            "department": target.department,
            "title": "粗大ごみ処理手数料の改定",
            "old_value": "500円",
            "new_value": "700円",
            "reason": "手数料条例の改正",
            "effective_date": effective_date or today_local() + datetime.timedelta(days=3),
            "items": [ItemDraft(target, target.question, new_answer)],
            **extra,
        }
        return services.change_create(user=user or editor, submit=submit, **fields)

    return make

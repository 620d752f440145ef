"""Fixtures for the analytics tests: the active gate, the general reception, staff and a small indexed town."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from changeflow.staff import department_editor_group_ensure
from chatbot.gate import DEFAULT_THRESHOLDS
from chatbot.models import GateConfig
from faq.models import Department, DepartmentMember, Faq
from faq.retrieval.index import index_rebuild
from tests.factories import DepartmentFactory, StaffUserFactory, UserFactory
from tests.faq.retrieval.conftest import town_create


@pytest.fixture
def builtin_gate(db: None) -> GateConfig:
    """The active gate: version 1 from the data migration (re-created if a transactional test flushed it)."""
    active = GateConfig.objects.filter(is_active=True).first()
    if active is None:
        active = GateConfig.objects.create(
            kind="thresholds", is_active=True, parameters=dict(DEFAULT_THRESHOLDS), note="built-in thresholds"
        )
    return active


@pytest.fixture
def reception(db: None) -> Department:
    """The general reception (総合案内), where questions no department owns go."""
    return DepartmentFactory.create(
        code="SOGO", name="総合案内", name_en="General Reception", phone="0000-11-1000", is_general_reception=True
    )


@pytest.fixture
def faq_admin(db: None) -> User:
    """A staff member in FAQ管理者 (changeflow.staff.faq_admin_group_ensure)."""
    return StaffUserFactory.create(username="analytics_faq_admin")


@pytest.fixture
def department_editor(kankyo: Department) -> User:
    """A staff member in 部署編集者 who edits for 環境課."""
    user = UserFactory.create(username="analytics_kankyo_editor", is_staff=True)
    user.groups.add(department_editor_group_ensure())
    DepartmentMember.objects.create(user=user, department=kankyo)
    return user


@pytest.fixture
def library_department(db: None) -> Department:
    """社会教育課: it runs the library, which has no FAQ yet."""
    return DepartmentFactory.create(code="SHAKAI", name="社会教育課", name_en="Lifelong Learning Division")


@pytest.fixture
def chat_town(
    isolated_index: Path, builtin_gate: GateConfig, reception: Department, library_department: Department
) -> dict[str, Faq]:
    """The small town of the chat tests (tests/faq/retrieval) with a real search index of its own."""
    town = town_create()
    index_rebuild()
    return town

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from faq.models import Department
from tests.factories import DepartmentFactory, StaffUserFactory

WriteFile = Callable[..., Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write text (in the given encoding) or bytes to a file in tmp_path and return its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def kankyo(db) -> Department:
    return DepartmentFactory.create(code="KANKYO", name="環境課", name_en="Environment Division", phone="0000-11-1301")


@pytest.fixture
def jumin(db) -> Department:
    return DepartmentFactory.create(code="JUMIN", name="住民課", name_en="Residents Division", phone="0000-11-1101")


@pytest.fixture
def faq_staff(db) -> User:
    return StaffUserFactory.create(username="faq_staff_member")


@pytest.fixture
def staff_client(client: Client, faq_staff: User) -> Client:
    client.force_login(faq_staff)
    return client

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from faq.models import Department
from faq.retrieval import vectorstore
from faq.retrieval.index import forget_loaded_index
from tests.factories import DepartmentFactory, StaffUserFactory

WriteFile = Callable[..., Path]

# Property and fuzz tests are derandomised and reproducible from their code: no example database, and
# hypothesis's caches go to the throw-away data directory, not a .hypothesis/ folder in the project.
hypothesis_settings.register_profile("project", database=None)
hypothesis_settings.load_profile("project")
set_hypothesis_home_dir(settings.DATA_DIR / "hypothesis")


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


@pytest.fixture
def isolated_index(settings, tmp_path: Path) -> Iterator[Path]:
    """This test's own chromadb directory, and no loaded index before or after.

    What one test indexed can then never answer another test's question.
    """
    chroma_path = tmp_path / "chroma"
    settings.CHROMA_PATH = chroma_path
    if not os.environ.get("TEST_ON_SERVICES"):
        settings.CHROMA_HOST = ""
    # On the services (tests/scaleout), the chromadb server stays: each index generation has its own
    # collections there.
    forget_loaded_index()
    yield chroma_path
    forget_loaded_index()
    vectorstore.forget_client(chroma_path)

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import Client
from django_q.models import Schedule
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from pytest_django.plugin import blocking_manager_key

from chatbot.models import GateConfig, LlmSwitch, PromptVersion
from faq.models import Department
from faq.retrieval import vectorstore
from faq.retrieval.encoders import E5SmallEncoder
from faq.retrieval.snapshot import forget_loaded_index
from tests.factories import DepartmentFactory, StaffUserFactory

WriteFile = Callable[..., Path]

# Property and fuzz tests are derandomised and reproducible from their code: no example database, and
# hypothesis's caches go to the throw-away data directory, not a .hypothesis/ folder in the project.
hypothesis_settings.register_profile("project", database=None)
hypothesis_settings.load_profile("project")
set_hypothesis_home_dir(settings.DATA_DIR / "hypothesis")


# The rows the data migrations make (task schedules, gate version 1, prompt version 1 and the LLM switch), as the
# test database had them when it was created.
_MIGRATION_ROWS: dict[type[Model], list[dict[str, Any]]] = {}
_MIGRATION_MODELS: tuple[Any, ...] = (Schedule, GateConfig, PromptVersion, LlmSwitch)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        for model in _MIGRATION_MODELS:
            _MIGRATION_ROWS[model] = list(model.objects.values())


def _empties_the_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback")))
    return transactional or bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A transactional test empties the database when it ends. The suite runs in parallel, file by file, so a
    test that expects what the migrations made may come after one in the same process: once the test's fixtures
    are torn down (the database emptied), put those rows back."""
    yield
    # After the last test the test database itself is gone.
    if nextitem is None or not _MIGRATION_ROWS or not _empties_the_database(item):
        return
    with item.config.stash[blocking_manager_key].unblock():
        for model in _MIGRATION_MODELS:
            if not model.objects.exists():
                model.objects.bulk_create(model(**row) for row in _MIGRATION_ROWS[model])


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


class _RememberedE5:
    """The real multilingual-e5 engine, asked once per text in a test process. Hundreds of tests build a real index
    of the same small town; encoding its texts again each time was a third of the suite's time. The engine gives
    a text the same vector alone or in a batch (checked below), so the vectors are exactly those it computes."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._known: dict[tuple[str, str], np.ndarray] = {}

    def _encode(self, role: str, texts: str | list[str]) -> np.ndarray:
        items = [texts] if isinstance(texts, str) else list(texts)
        missing = [text for text in dict.fromkeys(items) if (role, text) not in self._known]
        if missing:
            vectors = np.atleast_2d(getattr(self._engine, role)(missing if len(missing) > 1 else missing[0]))
            self._known.update({(role, text): vector for text, vector in zip(missing, vectors, strict=True)})
        found = np.stack([self._known[(role, text)] for text in items])
        return found[0] if isinstance(texts, str) else found

    def query(self, texts: str | list[str]) -> np.ndarray:
        return self._encode("query", texts)

    def passage(self, texts: str | list[str]) -> np.ndarray:
        return self._encode("passage", texts)


@pytest.fixture(scope="session", autouse=True)
def remembered_e5_vectors() -> Iterator[None]:
    engine = E5SmallEncoder()._engine()
    alone, batched = engine.query("住民票の写し"), engine.query(["住民票の写し", "粗大ごみ"])[0]
    assert np.array_equal(alone, batched), "the engine's vectors depend on the batch: they cannot be reused"
    E5SmallEncoder._model = _RememberedE5(engine)
    yield
    E5SmallEncoder._model = engine

"""Fixtures for the chat pipeline tests: a real chromadb per test and the small indexed town."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser

from chatbot.gate import DEFAULT_THRESHOLDS
from chatbot.models import GateConfig
from faq.models import Department, Faq
from faq.retrieval.index import index_rebuild
from tests.browser import chromium
from tests.chatbot.widget_support import WatchedPage, page_open
from tests.factories import DepartmentFactory
from tests.faq.retrieval.conftest import town_create


@pytest.fixture
def reception(db: None) -> Department:
    """The general reception (総合案内), where questions no department owns go."""
    return DepartmentFactory.create(
        code="SOGO",
        name="総合案内",
        name_en="General Reception",
        phone="0000-11-1000",
        window="本庁舎1階 総合案内",
        hours="平日 8:30〜17:15",
        closed_days="土日祝日、年末年始",
        is_general_reception=True,
    )


@pytest.fixture
def town(db: None, isolated_index: Path, reception: Department, builtin_gate: GateConfig) -> dict[str, Faq]:
    """The small town's FAQs (no index built: lexical search from the database)."""
    return town_create()


@pytest.fixture
def indexed_town(town: dict[str, Faq]) -> dict[str, Faq]:
    """The small town with a real search index (chromadb and both encoders)."""
    index_rebuild()
    return town


@pytest.fixture
def builtin_gate(db: None) -> GateConfig:
    """The active gate: version 1 from the data migration (re-created if a transactional test flushed it)."""
    active = GateConfig.objects.filter(is_active=True).first()
    if active is None:
        active = GateConfig.objects.create(
            kind="thresholds",
            is_active=True,
            parameters=dict(DEFAULT_THRESHOLDS),
            note="built-in thresholds (not calibrated)",
        )
    return active


@pytest.fixture
def superuser_client(client: Client, db: None) -> Client:
    client.force_login(User.objects.create_superuser("chat-admin", "chat-admin@example.jp", "pw-chat-admin-123"))
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per module of widget tests; every test gets its own browser profile (context).

    Playwright's sync API keeps an asyncio loop on this thread, which makes Django refuse ORM calls
    from the test body (and from pytest-django's flush between tests); the live server answers the
    browser from its own thread.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with chromium() as launched:
            yield launched


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    """A fresh browser profile; after the test, nothing went wrong in it."""
    opened = page_open(browser)
    yield opened
    opened.context.close()
    assert opened.problems == []

"""Fixtures for the LLM composer tests: the real fake OpenAI-compatible server and LLM settings pointing at it.

The fake server runs once per session (stopping a server waits for its poll
interval); every test gets it with no recorded request and no scripted
behaviour left over, and a fresh client, breaker and concurrency slots.
"""

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm import client
from chatbot.llm.fake import FakeLlm
from chatbot.llm.prompts import PROMPT_V1
from chatbot.models import LlmSwitch, PromptVersion
from faq.models import Faq
from tests.chatbot.llm.support import FEE_FAQ_ANSWER, FEE_FAQ_QUESTION
from tests.factories import FaqFactory

COMPOSER = "chatbot.llm.composer.LlmComposer"


@pytest.fixture(autouse=True)
def fresh_llm_client() -> Iterator[None]:
    """No client, breaker or concurrency slots carried over from another test."""
    client.reset()
    yield
    client.reset()


def _forget(server: FakeLlm) -> None:
    with server._lock:
        server._script.clear()
        server.requests.clear()
        server.raw_requests.clear()
        server.translation_requests.clear()
        server.all_raw_requests.clear()
    server.delay = 0.0
    server.failure_rate = 0.0


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeLlm]:
    server = FakeLlm().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeLlm) -> Iterator[FakeLlm]:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 with a scripted model, nothing recorded yet."""
    _forget(fake_server)
    yield fake_server
    _forget(fake_server)


@pytest.fixture
def prompt_v1(db: None) -> PromptVersion:
    """The active prompt version: version 1 from the data migration (re-created if a transactional test flushed it)."""
    active = PromptVersion.objects.filter(is_active=True).first()
    if active is None:
        active = PromptVersion.objects.create(text=PROMPT_V1, is_active=True, note="version 1 (shipped)")
    return active


@pytest.fixture
def llm_switch(db: None) -> LlmSwitch:
    """Staff's switch row (from the data migration; re-created after a transactional test)."""
    switch, _created = LlmSwitch.objects.get_or_create(pk=1, defaults={"enabled": True})
    return switch


@pytest.fixture
def llm(settings: SettingsWrapper, fake: FakeLlm, prompt_v1: PromptVersion, llm_switch: LlmSwitch) -> FakeLlm:
    """LLM replies on, through the fake server, with short timeouts so that faults are quick."""
    settings.LLM_BASE_URL = fake.url
    settings.LLM_API_KEY = ""
    settings.LLM_MODEL = "fake"
    settings.ANSWER_COMPOSER = COMPOSER
    settings.LLM_TIMEOUT_SECONDS = 1.0
    settings.LLM_DEADLINE_SECONDS = 2.0
    settings.LLM_MAX_CONCURRENCY = 4
    settings.LLM_BREAKER_FAILURES = 3
    settings.LLM_BREAKER_COOLDOWN_SECONDS = 1.0
    settings.LLM_MAX_SNIPPETS = 3
    settings.LLM_CONTEXT_CHARS = 1200
    settings.LLM_MAX_ANSWER_CHARS = 400
    settings.LLM_TEMPERATURE = 0.0
    client.reset()
    return fake


@pytest.fixture
def fee_faq(town: dict[str, Faq]) -> Faq:
    """An FAQ of the small town that states a fee (300円) and opening hours: numbers a reply may repeat."""
    r009 = town["R-009"]
    return FaqFactory.create(
        external_id="R-011",
        department=r009.department,
        category=r009.category,
        question=FEE_FAQ_QUESTION,
        answer=FEE_FAQ_ANSWER,
    )

"""LLM replies in the resident's widget, in a real browser: a checked reply is labelled, a hostile one never shows.

Chromium (Debian's, under Playwright) opens the town's page from the live
server; the widget asks the real API, whose LLM composer talks to the fake
OpenAI-compatible server over HTTP.
"""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.models import Composer, FailureClass, GateConfig, Turn
from chatbot.services import gate_config_create
from faq.models import Faq
from tests.browser import chromium
from tests.chatbot.widget_support import WatchedPage, ask, bot_messages, page_open, widget_open

GATE = {"answer_score": 0.5, "answer_margin": 0.3, "clarify_score": 0.2, "department_score": 0.15}
QUESTION = "粗大ごみの収集を申し込みたい"
HOSTILE = '<img src=x onerror="window.__pwned=true">粗大ごみは申込制です。[S1]'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with chromium() as launched:
            yield launched


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    cache.clear()  # this minute's request allowance for 127.0.0.1
    opened = page_open(browser)
    yield opened
    opened.context.close()
    assert opened.problems == []


@pytest.fixture
def gate(builtin_gate: GateConfig) -> GateConfig:
    return gate_config_create(kind="thresholds", parameters=GATE, calibration={}, note="LLM widget test")


@pytest.mark.django_db(transaction=True)
def test_checked_llm_reply_is_shown_with_its_source_and_an_ai_note(
    live_server: LiveServer, indexed_town: dict[str, Faq], gate: GateConfig, llm: FakeLlm, watched: WatchedPage
) -> None:
    faq = indexed_town["R-001"]
    page = watched.page
    page.goto(f"{live_server.url}/")
    widget_open(page)
    ask(page, QUESTION)

    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    first_sentence = faq.answer.split("。")[0] + "。"
    expect(answer.locator(".tfw-text")).to_have_text(first_sentence)
    expect(answer.locator(".tfw-text")).to_have_attribute("lang", "ja")
    expect(answer.locator(".tfw-llm-note")).to_contain_text("AIが短くまとめた")
    expect(answer.locator(".tfw-faq-title")).to_have_text(faq.question)
    expect(answer.locator(".tfw-department")).to_have_text("環境課")
    watched.screenshot("llm-01-reply")
    turn = Turn.objects.get()
    assert (turn.composer, turn.failure_class) == (Composer.LLM, "")
    assert llm.calls == 1


@pytest.mark.django_db(transaction=True)
def test_hostile_llm_output_never_reaches_the_page(
    live_server: LiveServer, indexed_town: dict[str, Faq], gate: GateConfig, llm: FakeLlm, watched: WatchedPage
) -> None:
    faq = indexed_town["R-001"]
    llm.script(Behaviour(text=HOSTILE))
    page = watched.page
    page.goto(f"{live_server.url}/")
    widget_open(page)
    ask(page, QUESTION)

    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    expect(answer.locator(".tfw-text")).to_have_text(faq.answer)
    expect(answer.locator(".tfw-llm-note")).to_have_count(0)
    expect(page.locator(".tfw-root img")).to_have_count(0)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    watched.screenshot("llm-02-hostile-refused")
    turn = Turn.objects.get()
    assert (turn.composer, turn.failure_class) == (Composer.EXTRACTIVE, FailureClass.LLM_INVALID_OUTPUT)
    assert turn.llm["check"] == "markup"

"""Helpers for the chat widget's browser tests: Debian's Chromium under Playwright, and a watched page.

As in tests/changeflow/test_browser.py: /usr/bin/chromium (installed by `make browser`)
is driven by Playwright; Playwright's own browser downloads are never used, and a
missing Chromium fails the tests instead of skipping them.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    expect,
)
from pytest_django.live_server_helper import LiveServer

from chatbot.models import Channel, GateConfig, Turn
from chatbot.services import gate_config_create

TIMEOUT_MS = 15_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "widget"
# Cut-offs that make the small town's outcomes clear-cut (the built-in version 1 answers at 0.6,
# which the town's own FAQ wordings only just reach): exact wordings answer (top score >= 0.55),
# 「ごみを出したい」 clarifies (about 0.43), 「明日の天気は？」 is handed off (about 0.12).
WIDGET_GATE = {"answer_score": 0.5, "answer_margin": 0.3, "clarify_score": 0.2, "department_score": 0.15}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Runs before any page script: every Content-Security-Policy violation is reported on the console,
# where `WatchedPage` records it (the console outlives page loads, a window variable would not).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} (${event.sample})`);
});
"""


@dataclass
class ChatRequest:
    """One POST the widget made to the chat API, as the browser sent it."""

    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class WatchedPage:
    """A page in a fresh browser profile, recording chat requests, page errors, CSP reports and 5xx."""

    context: BrowserContext
    page: Page
    chat_requests: list[ChatRequest] = field(default_factory=list)
    feedback_requests: list[ChatRequest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def page_open(
    browser: Browser,
    *,
    width: int = 1280,
    height: int = 800,
    reduced_motion: Literal["reduce", "no-preference"] = "no-preference",
) -> WatchedPage:
    """A fresh browser profile (Japanese locale, Tokyo time) of this size, and its first page."""
    context = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": width, "height": height},
        reduced_motion=reduced_motion,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    watched = WatchedPage(context=context, page=context.new_page())

    def on_request(request: Request) -> None:
        if request.method != "POST":
            return
        recorded = ChatRequest(headers=request.headers, body=json.loads(request.post_data or "null"))
        if request.url.endswith("/api/v1/chat"):
            watched.chat_requests.append(recorded)
        elif request.url.endswith("/api/v1/feedback"):
            watched.feedback_requests.append(recorded)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("CSP violation"):
            watched.problems.append(f"console: {message.text}")

    def on_response(response: Response) -> None:
        if response.status >= 500:
            watched.problems.append(f"{response.status} {response.request.method} {response.url}")

    watched.page.on("request", on_request)
    watched.page.on("console", on_console)
    watched.page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
    watched.page.on("response", on_response)
    return watched


# ---- the widget, as a resident uses it -------------------------------------------------------------------


def launcher(page: Page) -> Locator:
    return page.locator(".tfw-launcher")


def panel(page: Page) -> Locator:
    return page.get_by_role("dialog")


def log(page: Page) -> Locator:
    return page.get_by_role("log")


def widget_open(page: Page) -> None:
    expect(launcher(page)).to_be_visible()
    launcher(page).click()
    expect(panel(page)).to_be_visible()
    expect(page.locator("#tfw-input")).to_be_focused()


def ask(page: Page, question: str) -> None:
    """Type a question and press the send button."""
    page.locator("#tfw-input").fill(question)
    page.locator(".tfw-send").click()


def bot_messages(page: Page, kind: str) -> Locator:
    """The widget's replies of one kind: answer, clarify, handoff, error."""
    return log(page).locator(f".tfw-{kind}")


def ask_for_body(page: Page, question: str) -> dict[str, Any]:
    """Ask in the widget; the chat API's response body, as the widget received it."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/chat") and r.request.method == "POST") as info:
        ask(page, question)
    body = info.value.json()
    assert isinstance(body, dict)
    return body


def order_in(item: Locator, *selectors: str) -> list[int]:
    """Where each selector's first element is among the message's children (-1: not there)."""
    return [
        int(item.evaluate("(node, s) => [...node.children].findIndex((child) => child.matches(s))", selector))
        for selector in selectors
    ]


# ---- the site and the server ---------------------------------------------------------------------------------


def gate_use(parameters: dict[str, float]) -> GateConfig:
    return gate_config_create(kind="thresholds", parameters=parameters, calibration={}, note="widget browser test")


def home(watched: WatchedPage, live_server: LiveServer) -> Page:
    """The town's home page, with the widget, under the site's real Content-Security-Policy."""
    page = watched.page
    response = page.goto(f"{live_server.url}/")
    assert response is not None
    assert response.status == 200
    # The page runs under the site's real policy, so an inline style or script would be a violation.
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    return page


def assert_turns(count: int, watched: WatchedPage) -> None:
    """Exactly one turn per question asked, each from the widget with its own Idempotency-Key."""
    assert Turn.objects.count() == count
    assert set(Turn.objects.values_list("channel", flat=True)) == {Channel.WEB}
    keys = [request.headers["idempotency-key"] for request in watched.chat_requests]
    assert len(set(keys)) == count
    assert all(UUID.match(key) for key in keys)
    assert all(request.headers["x-chat-client"] == "widget" for request in watched.chat_requests)

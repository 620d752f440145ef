"""The lockout page in a real browser: wrong passwords on the admin login page, then the Japanese lockout page.

Debian's Chromium under Playwright (tests/browser.py; a missing browser fails, it never skips) against pytest-django's
live server with the site's real Content-Security-Policy: the page shows in the admin's look with no CSP violation
or console error, and the language switch on it gives the English page. Screenshots go to
var/test-artifacts/security/.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser import chromium
from tests.factories import STAFF_PASSWORD, UserFactory

TIMEOUT_MS = 15_000
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "security"


def submit(page: Page, base_url: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", "tanaka")
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")


@pytest.mark.django_db(transaction=True)
def test_lockout_page_in_the_browser_japanese_then_english(live_server: LiveServer) -> None:
    UserFactory.create(username="tanaka", is_staff=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        def console(message: ConsoleMessage) -> None:
            # The lockout answer is HTTP 429, which Chromium reports as a failed load of the page; pages have no
            # favicon, and the browser's own request for it is not the page's doing. Anything else counts.
            url = message.location.get("url", "")
            if message.type == "error" and not url.endswith("/favicon.ico") and "status of 429" not in message.text:
                problems.append(f"{message.text} ({url})")

        page.on("console", console)
        for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
            submit(page, live_server.url, "wrong-password")
            expect(page.locator(".errornote")).to_be_visible()
        submit(page, live_server.url, "wrong-password")
        expect(page.locator("h1")).to_have_text("ログインは一時的にロックされています")

        submit(page, live_server.url, STAFF_PASSWORD)
        expect(page.locator("h1")).to_have_text("ログインは一時的にロックされています")
        expect(page.locator("#content-main")).to_contain_text("最後の試行から 15 分後に、再びログインできます。")
        expect(page.locator("#content-main")).to_contain_text("システム管理者")
        expect(page.locator("#site-name")).to_contain_text("FAQ管理")
        # The admin's stylesheets applied: the login box's header colours, not an unstyled page.
        assert page.locator("#header").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        page.screenshot(path=str(ARTIFACTS / "login-locked-ja.png"), full_page=True)

        page.select_option("#language-select", "en")
        page.click(".language-switch [type=submit]")
        expect(page.locator("#login-form")).to_be_visible()
        submit(page, live_server.url, STAFF_PASSWORD)
        expect(page.locator("h1")).to_have_text("Login temporarily locked")
        expect(page.locator("#content-main")).to_contain_text("You can log in again 15 minutes after the last attempt.")
        page.screenshot(path=str(ARTIFACTS / "login-locked-en.png"), full_page=True)
        context.close()
    assert problems == []

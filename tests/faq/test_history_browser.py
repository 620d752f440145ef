"""An FAQ's version history in a real browser: a FAQ管理者 edits an answer, then reads what changed; and the FAQ
change form's Japanese and English fields side by side.

Debian's Chromium under Playwright (tests/browser.py) against pytest-django's
live server; without Chromium the test fails, it never skips. The page must
keep its own Content-Security-Policy: any violation shows in the console.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import ConsoleMessage, FloatRect, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from faq.models import Department
from tests.browser import chromium
from tests.factories import STAFF_PASSWORD, FaqFactory

TIMEOUT_MS = 15_000
SCREENSHOT = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "faq-history.png"
OLD_ANSWER = (
    "燃やせないごみは月2回、第2・第4水曜日に収集します。収集日の朝8時30分までに、指定の集積所へ透明または半透明の袋に"
    "入れて出してください。スプレー缶やライターは中身を使い切り、穴を開けずに別の袋に入れてください。乾電池は公共施設の"
    "回収箱へお持ちください。蛍光灯は割れないように購入時のケースに入れ、別の袋で出してください。"
)
NEW_ANSWER = OLD_ANSWER.replace("月2回", "月3回")


@pytest.mark.django_db(transaction=True)
def test_faq_admin_reads_the_history_of_an_edited_answer(
    live_server: LiveServer,
    isolated_index: Path,
    kankyo: Department,
    faq_staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Playwright's sync API keeps an asyncio loop on this thread; the live server answers from its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert len(OLD_ANSWER) > 150
    faq = FaqFactory.create(department=kankyo, question="燃やせないごみの収集日を知りたい。", answer=OLD_ANSWER)
    base = live_server.url
    change_path = f"/admin/faq/faq/{faq.pk}/change/"
    problems: list[str] = []

    with chromium() as browser:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1400, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        def record(response: Response) -> None:
            if response.status >= 400:
                problems.append(f"{response.status} {response.request.method} {response.url}")

        def console(message: ConsoleMessage) -> None:
            # The admin has no favicon: the browser's own request for it is not the page's.
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                problems.append(f"{message.text} {message.location}")

        page.on("response", record)
        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(f"{base}/admin/login/?next={change_path}")
        page.fill("#id_username", faq_staff.username)
        page.fill("#id_password", STAFF_PASSWORD)
        page.click("#login-form [type=submit]")
        expect(page).to_have_url(f"{base}{change_path}")

        # The editor changes the answer and leaves the optional reason empty.
        expect(page.locator("label[for=id_change_reason]")).to_have_text("変更の理由（任意）:")
        page.fill("#id_answer", NEW_ANSWER)
        page.click("input[name=_save]")
        expect(page.locator(".messagelist .success")).to_be_visible()

        page.goto(f"{base}/admin/faq/faq/{faq.pk}/history/")
        headers = page.locator("#change-history > thead th")
        expect(headers).to_have_text(["日時", "操作", "状態", "質問", "変更者", "変更の理由", "変更内容"])
        versions = page.locator("#change-history > tbody > tr")
        expect(versions).to_have_count(2)
        latest, first = versions.nth(0), versions.nth(1)
        expect(latest.locator("> td").nth(1)).to_have_text("変更")
        expect(latest.locator("> td").nth(2)).to_have_text("公開中")
        expect(latest.locator("td.vh-reason")).to_have_text("管理画面で編集")
        expect(first.locator("td.vh-reason")).to_have_text("（記録なし）")

        # Only the answer changed; its whole old and new text is shown, with the changed character marked.
        diffs = latest.locator("table.vh-diff")
        expect(diffs).to_have_count(1)
        expect(diffs.locator("caption")).to_have_text("回答")
        expect(diffs.locator("td.vh-old")).to_have_text(OLD_ANSWER)
        expect(diffs.locator("td.vh-new")).to_have_text(NEW_ANSWER)
        expect(diffs.locator("td.vh-old del")).to_have_text(["2"])
        expect(diffs.locator("td.vh-new ins")).to_have_text(["3"])
        marked = diffs.locator("td.vh-new ins").evaluate("e => getComputedStyle(e).backgroundColor")
        assert marked == "rgb(204, 255, 216)"
        expect(page.locator("#content-main")).not_to_contain_text("chars]")
        expect(page.locator("#content-main")).not_to_contain_text("None")

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        context.close()

    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_faq_change_form_shows_japanese_and_english_side_by_side(
    live_server: LiveServer, kankyo: Department, faq_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a wide screen each English field stands beside its Japanese one; on a narrow screen below it."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    faq = FaqFactory.create(department=kankyo, question_en="When is garbage collected?", answer_en="On Wednesdays.")
    change_path = f"/admin/faq/faq/{faq.pk}/change/"
    problems: list[str] = []

    with chromium() as browser:
        context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
        page.goto(f"{live_server.url}/admin/login/?next={change_path}")
        page.fill("#id_username", faq_staff.username)
        page.fill("#id_password", STAFF_PASSWORD)
        page.click("#login-form [type=submit]")
        expect(page.locator("#id_question_en")).to_have_value("When is garbage collected?")

        for japanese, english in (("#id_question", "#id_question_en"), ("#id_answer", "#id_answer_en")):
            ja_box, en_box = boxes(page, japanese, english)
            assert en_box["x"] >= ja_box["x"] + ja_box["width"], (japanese, ja_box, en_box)
            assert abs(en_box["y"] - ja_box["y"]) < 2, (japanese, ja_box, en_box)
            assert en_box["width"] > 300
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT.with_name("faq-bilingual-wide.png")), full_page=True)

        page.set_viewport_size({"width": 700, "height": 900})
        ja_box, en_box = boxes(page, "#id_answer", "#id_answer_en")
        assert en_box["y"] >= ja_box["y"] + ja_box["height"], (ja_box, en_box)
        page.screenshot(path=str(SCREENSHOT.with_name("faq-bilingual-narrow.png")), full_page=True)
        context.close()

    assert [problem for problem in problems if "favicon.ico" not in problem] == []


def boxes(page: Page, *selectors: str) -> list[FloatRect]:
    """Where the elements are drawn; each must be visible."""
    found = [page.locator(selector).bounding_box() for selector in selectors]
    assert None not in found, selectors
    return [box for box in found if box is not None]

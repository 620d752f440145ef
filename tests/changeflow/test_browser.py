"""One fee change in a real browser: an editor submits it, a reviewer approves, it goes live on its date.

Debian's Chromium (/usr/bin/chromium, installed by `make browser`) is driven by
Playwright against pytest-django's live server; Playwright's own browser
downloads are never used. Without Chromium the test fails: it never skips.
"""

import datetime
import re
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from changeflow.models import ChangeRequest, ChangeStatus
from changeflow.staff import department_editor_group_ensure
from faq.models import Department, DepartmentMember, Faq, IndexedDocument, IndexGeneration, IndexStatus
from faq.retrieval.index import index_rebuild, search
from faq.selectors import today_local
from tests.browser import chromium
from tests.factories import STAFF_PASSWORD, FaqFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
TIMEOUT_MS = 15_000

QUESTION = "粗大ごみの処理手数料はいくらですか。"
OLD_ANSWER = "粗大ごみの処理手数料は1点につき500円です。処理券をコンビニエンスストアで購入し、品物に貼ってください。"
NEW_ANSWER = "粗大ごみの処理手数料は1点につき700円です。処理券をコンビニエンスストアで購入し、品物に貼ってください。"
QUERY = "粗大ごみの手数料"


def new_page(browser: Browser, server_errors: list[str]) -> tuple[BrowserContext, Page]:
    """A fresh browser profile (own cookies) whose 5xx responses are recorded."""
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def record(response: Response) -> None:
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    return context, page


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    """Log in through the admin login page, as staff do, and land on next_path."""
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("#login-form [type=submit]")
    expect(page).to_have_url(f"{base_url}{next_path}", timeout=TIMEOUT_MS)


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("#change-status")).to_have_attribute("data-status", status, timeout=TIMEOUT_MS)


def active_generation() -> IndexGeneration:
    return IndexGeneration.objects.get(status=IndexStatus.ACTIVE)


def index_entry(faq: Faq) -> IndexedDocument:
    return IndexedDocument.objects.get(generation=active_generation(), faq=faq)


def lexical_score(query: str, faq: Faq) -> float:
    return next(c for c in search(query).candidates if c.faq_id == faq.pk).signals["lexical"]


def publish_command_at(moment: datetime.datetime) -> str:
    """Run `manage.py publish_due_changes` with the clock at this moment; returns what it printed."""
    out = StringIO()
    with time_machine.travel(moment, tick=False):
        assert today_local() == moment.date()
        call_command("publish_due_changes", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_fee_change_in_browser_submitted_approved_and_published_on_its_date(
    live_server: LiveServer,
    isolated_index: Path,
    kankyo: Department,
    faq_staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Playwright's sync API keeps an asyncio loop on this thread, which makes Django refuse ORM calls
    # from the test body; the live server answers the browser from its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    faq = FaqFactory.create(department=kankyo, question=QUESTION, answer=OLD_ANSWER)
    FaqFactory.create(
        department=kankyo,
        question="粗大ごみの収集を申し込みたい。",
        answer="大きな家具や家電は粗大ごみです。事前申込制で戸別に収集します。環境課に電話で申し込んでください。",
    )
    FaqFactory.create(
        department=kankyo,
        question="家庭ごみの出し方について知りたい。",
        answer="家庭ごみは可燃、不燃、資源に分別し、収集日の朝8時30分までに集積所へ出してください。",
    )
    editor = UserFactory.create(username="kankyo_browser_editor", is_staff=True)
    editor.groups.add(department_editor_group_ensure())
    DepartmentMember.objects.create(user=editor, department=kankyo)
    index_rebuild()
    effective = today_local() + datetime.timedelta(days=2)
    server_errors: list[str] = []

    with chromium() as browser:
        # The editor fills in the fee template, previews the new text and submits it.
        editor_context, page = new_page(browser, server_errors)
        log_in(page, base, editor.username, "/changes/new/fee/")
        page.select_option("#id_department", str(kankyo.pk))
        page.fill("#id_title", "粗大ごみ処理手数料の改定")
        page.fill("#id_old_value", "500円")
        page.fill("#id_new_value", "700円")
        page.fill("#id_effective_date", effective.isoformat())
        expect(page.locator("#id_confirm_past")).not_to_be_checked()
        page.check(f'input[name="faqs"][value="{faq.pk}"]')
        page.fill("#id_reason", "手数料条例の改正による。")
        page.click('button[name="action"][value="preview"]')

        answer_box = page.locator(f"#a-{faq.pk}")
        expect(answer_box).to_have_value(NEW_ANSWER, timeout=TIMEOUT_MS)
        expect(page.locator(".cf-diff ins", has_text="7")).to_have_count(1)
        expect(page.locator(".cf-diff del", has_text="5")).to_have_count(1)
        assert "1点につき<ins>7</ins>00円" in page.locator(".cf-diff").inner_html()
        expect(page.locator("#id_effective_date")).to_have_value(effective.isoformat())
        expect(page.locator(".errornote")).to_have_count(0)
        page.click('button[name="action"][value="submit"]')

        expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/changes/\d+/$"), timeout=TIMEOUT_MS)
        expect_status(page, ChangeStatus.SUBMITTED)
        change = ChangeRequest.objects.get()
        assert page.url == f"{base}/changes/{change.pk}/"
        assert (change.created_by, change.effective_date) == (editor, effective)
        assert change.items.get().new_answer == NEW_ANSWER
        expect(page.locator('button[name="action"][value="approve"]')).to_have_count(0)
        editor_context.close()

        # The reviewer, in a browser of their own, approves; the date is ahead, so it is scheduled.
        reviewer_context, page = new_page(browser, server_errors)
        log_in(page, base, faq_staff.username, f"/changes/{change.pk}/")
        expect_status(page, ChangeStatus.SUBMITTED)
        page.fill("#id_comment", "確認しました。")
        page.click('button[name="action"][value="approve"]')
        expect_status(page, ChangeStatus.SCHEDULED)
        expect(page.locator("#change-summary")).to_contain_text(effective.strftime("%Y-%m-%d"))
        reviewer_context.close()
        change.refresh_from_db()
        assert (change.status, change.reviewed_by) == (ChangeStatus.SCHEDULED, faq_staff)

        # Before the effective date residents still get today's fee, from the chat search and the page.
        result = search(QUERY)
        assert result.warnings == []
        assert result.candidates[0].faq_id == faq.pk
        assert "1点につき500円" in Faq.objects.get(pk=result.candidates[0].faq_id).answer
        assert "500" in index_entry(faq).answer_tokens
        resident_context, page = new_page(browser, server_errors)
        page.goto(f"{base}/faq/{faq.pk}/")
        expect(page.locator("article.faq .answer")).to_contain_text("1点につき500円")

        # The scheduled task publishes nothing the evening before, and the new fee at 00:00 on the day.
        evening_before = datetime.datetime.combine(effective - datetime.timedelta(days=1), datetime.time(23, 59, 59))
        assert "nothing due" in publish_command_at(evening_before.replace(tzinfo=TOKYO))
        assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.SCHEDULED
        revision = active_generation().revision
        printed = publish_command_at(datetime.datetime.combine(effective, datetime.time(0, 0, 1), TOKYO))
        assert f"#{change.pk}" in printed
        change.refresh_from_db()
        assert change.status == ChangeStatus.PUBLISHED

        page.reload()
        answer = page.locator("article.faq .answer")
        expect(answer).to_contain_text("1点につき700円")
        expect(answer).not_to_contain_text("500円")
        resident_context.close()

    assert server_errors == []
    # The index followed the publication: the chat search finds the FAQ with its new text.
    assert active_generation().revision > revision
    entry = index_entry(faq)
    assert entry.faq_version == faq.history.order_by("-history_id").values_list("history_id", flat=True).first()
    assert "700" in entry.answer_tokens
    assert "500" not in entry.answer_tokens
    result = search(QUERY)
    assert result.warnings == []
    assert result.candidates[0].faq_id == faq.pk
    assert lexical_score("700円", faq) > lexical_score("500円", faq)
    assert Faq.objects.get(pk=faq.pk).answer == NEW_ANSWER

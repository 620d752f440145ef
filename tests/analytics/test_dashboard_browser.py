"""The analytics dashboard in a real browser: a FAQ管理者 logs in, reads the month, acts on a group.

Debian's Chromium under Playwright (tests/browser.py) against pytest-django's
live server; without Chromium the test fails, it never skips. Elements are
found by id, name and structure, and checked by numbers and question texts,
so that the Japanese UI texts may change.
"""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import ConsoleMessage, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from analytics.aggregation import aggregate_month
from analytics.models import GapAction, GapActionKind, GapCluster, MonthlyAggregate
from faq.models import Department, Faq
from tests.analytics.support import OCTOBER, jst, october_turns
from tests.browser import chromium
from tests.factories import STAFF_PASSWORD, FaqFactory

TIMEOUT_MS = 15_000
DASHBOARD_PATH = "/admin/analytics/monthlyaggregate/?month=2026-10"
SCREENSHOT = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "analytics-dashboard.png"


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    """Through the admin login form, as staff do."""
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("#login-form [type=submit]")
    expect(page).to_have_url(f"{base_url}{next_path}", timeout=TIMEOUT_MS)


def charts_loaded(page: Page) -> None:
    """The four chart <img> elements loaded their SVG and show it at a visible size."""
    images = page.locator(".an-charts img")
    expect(images).to_have_count(4)
    for index in range(4):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.an-charts img')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=TIMEOUT_MS,
    )
    sizes = images.evaluate_all(
        "images => images.map(i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().height])"
    )
    assert len(sizes) == 4
    assert all(width > 100 and height > 50 and shown > 50 for width, height, shown in sizes), sizes
    page.evaluate("window.scrollTo(0, 0)")


def sodai_group() -> GapCluster:
    return next(
        group
        for group in GapCluster.objects.filter(aggregate__month=OCTOBER)
        if "粗大ごみの料金はいくらですか" in [w["text"] for w in group.wordings]
    )


@pytest.mark.django_db(transaction=True)
def test_faq_admin_reads_the_month_and_adds_a_group_as_alternate_questions(
    live_server: LiveServer,
    isolated_index: Path,
    kankyo: Department,
    jumin: Department,
    faq_admin: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Playwright's sync API keeps an asyncio loop on this thread; the live server answers from its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sodai = FaqFactory.create(department=kankyo, question="粗大ごみの収集を申し込みたい。")
    juminhyo = FaqFactory.create(department=jumin, question="住民票の写しを取りたい。")
    october_turns(kankyo, jumin, faq_ids={"sodai": sodai.pk, "juminhyo": juminhyo.pk})
    with time_machine.travel(jst(2026, 11, 5), tick=False):
        aggregate = aggregate_month(OCTOBER)
    groups = list(aggregate.clusters.order_by("rank"))
    target = sodai_group()
    base = live_server.url
    problems: list[str] = []

    with chromium() as browser:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        def record(response: Response) -> None:
            if response.status >= 400:
                problems.append(f"{response.status} {response.request.method} {response.url}")

        page.on("response", record)

        def console(message: ConsoleMessage) -> None:
            # The admin has no favicon: the browser's own request for it is not the page's.
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                problems.append(f"{message.text} {message.location}")

        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(str(error)))

        log_in(page, base, faq_admin.username, DASHBOARD_PATH)

        # The figures of the month.
        expect(page.locator(".an-cards .an-value")).to_have_text(["23", "10", "9", "2", "1", "11", "1 / 3", "2095.0"])
        expect(page.locator("#an-month")).to_have_value("2026-10")
        # The groups of unanswered questions, with their representative question and count.
        rows = page.locator("#an-groups tbody > tr")
        expect(rows).to_have_count(len(groups))
        for group in groups:
            row = page.locator(f"#group-{group.rank}")
            expect(row.locator("td").nth(0)).to_have_text(str(group.rank))
            expect(row.locator("td.an-rep")).to_contain_text(group.representative)
            expect(row.locator("td").nth(2)).to_contain_text(str(group.size))
        # The charts are served by the server as SVG and load in the page.
        charts_loaded(page)

        # The 粗大ごみ group's form offers the FAQ the retrieval found for them, with no wording ticked.
        row = page.locator(f"#group-{target.rank}")
        expect(row.locator(".an-done")).to_have_count(0)
        form = row.locator("form.an-wordings")
        row.locator("details:has(form.an-wordings) > summary").click()
        expect(form).to_be_visible()
        expect(form.locator(f'input[name="faq"][value="{sodai.pk}"]')).not_to_be_checked()
        expect(form.locator(".an-exact")).to_be_visible()
        checkboxes = form.locator('input[name="wording"]')
        expect(checkboxes).to_have_count(len(target.wordings))
        expect(form.locator(".an-note")).to_have_count(len(target.wordings))
        for index in range(len(target.wordings)):
            expect(checkboxes.nth(index)).not_to_be_checked()
        # Submitted untouched, it adds nothing and says so.
        form.locator("[type=submit]").click()
        expect(page).to_have_url(f"{base}{DASHBOARD_PATH}", timeout=TIMEOUT_MS)
        expect(page.locator(".messagelist .warning")).to_have_count(1)
        expect(page.locator(".an-done")).to_have_count(0)
        assert Faq.objects.get(pk=sodai.pk).alternate_questions == []

        # Choose the FAQ, tick the group's wordings and add them.
        row.locator("details:has(form.an-wordings) > summary").click()
        expect(form).to_be_visible()
        form.locator(f'input[name="faq"][value="{sodai.pk}"]').check()
        for index in range(len(target.wordings)):
            checkboxes.nth(index).check()
        form.locator("[type=submit]").click()

        expect(page).to_have_url(f"{base}{DASHBOARD_PATH}", timeout=TIMEOUT_MS)
        done = page.locator(f"#group-{target.rank} .an-done")
        expect(done).to_have_count(1)
        expect(done).to_contain_text(f"FAQ {sodai.pk}")
        expect(done.locator("a")).to_have_attribute("href", f"/admin/faq/faq/{sodai.pk}/change/")
        expect(page.locator(".an-done")).to_have_count(1)
        expect(page.locator(".messagelist .success")).to_have_count(1)
        expect(page.locator(".messagelist")).to_contain_text(str(sodai.pk))

        charts_loaded(page)  # the page after the redirect loads its (lazy) charts again
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.unlink(missing_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        context.close()

    assert problems == []
    assert SCREENSHOT.exists()
    assert SCREENSHOT.stat().st_size > 30_000
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Faq.objects.get(pk=sodai.pk).alternate_questions == [w["text"] for w in target.wordings]
    action = GapAction.objects.get()
    assert (action.kind, action.faq_id, action.cluster_key) == (GapActionKind.ALTERNATES, sodai.pk, target.key)
    assert MonthlyAggregate.objects.get(month=OCTOBER).turns == 23
    assert re.fullmatch(r"[0-9a-f]{64}", target.key)

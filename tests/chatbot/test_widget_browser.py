"""The resident's chat widget (static/widget/chat-widget.js) in a real browser against the real API.

Chromium (Debian's, under Playwright) opens the town's pages from pytest-django's
live server, with the site's Content-Security-Policy; the widget asks
/api/v1/chat, which searches a real index of the small town's FAQs. Each test
checks that exactly one turn row is written per question asked, and that no
script error, CSP violation or server error happened. Screenshots of each state
are kept in var/test-artifacts/widget/.
"""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, Route, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from chatbot.models import Feedback, GateConfig, Outcome, Turn
from chatbot.pipeline import turn_ask
from chatbot.privacy import redact
from faq.models import Department, Faq
from faq.retrieval.index import index_rebuild
from tests.chatbot.widget_support import (
    UUID,
    WIDGET_GATE,
    WatchedPage,
    ask,
    ask_for_body,
    assert_turns,
    bot_messages,
    gate_use,
    home,
    launcher,
    log,
    order_in,
    page_open,
    panel,
    widget_open,
)
from tests.factories import FaqFactory

HOSTILE_IMG = '<img src=x onerror="window.__pwned=1">'
HOSTILE_LINK = "[x](javascript:window.__pwned=2)"


@pytest.fixture
def widget_gate(builtin_gate: GateConfig) -> GateConfig:
    return gate_use(WIDGET_GATE)


def updated(faq: Faq) -> str:
    return timezone.localtime(faq.updated_at).date().isoformat()


def japanese_date(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日"


# 1. answer -----------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Other tests in this process may have used this minute's request allowance for 127.0.0.1."""
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_question_is_answered_with_title_source_date_and_phone(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, watched: WatchedPage
) -> None:
    faq = indexed_town["R-001"]
    Faq.objects.filter(pk=faq.pk).update(source_url="https://www.town.example/kurashi/gomi/sodai.html")
    page = home(watched, live_server)
    expect(launcher(page)).to_have_accessible_name("チャットで質問")
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    watched.screenshot("01-closed")

    widget_open(page)
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(panel(page)).to_have_accessible_name("よくある質問 チャット")
    ask(page, "粗大ごみの収集を申し込みたい")

    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    expect(answer.locator(".tfw-faq-title")).to_have_text("粗大ごみの収集を申し込みたい。")
    expect(answer.locator(".tfw-text")).to_have_text(faq.answer)
    source = answer.get_by_role("link", name=re.compile("このFAQのページ"))
    expect(source).to_have_attribute("href", "https://www.town.example/kurashi/gomi/sodai.html")
    expect(source).to_have_attribute("target", "_blank")
    day = updated(faq)
    expect(answer.locator("time")).to_have_attribute("datetime", day)
    expect(answer.locator(".tfw-updated")).to_have_text(f"最終更新：{japanese_date(day)}")
    expect(answer.locator(".tfw-department")).to_have_text("環境課")
    phone = answer.get_by_role("link", name="0000-11-1301")
    expect(phone).to_have_attribute("href", "tel:0000111301")
    expect(answer.get_by_role("button", name="役に立った")).to_be_visible()
    expect(answer.get_by_role("button", name="役に立たなかった")).to_be_visible()
    expect(log(page).locator(".tfw-user")).to_have_text("あなた：粗大ごみの収集を申し込みたい")
    assert page.evaluate("window.scrollY") == 0, "showing the answer scrolled the page under the panel"
    watched.screenshot("02-answer")

    [request] = watched.chat_requests
    assert request.body["question"] == "粗大ごみの収集を申し込みたい"
    assert request.body["lang"] == "ja"
    assert UUID.match(request.body["session_id"])
    assert_turns(1, watched)
    assert Turn.objects.get().outcome == Outcome.ANSWER


# 2. clarify ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ambiguous_question_offers_choices_and_the_chosen_one_is_answered(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, watched: WatchedPage
) -> None:
    bulky, household = indexed_town["R-001"], indexed_town["R-002"]
    page = home(watched, live_server)
    widget_open(page)
    ask(page, "ごみを出したい")

    clarify = bot_messages(page, "clarify")
    expect(clarify).to_have_count(1)
    expect(clarify.locator(".tfw-text")).to_have_text("次のどれについてのご質問ですか？")
    choices = clarify.locator(".tfw-choice")
    expect(choices.first).to_be_visible()
    offered = choices.all_inner_texts()
    assert 2 <= len(offered) <= 3
    assert {bulky.question, household.question} <= set(offered)
    watched.screenshot("03-clarify")

    clarify.get_by_role("button", name=household.question).click()
    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    expect(answer.locator(".tfw-faq-title")).to_have_text(household.question)
    expect(answer.locator(".tfw-text")).to_have_text(household.answer)
    # No source_url: the source is the FAQ's public page on the API's origin, which carries the widget too.
    source = answer.get_by_role("link", name=re.compile("このFAQのページ"))
    expect(source).to_have_attribute("href", f"{live_server.url}/faq/{household.pk}/")
    expect(log(page).locator(".tfw-user").last).to_have_text(f"あなた：{household.question}")
    for choice in choices.all():
        expect(choice).to_be_disabled()
    expect(clarify.get_by_role("button", name=household.question)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#tfw-input")).to_be_focused()
    watched.screenshot("04-clarify-answered")

    assert [request.body["question"] for request in watched.chat_requests] == ["ごみを出したい", household.question]
    assert_turns(2, watched)
    assert list(Turn.objects.order_by("created_at").values_list("outcome", flat=True)) == [
        Outcome.CLARIFY,
        Outcome.ANSWER,
    ]

    page.goto(f"{live_server.url}/faq/{household.pk}/")
    expect(page.locator("article.faq h1")).to_have_text(household.question)
    expect(launcher(page)).to_be_visible()


# 3. handoff (and a refused question) -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_out_of_scope_question_shows_the_general_reception_card(
    live_server: LiveServer,
    indexed_town: dict[str, Faq],
    reception: Department,
    widget_gate: GateConfig,
    watched: WatchedPage,
) -> None:
    page = home(watched, live_server)
    widget_open(page)
    ask(page, "明日の天気は？")

    handoff = bot_messages(page, "handoff")
    expect(handoff).to_have_count(1)
    expect(handoff.locator(".tfw-text")).to_contain_text("お問い合わせください")
    card = handoff.locator(".tfw-contact")
    expect(card.locator(".tfw-department")).to_have_text("総合案内")
    expect(card.get_by_role("link", name="0000-11-1000")).to_have_attribute("href", "tel:0000111000")
    expect(card).to_contain_text("窓口本庁舎1階 総合案内")
    expect(card).to_contain_text("受付時間平日 8:30〜17:15")
    expect(card).to_contain_text("休業日土日祝日、年末年始")
    watched.screenshot("05-handoff")

    # A question with no words is refused by the API (400); its message is shown as it came.
    ask(page, "？？？")
    refused = bot_messages(page, "error")
    expect(refused).to_have_count(1)
    expect(refused.locator(".tfw-text")).to_have_text("文字で質問を入力してください。")
    expect(refused.get_by_role("button", name="再送信")).to_have_count(0)

    assert_turns(2, watched)
    assert list(Turn.objects.order_by("created_at").values_list("outcome", flat=True)) == [
        Outcome.HANDOFF,
        Outcome.REJECTED,
    ]


# 4. keyboard only ------------------------------------------------------------------------------------------------


def focused_class(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.className : ''"))


@pytest.mark.django_db(transaction=True)
def test_keyboard_only_open_ask_and_close(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, watched: WatchedPage
) -> None:
    faq = indexed_town["R-003"]
    page = home(watched, live_server)
    expect(launcher(page)).to_be_visible()
    for _press in range(100):
        page.keyboard.press("Tab")
        if "tfw-launcher" in focused_class(page):
            break
    expect(launcher(page)).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused chat button has no visible focus outline"
    watched.screenshot("06-keyboard-focus")

    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(page.locator("#tfw-input")).to_be_focused()
    page.keyboard.type("住民票の写しを取りたい")
    page.keyboard.press("Enter")
    answer = log(page).locator(".tfw-answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(faq.question)
    expect(log(page)).to_have_attribute("aria-live", "polite")
    expect(page.locator("#tfw-input")).to_have_value("")
    expect(page.locator("#tfw-input")).to_be_focused()

    # Tab order in the panel: close, language, the log and what is in it, the input, send.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="送信")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(answer.get_by_role("button", name="役に立たなかった")).to_be_focused()
    watched.screenshot("07-keyboard-answer")

    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")

    # Opening again keeps the conversation; the close button works from the keyboard too.
    page.keyboard.press("Enter")
    expect(page.locator("#tfw-input")).to_be_focused()
    expect(answer).to_have_count(1)
    page.get_by_role("button", name="閉じる").focus()
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    assert_turns(1, watched)


# 5. feedback -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_not_helpful_with_a_comment_is_stored_redacted(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, watched: WatchedPage
) -> None:
    comment = "説明が分かりにくいです。090-1234-5678 に電話をください。"
    page = home(watched, live_server)
    widget_open(page)
    ask(page, "水道の使用を開始したい")
    answer = bot_messages(page, "answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(indexed_town["R-005"].question)

    not_helpful = answer.get_by_role("button", name="役に立たなかった")
    not_helpful.click()
    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("button", name="役に立った")).to_have_attribute("aria-pressed", "false")
    expect(answer.locator(".tfw-feedback-status")).to_have_text("ありがとうございました。")
    box = answer.get_by_role("textbox", name=re.compile("理由をお聞かせください"))
    box.fill(comment)
    watched.screenshot("08-feedback-comment")
    answer.get_by_role("button", name="意見を送信").click()
    expect(answer).to_contain_text("ご意見ありがとうございました。")
    expect(box).to_have_count(0)
    watched.screenshot("09-feedback-sent")

    turn = Turn.objects.get()
    feedback = Feedback.objects.get()
    assert feedback.turn == turn
    assert feedback.helpful is False
    assert feedback.comment == redact(comment).text
    assert "090-1234-5678" not in feedback.comment
    assert [request.body for request in watched.feedback_requests] == [
        {"turn_id": str(turn.pk), "helpful": False},
        {"turn_id": str(turn.pk), "helpful": False, "comment": comment},
    ]
    assert_turns(1, watched)


# 6. hostile FAQ text ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_hostile_faq_text_is_shown_as_text_and_nothing_runs(
    live_server: LiveServer, town: dict[str, Faq], builtin_gate: GateConfig, watched: WatchedPage
) -> None:
    department = town["R-003"].department
    assert department is not None
    Department.objects.filter(pk=department.pk).update(window="<script>window.__pwned=4</script>本庁舎1階")
    title = f"図書館の開館時間を知りたい。{HOSTILE_IMG}"
    answer_text = f"図書館は9時から19時まで開館しています。{HOSTILE_IMG} 詳しくは{HOSTILE_LINK}をご覧ください。"
    hostile = FaqFactory.create(
        external_id="X-001",
        department=department,
        question=title,
        answer=answer_text,
        source_url="javascript:window.__pwned=3",  # stored unvalidated, as an import could
    )
    index_rebuild()
    gate_use({**WIDGET_GATE, "answer_score": 0.3})
    page = home(watched, live_server)
    widget_open(page)
    ask(page, "図書館の開館時間を知りたい")

    answer = bot_messages(page, "answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(title)
    expect(answer.locator(".tfw-text")).to_have_text(answer_text)
    expect(answer.locator(".tfw-contact")).to_contain_text("<script>window.__pwned=4</script>本庁舎1階")
    # The javascript: source is dropped for the FAQ's own page.
    source = answer.get_by_role("link", name=re.compile("このFAQのページ"))
    expect(source).to_have_attribute("href", f"{live_server.url}/faq/{hostile.pk}/")
    watched.screenshot("10-hostile-text")

    widget = page.locator(".tfw-root")
    expect(widget.locator("img")).to_have_count(0)
    expect(widget.locator("script")).to_have_count(0)
    hrefs = widget.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert hrefs, "no links in the answer"
    assert all(re.match(r"^(https?://|tel:)", href) for href in hrefs), hrefs
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert_turns(1, watched)
    # `watched` checks on teardown that no CSP violation and no script error was reported.


# 7. English ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_english_switch_asks_in_english_with_english_labels(
    live_server: LiveServer, indexed_town: dict[str, Faq], builtin_gate: GateConfig, watched: WatchedPage
) -> None:
    # English questions score low against Japanese FAQs; a lenient gate lets this one be answered.
    gate_use({"answer_score": 0.1, "answer_margin": 0.08, "clarify_score": 0.05, "department_score": 0.05})
    dog = indexed_town["R-008"]
    department = dog.department
    assert department is not None
    page = home(watched, live_server)
    widget_open(page)
    english = page.get_by_role("button", name="English")
    english.click()
    expect(english).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="日本語")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".tfw-root")).to_have_attribute("lang", "en")
    expect(panel(page)).to_have_accessible_name("FAQ chat")
    expect(page.get_by_role("button", name="Close")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your question")).to_have_attribute(
        "placeholder", "e.g. How do I throw away a sofa?"
    )
    expect(launcher(page)).to_have_accessible_name("Ask in chat")

    ask(page, "How do I register my dog?")
    answer = bot_messages(page, "answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(dog.question)
    expect(answer.locator(".tfw-updated")).to_have_text(f"Last updated: {updated(dog)}")
    expect(answer.get_by_role("link", name=re.compile("FAQ page"))).to_be_visible()
    expect(answer.locator(".tfw-contact-caption")).to_have_text("Contact")
    expect(answer.locator(".tfw-department")).to_have_text(department.name_en)
    expect(answer.get_by_role("link", name=department.phone)).to_have_attribute(
        "href", "tel:" + department.phone.replace("-", "")
    )
    expect(answer.get_by_role("group", name="Was this answer helpful?")).to_be_visible()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    expect(answer.get_by_role("button", name="Not helpful")).to_be_visible()
    expect(log(page).locator(".tfw-user")).to_have_text("You: How do I register my dog?")
    watched.screenshot("11-english")

    [request] = watched.chat_requests
    assert request.body["lang"] == "en"
    assert_turns(1, watched)
    assert Turn.objects.get().lang == "en"


# 8. phone-sized screen, 400 % zoom, reduced motion ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_panel_fits_a_360px_screen_and_400_percent_zoom(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, browser: Browser
) -> None:
    watched = page_open(browser, width=360, height=740)
    try:
        page = home(watched, live_server)
        widget_open(page)
        box = panel(page).bounding_box()
        assert box is not None
        assert (box["x"], box["width"]) == (0, 360)
        assert page.evaluate("getComputedStyle(document.querySelector('.tfw-panel')).animationName") == "tfw-in"
        ask(page, "児童手当を申請したい")
        answer = bot_messages(page, "answer")
        expect(answer.locator(".tfw-text")).to_have_text(indexed_town["R-007"].answer)
        expect(answer.locator(".tfw-faq-title")).to_be_in_viewport()
        expect(page.locator("#tfw-input")).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("document.querySelector('.tfw-panel').scrollWidth") <= 360
        watched.screenshot("12-phone-360")
    finally:
        watched.context.close()
    assert watched.problems == []

    # A 1280 x 720 laptop screen at 400 % zoom is 320 x 180 CSS pixels; this resident also asked for less motion.
    zoomed = page_open(browser, width=320, height=180, reduced_motion="reduce")
    try:
        page = home(zoomed, live_server)
        widget_open(page)
        assert page.evaluate("getComputedStyle(document.querySelector('.tfw-panel')).animationName") == "none"
        page.keyboard.type("住民票の写しを取りたい")
        page.keyboard.press("Enter")
        answer = bot_messages(page, "answer")
        expect(answer.locator(".tfw-faq-title")).to_have_text(indexed_town["R-003"].question)
        expect(answer.locator(".tfw-faq-title")).to_be_in_viewport()
        expect(page.locator("#tfw-input")).to_be_in_viewport()
        expect(page.get_by_role("button", name="送信")).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert page.evaluate("document.querySelector('.tfw-panel').scrollWidth") <= 320
        zoomed.screenshot("13-zoom-400")
        page.keyboard.press("Escape")
        expect(launcher(page)).to_be_focused()
        expect(launcher(page)).to_be_in_viewport()
    finally:
        zoomed.context.close()
    assert zoomed.problems == []
    assert Turn.objects.count() == 2
    assert len({request.headers["idempotency-key"] for request in (*watched.chat_requests, *zoomed.chat_requests)}) == 2


# 9. network failure: the retry re-uses the Idempotency-Key --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_lost_response_is_retried_with_the_same_key_and_one_turn(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, watched: WatchedPage
) -> None:
    page = home(watched, live_server)
    lost: list[int] = []

    def lose_first_response(route: Route) -> None:
        if lost:
            route.continue_()
            return
        # The server answers (and logs the turn), but the resident's connection drops before the reply.
        lost.append(route.fetch().status)
        route.abort("internetdisconnected")

    page.route("**/api/v1/chat", lose_first_response)
    widget_open(page)
    ask(page, "印鑑登録をしたい")
    error = bot_messages(page, "error")
    expect(error.locator(".tfw-text")).to_have_text("通信できませんでした。接続を確認して「再送信」を押してください。")
    assert lost == [200]
    assert Turn.objects.count() == 1
    watched.screenshot("14-network-error")

    error.get_by_role("button", name="再送信").click()
    answer = bot_messages(page, "answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(indexed_town["R-009"].question)
    expect(error).to_have_count(0)
    expect(log(page).locator(".tfw-user")).to_have_count(1)

    first, retry = watched.chat_requests
    assert first.headers["idempotency-key"] == retry.headers["idempotency-key"]
    assert first.body == retry.body
    assert_turns(1, watched)
    assert Turn.objects.get().outcome == Outcome.ANSWER


# 10. embedded on another site, with every option --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_embedded_on_another_site_with_options(
    live_server: LiveServer,
    indexed_town: dict[str, Faq],
    widget_gate: GateConfig,
    watched: WatchedPage,
    settings: Settings,
) -> None:
    api = live_server.url
    # Another origin (same machine: the test's chat service only listens on loopback).
    site = api.replace("//localhost:", "//127.0.0.1:")
    assert site != api
    settings.CHAT_ALLOWED_ORIGINS = [site]
    settings.CORS_ALLOWED_ORIGINS = [site]
    tag = (
        f'<script src="{api}/static/widget/chat-widget.js" defer '
        f'data-lang="en" data-position="left" data-api-origin="{api}"></script>'
    )
    html = f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>町の公式サイト</title>{tag}</head>'
    html += "<body><main><h1>町の公式サイト</h1></main></body></html>"
    # The town's own CMS page: a different origin, with a policy that allows only the chat service.
    policy = f"default-src 'self'; script-src 'self' {api}; style-src 'self' {api}; connect-src {api}"

    def town_site(route: Route) -> None:
        route.fulfill(body=html, content_type="text/html; charset=utf-8", headers={"Content-Security-Policy": policy})

    page = watched.page
    # A page Playwright serves counts as a public site, which Chromium lets reach a loopback server only with
    # this permission; the town's real site and chat service are both public.
    watched.context.grant_permissions(["local-network-access"])
    page.route(f"{site}/kurashi/", town_site)
    # As on a plain-http site, where crypto.randomUUID does not exist.
    page.add_init_script("delete Crypto.prototype.randomUUID;")
    page.goto(f"{site}/kurashi/")
    # data-lang="en" wins over <html lang="ja">; data-position="left" puts the button bottom left.
    expect(launcher(page)).to_have_accessible_name("Ask in chat")
    box = launcher(page).bounding_box()
    assert box is not None
    assert box["x"] < 100
    widget_open(page)
    ask(page, "粗大ごみの収集を申し込みたい")
    answer = bot_messages(page, "answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(indexed_town["R-001"].question)
    expect(answer.get_by_role("link", name=re.compile("FAQ page"))).to_have_attribute(
        "href",
        f"{api}/faq/{indexed_town['R-001'].pk}/?lang=en",  # the widget is in English: so is the page
    )
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".tfw-feedback-status")).to_have_text("Thank you.")
    watched.screenshot("15-embedded-left-en")

    # Without crypto.randomUUID the key still is a version-4 UUID (from getRandomValues); the request is CORS.
    assert page.evaluate("typeof crypto.randomUUID") == "undefined"
    [request] = watched.chat_requests
    assert request.headers["origin"] == site
    assert request.body["lang"] == "en"
    assert_turns(1, watched)
    assert Feedback.objects.get().helpful is True


# 11. related FAQs beneath an answer and beneath a handoff ---------------------------------------------------------

# Neighbours of two of the town's FAQs (the town alone has no FAQ close enough to another to be related).
NEIGHBOURS = [
    (
        "R-103",
        "R-003",
        "住民票の写しをコンビニで取りたい。",
        "マイナンバーカードがあれば、全国のコンビニのマルチコピー機で住民票の写しを取得できます。",
    ),
    (
        "R-104",
        "R-009",
        "印鑑登録証をなくしたときの手続きを知りたい。",
        "印鑑登録証をなくしたときは、住民課の窓口で亡失届を出し、改めて印鑑登録をしてください。",
    ),
]
# Short questions some FAQ is related to but none fits: under RELATED_GATE they are handed off with related FAQs.
SHORT_QUESTIONS = ["住民票", "印鑑", "保育所", "犬の登録", "粗大ごみ"]
# A gate that neither answers nor clarifies anything but an exact wording (which is always answered).
RELATED_GATE = {**WIDGET_GATE, "answer_score": 0.95, "clarify_score": 0.95}
NO_FAQ_QUESTION = "明日の天気は？"


def neighbours_add(town: dict[str, Faq]) -> None:
    for external_id, neighbour_of, question, answer in NEIGHBOURS:
        FaqFactory.create(
            external_id=external_id, department=town[neighbour_of].department, question=question, answer=answer
        )
    index_rebuild()


def asked_through_pipeline(questions: list[str], outcome: Outcome) -> str:
    """The first of these questions the real pipeline (no turn logged) gives this outcome with related FAQs."""
    for question in questions:
        response = turn_ask(question=question, log=False)
        if response["outcome"] == outcome and response.get("related"):
            return question
    raise AssertionError(f"none of {questions} is a {outcome} with related FAQs")


def related_questions(body: dict[str, Any]) -> list[str]:
    return [str(entry["question"]) for entry in body.get("related") or []]


@pytest.mark.django_db(transaction=True)
def test_answer_lists_related_faqs_and_pressing_one_answers_it(
    live_server: LiveServer, indexed_town: dict[str, Faq], widget_gate: GateConfig, watched: WatchedPage
) -> None:
    neighbours_add(indexed_town)
    faqs = list(Faq.objects.order_by("external_id"))
    asked = asked_through_pipeline([faq.question for faq in faqs], Outcome.ANSWER)
    page = home(watched, live_server)
    widget_open(page)
    body = ask_for_body(page, asked)
    assert body["outcome"] == Outcome.ANSWER
    expected = related_questions(body)
    assert 1 <= len(expected) <= 3

    answer = bot_messages(page, "answer")
    expect(answer.locator(".tfw-faq-title")).to_have_text(asked)
    related = answer.get_by_role("list", name="関連するFAQ")
    expect(related).to_be_visible()
    expect(answer.locator(".tfw-related-caption")).to_have_text("関連するFAQ")
    links = related.get_by_role("button")
    expect(links).to_have_text(expected)
    for link in links.all():
        expect(link).to_have_attribute("lang", "ja")
        expect(link).to_have_css("text-decoration-line", "underline")
    # Beneath the source and date, above the contact card and the feedback question.
    meta, box, contact, feedback = order_in(answer, ".tfw-meta", ".tfw-related-box", ".tfw-contact", ".tfw-feedback")
    assert -1 < meta < box < contact < feedback, (meta, box, contact, feedback)
    watched.screenshot("16-related-answer")

    # From the keyboard: the first related FAQ comes right after the source link, with a visible focus ring.
    answer.get_by_role("link", name=re.compile("このFAQのページ")).focus()
    page.keyboard.press("Tab")
    first = links.first
    expect(first).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")

    answers = bot_messages(page, "answer")
    expect(answers).to_have_count(2)
    expect(answers.last.locator(".tfw-faq-title")).to_have_text(expected[0])
    expect(log(page).locator(".tfw-user").last).to_have_text(f"あなた：{expected[0]}")
    expect(first).to_have_attribute("aria-pressed", "true")
    for link in links.all():
        expect(link).to_be_disabled()
    expect(page.locator("#tfw-input")).to_be_focused()
    watched.screenshot("17-related-answered")

    # Asked exactly as a choice is: the FAQ's question with its id, a new turn with its own key.
    first_request, pressed = watched.chat_requests
    assert "faq_id" not in first_request.body
    assert pressed.body["question"] == expected[0]
    assert pressed.body["faq_id"] == body["related"][0]["faq_id"]
    assert_turns(2, watched)
    assert list(Turn.objects.order_by("created_at").values_list("outcome", flat=True)) == [
        Outcome.ANSWER,
        Outcome.ANSWER,
    ]


@pytest.mark.django_db(transaction=True)
def test_handoff_lists_related_faqs_only_when_there_are_some(
    live_server: LiveServer,
    indexed_town: dict[str, Faq],
    reception: Department,
    builtin_gate: GateConfig,
    watched: WatchedPage,
) -> None:
    neighbours_add(indexed_town)
    gate_use(RELATED_GATE)
    asked = asked_through_pipeline(SHORT_QUESTIONS, Outcome.HANDOFF)
    page = home(watched, live_server)
    widget_open(page)

    body = ask_for_body(page, asked)
    assert body["outcome"] == Outcome.HANDOFF
    expected = related_questions(body)
    assert expected
    handoff = bot_messages(page, "handoff")
    expect(handoff).to_have_count(1)
    expect(handoff.locator(".tfw-text")).to_contain_text("関連するFAQを下に示します")
    related = handoff.get_by_role("list", name="関連するFAQ")
    expect(related).to_be_visible()
    expect(related.get_by_role("button")).to_have_text(expected)
    text, box, contact = order_in(handoff, ".tfw-text", ".tfw-related-box", ".tfw-contact")
    assert -1 < text < box < contact, (text, box, contact)
    watched.screenshot("18-related-handoff")

    # Nothing related: no list, no caption.
    body = ask_for_body(page, NO_FAQ_QUESTION)
    assert body["outcome"] == Outcome.HANDOFF
    assert related_questions(body) == []
    expect(bot_messages(page, "handoff")).to_have_count(2)
    unrelated = bot_messages(page, "handoff").last
    expect(unrelated.locator(".tfw-contact")).to_be_visible()
    expect(unrelated.locator(".tfw-related-box")).to_have_count(0)
    expect(unrelated.get_by_role("list")).to_have_count(0)

    # In English: the caption is English, the FAQ questions stay Japanese; pressing one answers it.
    page.get_by_role("button", name="English").click()
    body = ask_for_body(page, asked)
    assert body["outcome"] == Outcome.HANDOFF
    expected = related_questions(body)
    assert expected
    english = bot_messages(page, "handoff").last
    expect(english.locator(".tfw-related-caption")).to_have_text("Related FAQs")
    links = english.get_by_role("list", name="Related FAQs").get_by_role("button")
    # This town wrote no English: each Japanese question is tagged for the English reader.
    expect(links).to_have_text([f"{question} Japanese only" for question in expected])
    expect(links.first).to_have_attribute("lang", "ja")
    watched.screenshot("19-related-handoff-en")
    links.first.click()
    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    expect(answer.locator(".tfw-faq-title")).to_have_text(expected[0])
    for link in links.all():
        expect(link).to_be_disabled()

    assert watched.chat_requests[-1].body["faq_id"] == body["related"][0]["faq_id"]
    assert watched.chat_requests[-1].body["lang"] == "en"
    assert_turns(4, watched)
    assert list(Turn.objects.order_by("created_at").values_list("outcome", flat=True)) == [
        Outcome.HANDOFF,
        Outcome.HANDOFF,
        Outcome.HANDOFF,
        Outcome.ANSWER,
    ]

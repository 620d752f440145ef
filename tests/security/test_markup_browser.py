"""Hostile markup never executes in the widget, the public FAQ page, the admin or the analytics dashboard.

Debian's Chromium under Playwright (tests/browser.py; a missing browser fails, it never skips) opens pages
of pytest-django's live server under the site's real Content-Security-Policy. The markup corpus
(tests/security/support_markup.py) goes in where text belongs:

1. residents' questions, typed into the chat widget;
2. FAQ questions and answers, shown by the widget and on the public FAQ page /faq/<id>/;
3. LLM output: the fake OpenAI-compatible server's scripted replies, refused by the checks or shown as text;
4. the staff pages: the admin turn log (list and a turn's page), the analytics dashboard after
   `aggregate_month` (the hostile questions become its groups), a change request's detail page, the change
   request list and the FAQ's admin page.

On every page: no payload script ran (`window.__pwned` stays undefined, no dialog opened), no element or
attribute from a payload is in the DOM, no CSP violation, console error or server error was recorded
(tests/chatbot/widget_support.py's watched page), and the hostile text is there to read, as text.
Screenshots go to var/test-artifacts/security/.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from analytics.aggregation import aggregate_month
from analytics.months import current_month
from changeflow import services as changeflow
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.models import Channel, Composer, FailureClass, Turn
from chatbot.pipeline import turn_ask
from faq.models import Faq
from faq.retrieval.index import index_rebuild
from faq.selectors import today_local
from tests.browser import chromium
from tests.changeflow.conftest import editor_create
from tests.chatbot import conftest as chat_fixtures
from tests.chatbot.llm import conftest as llm_fixtures
from tests.chatbot.widget_support import WatchedPage, ask, log, widget_open
from tests.factories import FaqFactory
from tests.security.support_markup import MARKUP_CORPUS, chunks, nothing_ran, screenshot, watch

# The fixtures of the chat and LLM tests, used here as they are.
town = chat_fixtures.town
indexed_town = chat_fixtures.indexed_town
reception = chat_fixtures.reception
builtin_gate = chat_fixtures.builtin_gate
fake_server = llm_fixtures.fake_server
fake = llm_fixtures.fake
prompt_v1 = llm_fixtures.prompt_v1
llm_switch = llm_fixtures.llm_switch
llm = llm_fixtures.llm
fresh_llm_client = llm_fixtures.fresh_llm_client

TEXTS = [item.text for item in MARKUP_CORPUS]
# What residents type: the corpus in as few questions as the widget's 500-character limit allows.
QUESTIONS = chunks(TEXTS, 480)
FAQ_LEADS = (
    ("図書館の開館時間を知りたい。", "図書館は9時から19時まで開館しています。"),
    ("町営プールの利用料を知りたい。", "町営プールの利用料は1回300円です。"),
    ("公民館の会議室を予約したい。", "公民館の会議室は利用日の1か月前から予約できます。"),
)
LLM_QUESTION = "粗大ごみの収集を申し込みたい"
REFUSED_KINDS = ("html", "breakout", "style", "markdown", "pdf")
# Hostile replies the reply checks let through (no markup, number, URL or foreign language): shown as text.
PASSING_REPLIES = (
    "&lt;img src=x onerror=window['_'+'_pwned']=true&gt;",
    "{{constructor.constructor(\"window['_'+'_pwned']=true\")()}}",
    "javascript:window['_'+'_pwned']=true",
    "${alert(document.domain)} {% debug %}",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module, each test in its own profile; Playwright's loop needs DJANGO_ALLOW_ASYNC_UNSAFE."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with chromium() as launched:
            yield launched


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    cache.clear()  # this minute's chat allowance for 127.0.0.1
    opened = watch(browser)
    yield opened
    opened.context.close()


def check_page(watched: WatchedPage, live_server: LiveServer, name: str, *readable: str) -> list[str]:
    """What went wrong on the page now shown: payload effects, and hostile texts that are not there to read."""
    page = watched.page
    problems = [f"{name}: {problem}" for problem in nothing_ran(page, live_server.url)]
    text = page.locator("body").inner_text()
    problems += [f"{name}: not shown as text: {item[:60]!r}" for item in readable if item not in text]
    screenshot(watched, name)
    return problems


def goto(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]


def replies(page: Page) -> int:
    return log(page).locator(".tfw-bot:not(.tfw-pending)").count()


def widget_ask(page: Page, question: str) -> None:
    """Ask in the widget and wait for the bot's reply."""
    before = replies(page)
    ask(page, question)
    expect(log(page).locator(".tfw-bot:not(.tfw-pending)")).to_have_count(before + 1)


def hostile_faqs(town: dict[str, Faq]) -> list[Faq]:
    """Three published FAQs with the corpus spread over their questions and answers."""
    department = town["R-003"].department
    faqs = []
    for number, (question, lead) in enumerate(FAQ_LEADS):
        payloads = TEXTS[number :: len(FAQ_LEADS)]
        faqs.append(
            FaqFactory.create(
                external_id=f"X-{number + 1}",
                department=department,
                question=f"{question}{payloads[0]}",
                answer=" ".join([lead, *payloads]),
            )
        )
    return faqs


def log_in(watched: WatchedPage, live_server: LiveServer, user: User) -> None:
    """The staff member's session in the browser profile (as after the admin login form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    watched.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


# 1 and 2: residents' questions, and FAQ texts in the widget and on the FAQ page ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_hostile_questions_and_faq_texts_are_shown_as_text_in_the_widget_and_on_the_faq_page(
    live_server: LiveServer, town: dict[str, Faq], watched: WatchedPage
) -> None:
    faqs = hostile_faqs(town)
    index_rebuild()
    page = watched.page
    goto(page, f"{live_server.url}/")
    widget_open(page)

    for faq in faqs:
        widget_ask(page, faq.question)
        answer = log(page).locator(".tfw-answer").last
        expect(answer.locator(".tfw-faq-title")).to_have_text(faq.question)
        expect(answer.locator(".tfw-text")).to_have_text(faq.answer)
    for question in QUESTIONS:
        widget_ask(page, question)
    user_texts = log(page).locator(".tfw-user .tfw-text").all_inner_texts()
    assert user_texts == [faq.question for faq in faqs] + QUESTIONS
    problems = check_page(watched, live_server, "markup-01-widget", *TEXTS)
    assert Turn.objects.filter(channel=Channel.WEB).count() == len(faqs) + len(QUESTIONS)

    for number, faq in enumerate(faqs, start=1):
        goto(page, f"{live_server.url}/faq/{faq.pk}/")
        expect(page.locator("article.faq h1")).to_have_text(faq.question)
        expect(page.locator("article.faq .answer")).to_have_text(faq.answer)
        assert page.title().startswith(faq.question)
        problems += check_page(watched, live_server, f"markup-02-faq-page-{number}", faq.question, faq.answer)

    assert problems == []
    assert watched.problems == []


# 3: LLM output -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_hostile_llm_output_is_refused_or_shown_as_text(
    live_server: LiveServer, indexed_town: dict[str, Faq], llm: FakeLlm, watched: WatchedPage
) -> None:
    faq = indexed_town["R-001"]
    first = faq.answer.split("。")[0] + "。"
    # The corpus without digits (a number not in the FAQ is refused before anything else is looked at).
    tags = [re.sub(r"\d", "", item.text) for item in MARKUP_CORPUS if item.kind in REFUSED_KINDS]
    others = [re.sub(r"\d", "", item.text) for item in MARKUP_CORPUS if item.kind not in REFUSED_KINDS]
    refused = [f"{first}{payload} [S1]" for payload in chunks(tags, 250)]
    maybe = [f"{first}{payload} [S1]" for payload in [*chunks(others, 250), *PASSING_REPLIES]]
    llm.script(*(Behaviour(text=text) for text in refused + maybe))
    page = watched.page
    goto(page, f"{live_server.url}/")
    widget_open(page)

    for _reply in refused + maybe:
        widget_ask(page, LLM_QUESTION)

    turns = list(Turn.objects.order_by("created_at"))
    assert len(turns) == len(refused) + len(maybe)
    assert llm.calls == len(turns)
    # What the widget shows is what the turn log says was shown.
    assert log(page).locator(".tfw-answer .tfw-text").all_inner_texts() == [turn.answer for turn in turns]
    # HTML, Markdown and the PDF library's tags are refused (as markup, or for the link they carry): the FAQ's own
    # text is shown.
    assert [(turn.composer, turn.failure_class) for turn in turns[: len(refused)]] == [
        (Composer.EXTRACTIVE, FailureClass.LLM_INVALID_OUTPUT)
    ] * len(refused)
    assert {turn.llm.get("check") for turn in turns[: len(refused)]} <= {"markup", "numbers"}
    assert all(turn.answer == faq.answer for turn in turns[: len(refused)])
    # Entities, template syntax, formulas and script-looking text may pass the checks: then they are plain text.
    for turn, text in zip(turns[len(refused) :], maybe, strict=True):
        assert turn.answer in (faq.answer, text.replace(" [S1]", "").strip())
    shown_by_llm = [turn.answer for turn in turns if turn.composer == Composer.LLM]
    # Some hostile-looking replies pass every check (the stricter link check refuses those that look like
    # domain names), so the page really shows LLM text carrying hostile markup, as text.
    assert len(shown_by_llm) >= 2
    problems = check_page(watched, live_server, "markup-03-widget-llm", *shown_by_llm)

    assert problems == []
    assert watched.problems == []
    assert page.locator(".tfw-llm-note").count() == len(shown_by_llm)


# 4: the staff pages --------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_hostile_text_in_the_turn_log_dashboard_and_change_requests_never_runs(
    live_server: LiveServer, town: dict[str, Faq], llm: FakeLlm, watched: WatchedPage
) -> None:
    faqs = hostile_faqs(town)
    index_rebuild()
    # Residents asked the corpus; one got a model reply the checks let through; one picked a hostile FAQ and got
    # its own text (never the model's reply with a link).
    for question in QUESTIONS:
        turn_ask(question=question, channel=Channel.WEB)
    sodai = town["R-001"]
    llm.script(Behaviour(text=f"{sodai.answer.split('。')[0]}。{PASSING_REPLIES[0]} [S1]"))
    passed = turn_ask(question=sodai.question, channel=Channel.WEB, chosen_faq=sodai.pk)
    assert (passed["composer"], PASSING_REPLIES[0] in passed["answer"]) == (Composer.LLM, True)
    llm.script(Behaviour(text=f"{faqs[0].answer.split('。')[0]}。 https://evil.example/<script>x</script> [S1]"))
    answered = turn_ask(question=faqs[0].question, channel=Channel.WEB, chosen_faq=faqs[0].pk)
    assert answered["answer"] == faqs[0].answer
    handed_off = Turn.objects.filter(question=QUESTIONS[0]).first()
    assert handed_off is not None
    aggregate = aggregate_month(current_month())
    groups = list(aggregate.clusters.order_by("rank"))
    assert groups, "no group of unanswered questions"
    # A department editor's change request with hostile texts, waiting for review.
    department = faqs[0].department
    assert department is not None
    editor = editor_create(department, "markup_browser_editor")
    change = changeflow.change_create(
        user=editor,
        kind=ChangeKind.FREE_TEXT,
        department=department,
        title=TEXTS[0] + TEXTS[18],
        effective_date=today_local(),
        reason="\n".join(TEXTS[:20]),
        items=[ItemDraft(faqs[1], f"{faqs[1].question}{TEXTS[20]}", f"{faqs[1].answer} {TEXTS[21]}")],
        submit=True,
    )
    admin = User.objects.create_superuser("markup-browser-admin", "markup-admin@example.jp", "pw-markup-admin")
    log_in(watched, live_server, admin)
    page = watched.page
    base = live_server.url
    problems: list[str] = []
    pages: list[tuple[str, str, tuple[Any, ...]]] = [
        ("markup-04-turn-log", "/admin/chatbot/turn/", (QUESTIONS[0], QUESTIONS[-1])),
        ("markup-05-turn-question", f"/admin/chatbot/turn/{handed_off.pk}/change/", (QUESTIONS[0],)),
        ("markup-06-turn-faq-answer", f"/admin/chatbot/turn/{answered['turn_id']}/change/", (faqs[0].question,)),
        ("markup-07-turn-llm-reply", f"/admin/chatbot/turn/{passed['turn_id']}/change/", (PASSING_REPLIES[0],)),
        (
            "markup-08-dashboard",
            f"/admin/analytics/monthlyaggregate/?month={current_month():%Y-%m}",
            tuple(group.representative for group in groups[:5]),
        ),
        ("markup-09-change-request", f"/changes/{change.pk}/", (TEXTS[0], TEXTS[5], TEXTS[18])),
        ("markup-10-change-list", "/changes/?status=", (TEXTS[0],)),
        ("markup-11-faq-admin", f"/admin/faq/faq/{faqs[2].pk}/change/", ()),
    ]
    for name, path, readable in pages:
        goto(page, f"{base}{path}")
        if name == "markup-08-dashboard":
            for details in page.locator("#an-groups details").all():
                details.locator("summary").first.click()  # open every group's wordings and forms
        problems += check_page(watched, live_server, name, *readable)

    # Form fields hold the hostile texts as their values (not broken out of the attribute or the textarea).
    goto(page, f"{base}/changes/{change.pk}/")
    item = change.items.get()
    expect(page.locator(f"#q-{item.pk}")).to_have_value(item.new_question)
    expect(page.locator(f"#a-{item.pk}")).to_have_value(item.new_answer)
    goto(page, f"{base}/admin/faq/faq/{faqs[2].pk}/change/")
    expect(page.locator("#id_question")).to_have_value(faqs[2].question)
    expect(page.locator("#id_answer")).to_have_value(faqs[2].answer)
    problems += check_page(watched, live_server, "markup-12-faq-admin-fields")

    assert problems == []
    assert watched.problems == []

"""The resident's chat widget in English mode, in a real browser against the real API.

As in test_widget_browser.py: Debian's Chromium (under Playwright) opens the
town's home page from the live server, with the site's Content-Security-Policy;
the widget asks /api/v1/chat, which searches a real index (both encoders) of the
small town's FAQs. Here some of those FAQs and departments have the town's English
texts: an English resident gets the English where there is some, and where there
is none the Japanese answer under a line in English saying so (or, with an LLM,
a labelled machine translation). Every test checks one turn row per question
and, on teardown, no script error, CSP violation or server error. Screenshots
are kept in var/test-artifacts/widget/.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from chatbot.llm import client
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.models import GateConfig, MachineTranslation, Outcome, TranslationStatus, Turn
from chatbot.pipeline import turn_ask
from faq.models import Department, Faq
from faq.retrieval.index import index_rebuild
from tests.chatbot.widget_support import (
    WIDGET_GATE,
    WatchedPage,
    ask,
    ask_for_body,
    assert_turns,
    bot_messages,
    gate_use,
    home,
    log,
    order_in,
    widget_open,
)


def department_of(faq: Faq) -> Department:
    assert faq.department is not None
    return faq.department


# The town's English texts for three FAQs (R-001 and R-002 are the two a vague question about rubbish is asked
# which of; R-008 is answered by its English question word for word). The other FAQs have none.
ENGLISH_FAQS = {
    "R-001": (
        "How do I apply for bulky waste collection?",
        "Large furniture and appliances that do not fit in a designated rubbish bag, such as chests of drawers, beds "
        "and bicycles, are bulky waste. Apply to the Environment Division by phone, buy a disposal ticket and stick "
        "it on the item.",
    ),
    "R-002": (
        "How do I put out household waste?",
        "Sort household waste into burnable, non-burnable and recyclable, and put it out at your collection point "
        "by 8:30 in the morning on your area's collection day. The collection days are on the waste calendar.",
    ),
    "R-008": (
        "How do I register my dog?",
        "Register a dog aged 91 days or older at the Environment Division within 30 days of getting it, and have it "
        "vaccinated against rabies every year.",
    ),
}
ENVIRONMENT_EN = {
    "name_en": "Environment Division",
    "window_en": "Main Building 2F, Window 5",
    "hours_en": "Weekdays 8:30-17:15",
}
RESIDENTS_EN = {
    "name_en": "Residents Division",
    "window_en": "Main Building 1F, Windows 1 and 2",
    "hours_en": "Weekdays 8:30-17:15",
}
# The general reception has English window and hours, but no English closed days yet (the Japanese are shown).
RECEPTION_EN = {"window_en": "Main Building 1F, General Reception", "hours_en": "Weekdays 8:30-17:15"}

# Questions, best first, that should leave the resident choosing between in English mode.
VAGUE_QUESTIONS = ["I want to put out garbage", "ごみを出したい"]
OUT_OF_SCOPE = "What's the weather tomorrow?"
# With R-002's English indexed, the weather question's top score (household waste, about 0.17) passes the widget
# gate's department cut-off (0.15) and would name the Environment Division; this gate names a department only when
# its FAQ is clearly near, so the question goes to the general reception.
RECEPTION_GATE = {**WIDGET_GATE, "department_score": 0.3}
# R-009 (印鑑登録) has no English: asked word for word in Japanese, it is answered in Japanese.
NO_ENGLISH = "R-009"
SEAL_TRANSLATION = {
    "question": "I want to register a personal seal.",
    "answer": "To register a personal seal (印鑑登録), bring the seal and an identity document to the Residents "
    "Division (住民課) window. The registration card (登録証) is issued on the same day.",
}


@pytest.fixture
def english_town(indexed_town: dict[str, Faq], reception: Department, builtin_gate: GateConfig) -> dict[str, Faq]:
    """The small town with the English texts above, re-indexed (the English questions are searched too), and the
    widget's clear-cut gate."""
    for external_id, (question_en, answer_en) in ENGLISH_FAQS.items():
        Faq.objects.filter(external_id=external_id).update(question_en=question_en, answer_en=answer_en)
    Department.objects.filter(code="KANKYO").update(**ENVIRONMENT_EN)
    Department.objects.filter(code="JUMIN").update(**RESIDENTS_EN)
    Department.objects.filter(pk=reception.pk).update(**RECEPTION_EN)
    index_rebuild()
    gate_use(WIDGET_GATE)
    return {str(faq.external_id): faq for faq in Faq.objects.select_related("department")}


@pytest.fixture
def translator(settings: Settings) -> Iterator[FakeLlm]:
    """An LLM (the real local fake OpenAI-compatible server) for just-in-time English; answers stay extractive."""
    server = FakeLlm().start()
    settings.LLM_BASE_URL = server.url
    settings.LLM_API_KEY = ""
    settings.LLM_MODEL = "fake"
    settings.LLM_TIMEOUT_SECONDS = 2.0
    settings.LLM_DEADLINE_SECONDS = 4.0
    client.reset()
    try:
        yield server
    finally:
        client.reset()
        server.stop()


def english_on(page: Page) -> None:
    english = page.get_by_role("button", name="English")
    english.click()
    expect(english).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".tfw-root")).to_have_attribute("lang", "en")


def contact_rows(card: Locator) -> list[tuple[str, str, str]]:
    """The contact card's rows as a reader gets them: label, value, and the value's lang attribute."""
    rows = card.locator("dl").evaluate(
        "dl => [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent,"
        " dt.nextElementSibling.lang])"
    )
    return [tuple(row) for row in rows]


def clarifying_question(town: dict[str, Faq]) -> str:
    """The first vague question the real pipeline (no turn logged) asks back about, offering R-001 and R-002."""
    wanted = {town["R-001"].pk, town["R-002"].pk}
    for question in VAGUE_QUESTIONS:
        response = turn_ask(question=question, lang="en", log=False)
        if response["outcome"] == Outcome.CLARIFY and wanted <= {c["faq_id"] for c in response.get("choices", [])}:
            return question
    raise AssertionError(f"none of {VAGUE_QUESTIONS} clarifies between R-001 and R-002")


def assert_english_answer(answer: Locator, faq: Faq) -> None:
    """The FAQ's English question and answer, marked English, with no line about the language and no label."""
    expect(answer.locator(".tfw-faq-title")).to_have_text(faq.question_en)
    expect(answer.locator(".tfw-faq-title")).to_have_attribute("lang", "en")
    expect(answer.locator(".tfw-text")).to_have_text(faq.answer_en)
    expect(answer.locator(".tfw-text")).to_have_attribute("lang", "en")
    expect(answer.locator(".tfw-notice")).to_have_count(0)
    expect(answer.locator(".tfw-machine-label")).to_have_count(0)


# (a) an FAQ with English text -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Other tests in this process may have used this minute's request allowance for 127.0.0.1."""
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_faq_with_english_is_answered_in_english_and_in_japanese_mode_in_japanese(
    live_server: LiveServer, english_town: dict[str, Faq], watched: WatchedPage
) -> None:
    dog = english_town["R-008"]
    page = home(watched, live_server)
    widget_open(page)
    english_on(page)

    body = ask_for_body(page, dog.question_en)
    assert (body["outcome"], body["answer_lang"]) == (Outcome.ANSWER, "en")
    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    assert_english_answer(answer, dog)
    expect(answer.locator(".tfw-llm-note")).to_have_count(0)
    card = answer.locator(".tfw-contact")
    expect(card.locator(".tfw-contact-caption")).to_have_text("Contact")
    expect(card.locator(".tfw-department")).to_have_text("Environment Division")
    assert contact_rows(card) == [
        ("Phone", department_of(dog).phone, ""),
        ("Window", "Main Building 2F, Window 5", "en"),
        ("Hours", "Weekdays 8:30-17:15", "en"),
    ]
    expect(log(page).locator(".tfw-user")).to_have_text(f"You: {dog.question_en}")
    watched.screenshot("en-01-answer-english")

    # Back in Japanese the same FAQ is the town's Japanese text, as before English existed.
    page.get_by_role("button", name="日本語").click()
    expect(page.locator(".tfw-root")).to_have_attribute("lang", "ja")
    ask(page, dog.question)
    japanese = bot_messages(page, "answer").last
    expect(bot_messages(page, "answer")).to_have_count(2)
    expect(japanese.locator(".tfw-faq-title")).to_have_text(dog.question)
    expect(japanese.locator(".tfw-faq-title")).to_have_attribute("lang", "ja")
    expect(japanese.locator(".tfw-text")).to_have_text(dog.answer)
    expect(japanese.locator(".tfw-text")).to_have_attribute("lang", "ja")
    expect(japanese.locator(".tfw-notice")).to_have_count(0)
    expect(japanese.locator(".tfw-department")).to_have_text("環境課")
    assert contact_rows(japanese.locator(".tfw-contact")) == [
        ("電話", department_of(dog).phone, ""),
        ("窓口", department_of(dog).window, "ja"),
        ("受付時間", department_of(dog).hours, "ja"),
    ]

    assert [request.body["lang"] for request in watched.chat_requests] == ["en", "ja"]
    assert_turns(2, watched)
    assert list(Turn.objects.order_by("created_at").values_list("lang", "outcome")) == [
        ("en", Outcome.ANSWER),
        ("ja", Outcome.ANSWER),
    ]


# (b) clarify: the choices in English, the chosen one answered in English --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_choices_are_the_english_questions_and_the_chosen_one_is_answered_in_english(
    live_server: LiveServer, english_town: dict[str, Faq], watched: WatchedPage
) -> None:
    bulky, household = english_town["R-001"], english_town["R-002"]
    vague = clarifying_question(english_town)
    page = home(watched, live_server)
    widget_open(page)
    english_on(page)

    body = ask_for_body(page, vague)
    assert body["outcome"] == Outcome.CLARIFY
    clarify = bot_messages(page, "clarify")
    expect(clarify).to_have_count(1)
    expect(clarify.locator(".tfw-text")).to_have_text("Which of these do you mean?")
    choices = clarify.get_by_role("list", name="Possible questions").get_by_role("button")
    # Each choice in English where the town wrote it (marked so), else its Japanese question (marked Japanese).
    expected = []
    for entry in body["choices"]:
        faq = Faq.objects.get(pk=entry["faq_id"])
        expected.append((faq.question_en, "en") if faq.has_english else (faq.question, "ja"))
    assert [(entry["question"], entry["lang"]) for entry in body["choices"]] == expected
    # A Japanese-only choice carries a "Japanese only" tag for the English reader.
    expect(choices).to_have_text([q if lang == "en" else f"{q} Japanese only" for q, lang in expected])
    assert [choice.get_attribute("lang") for choice in choices.all()] == [lang for _question, lang in expected]
    assert {(bulky.question_en, "en"), (household.question_en, "en")} <= set(expected)
    watched.screenshot("en-02-clarify")

    clarify.get_by_role("button", name=household.question_en).click()
    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    assert_english_answer(answer, household)
    expect(answer.locator(".tfw-department")).to_have_text("Environment Division")
    expect(log(page).locator(".tfw-user").last).to_have_text(f"You: {household.question_en}")
    for choice in choices.all():
        expect(choice).to_be_disabled()
    expect(clarify.get_by_role("button", name=household.question_en)).to_have_attribute("aria-pressed", "true")
    watched.screenshot("en-03-clarify-answered")

    first, picked = watched.chat_requests
    assert first.body["question"] == vague
    assert (picked.body["question"], picked.body["faq_id"], picked.body["lang"]) == (
        household.question_en,
        household.pk,
        "en",
    )
    assert_turns(2, watched)
    assert list(Turn.objects.order_by("created_at").values_list("outcome", flat=True)) == [
        Outcome.CLARIFY,
        Outcome.ANSWER,
    ]


# (c) handoff: the general reception's card in English ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_out_of_scope_question_shows_the_reception_card_in_english(
    live_server: LiveServer, english_town: dict[str, Faq], reception: Department, watched: WatchedPage
) -> None:
    gate_use(RECEPTION_GATE)
    page = home(watched, live_server)
    widget_open(page)
    english_on(page)

    body = ask_for_body(page, OUT_OF_SCOPE)
    assert body["outcome"] == Outcome.HANDOFF
    handoff = bot_messages(page, "handoff")
    expect(handoff).to_have_count(1)
    expect(handoff.locator(".tfw-text")).to_contain_text("Please contact General Reception")
    card = handoff.locator(".tfw-contact")
    expect(card.locator(".tfw-contact-caption")).to_have_text("Contact")
    expect(card.locator(".tfw-department")).to_have_text("General Reception")
    expect(card.locator(".tfw-department")).not_to_have_attribute("lang", "ja")
    expect(card.get_by_role("link", name=reception.phone)).to_have_attribute("href", "tel:0000111000")
    # No English closed days yet: the Japanese ones, marked Japanese for screen readers.
    assert contact_rows(card) == [
        ("Phone", reception.phone, ""),
        ("Window", "Main Building 1F, General Reception", "en"),
        ("Hours", "Weekdays 8:30-17:15", "en"),
        ("Closed", reception.closed_days, "ja"),
    ]
    watched.screenshot("en-04-handoff")

    assert_turns(1, watched)
    assert Turn.objects.get().outcome == Outcome.HANDOFF


# (d) an FAQ without English: the Japanese answer under a line in English ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_faq_without_english_shows_the_japanese_answer_under_an_english_notice(
    live_server: LiveServer, english_town: dict[str, Faq], watched: WatchedPage
) -> None:
    seal = english_town[NO_ENGLISH]
    assert not seal.has_english
    page = home(watched, live_server)
    widget_open(page)
    english_on(page)

    body = ask_for_body(page, seal.question)
    assert (body["outcome"], body["answer_lang"]) == (Outcome.ANSWER, "ja")
    assert "translation" not in body
    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    notice = answer.locator(".tfw-notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(body["notice"])
    expect(notice).to_have_attribute("lang", "en")
    expect(notice).to_contain_text("This answer is available in Japanese only for now.")
    expect(notice).to_contain_text("Residents Division")
    expect(notice).to_contain_text("Main Building 1F, Windows 1 and 2")
    # Set apart from the answer, and read first: above the FAQ's question and its answer.
    expect(notice).to_have_css("border-left-style", "solid")
    assert notice.evaluate("n => getComputedStyle(n).backgroundColor") != answer.evaluate(
        "n => getComputedStyle(n).backgroundColor"
    )
    first, title, text = order_in(answer, ".tfw-notice", ".tfw-faq-title", ".tfw-text")
    assert -1 < first < title < text, (first, title, text)
    expect(answer.locator(".tfw-faq-title")).to_have_text(seal.question)
    expect(answer.locator(".tfw-faq-title")).to_have_attribute("lang", "ja")
    expect(answer.locator(".tfw-text")).to_have_text(seal.answer)
    expect(answer.locator(".tfw-text")).to_have_attribute("lang", "ja")
    expect(answer.locator(".tfw-machine-label")).to_have_count(0)
    card = answer.locator(".tfw-contact")
    expect(card.locator(".tfw-department")).to_have_text("Residents Division")
    assert contact_rows(card) == [
        ("Phone", department_of(seal).phone, ""),
        ("Window", "Main Building 1F, Windows 1 and 2", "en"),
        ("Hours", "Weekdays 8:30-17:15", "en"),
    ]
    watched.screenshot("en-05-japanese-only")

    assert_turns(1, watched)
    turn = Turn.objects.get()
    assert (turn.lang, turn.outcome) == ("en", Outcome.ANSWER)
    assert turn.untranslated_faqs == [seal.pk]


@pytest.mark.django_db(transaction=True)
def test_a_japanese_only_choice_is_tagged_for_the_english_reader(
    live_server: LiveServer, english_town: dict[str, Faq], watched: WatchedPage
) -> None:
    seal = english_town[NO_ENGLISH]
    # A gate that never answers outright: the FAQ asked word for word is offered as the first choice.
    gate_use({**WIDGET_GATE, "answer_score": 1.1})
    page = home(watched, live_server)
    widget_open(page)
    english_on(page)

    # Not word for word (a question that is one of an FAQ's own questions is that FAQ: answered whatever the gate).
    body = ask_for_body(page, "印鑑登録をしたいのですが")
    assert body["outcome"] == Outcome.CLARIFY
    position = [entry["faq_id"] for entry in body["choices"]].index(seal.pk)
    assert body["choices"][position]["lang"] == "ja"
    choice = bot_messages(page, "clarify").get_by_role("button").nth(position)
    expect(choice).to_have_attribute("lang", "ja")
    tag = choice.locator(".tfw-ja-only")
    expect(tag).to_have_text("Japanese only")
    expect(tag).to_have_attribute("lang", "en")
    watched.screenshot("en-06-japanese-only-choice")


# With an LLM: a checked machine translation, labelled -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_machine_translation_is_labelled_with_its_notice(
    live_server: LiveServer, english_town: dict[str, Faq], translator: FakeLlm, watched: WatchedPage
) -> None:
    seal = english_town[NO_ENGLISH]
    translator.script(Behaviour(text=json.dumps(SEAL_TRANSLATION, ensure_ascii=False), kind="translation"))
    page = home(watched, live_server)
    widget_open(page)
    english_on(page)

    body: dict[str, Any] = ask_for_body(page, seal.question)
    assert (body["outcome"], body["answer_lang"], body.get("translation")) == (Outcome.ANSWER, "en", "machine")
    answer = bot_messages(page, "answer")
    expect(answer).to_have_count(1)
    notice = answer.locator(".tfw-notice")
    expect(notice).to_have_text(body["notice"])
    expect(notice).to_contain_text("This answer is a machine translation")
    expect(notice).to_have_attribute("lang", "en")
    expect(answer.locator(".tfw-machine-label")).to_have_text("Machine translation")
    expect(answer.locator(".tfw-machine-label")).to_be_visible()
    expect(answer.locator(".tfw-text")).to_have_text(SEAL_TRANSLATION["answer"])
    expect(answer.locator(".tfw-text")).to_have_attribute("lang", "en")
    # A translation, not a summary: no "shortened by AI" note.
    expect(answer.locator(".tfw-llm-note")).to_have_count(0)
    notice_at, label, text = order_in(answer, ".tfw-notice", ".tfw-machine-label", ".tfw-text")
    assert -1 < notice_at < label < text, (notice_at, label, text)
    watched.screenshot("en-06-machine-translation")

    assert MachineTranslation.objects.get(faq=seal).status == TranslationStatus.PROPOSED
    assert_turns(1, watched)

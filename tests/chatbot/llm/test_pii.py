"""No personal data leaves the process: what the model receives is the redacted question, never the original."""

import json

import pytest

from chatbot.llm.fake import FakeLlm
from chatbot.llm.prompts import PROMPT_V1
from chatbot.models import Composer, Turn
from chatbot.pipeline import turn_ask
from chatbot.privacy import PLACEHOLDERS
from faq.models import Faq
from faq.retrieval.text import mostly_latin
from tests.chatbot.llm.support import user_data
from tests.chatbot.pii_corpus import CORPUS, PiiCase
from tests.faq.retrieval.conftest import TOWN_FAQS

PREFIX = "住民票の写しを取りたい。"
# Text every request carries anyway (the instructions, the FAQ, the JSON keys): a personal item found in it
# would prove nothing.
BASELINE = PROMPT_V1 + "".join(question + answer for _id, _dept, question, answer, _alt in TOWN_FAQS)
BASELINE += '"model" "fake" "messages" "role" "system" "user" "content" "question" "lang" "snippets" "faq" "text"'
BASELINE += '"max_tokens": 600, "temperature": 0.0, "stream": false'


def _sample() -> list[PiiCase]:
    step = len(CORPUS) // 40
    return [case for case in CORPUS[::step] if not any(item in BASELINE for item, _kind in case.items)]


SAMPLE = _sample()


def forms(item: str) -> set[str]:
    """The item as it would appear in a JSON body: as is, \\u-escaped, and escaped without ASCII escaping."""
    return {item, json.dumps(item)[1:-1], json.dumps(item, ensure_ascii=False)[1:-1]}


def assert_no_personal_data(raw_requests: list[bytes], case: PiiCase) -> None:
    assert raw_requests, "nothing was sent"
    for raw in raw_requests:
        body = raw.decode("utf-8")
        for item, kind in case.items:
            for form in forms(item):
                assert form not in body, (kind, form)


def test_the_sample_covers_every_kind_of_personal_data() -> None:
    assert len(SAMPLE) >= 35
    assert {kind for case in SAMPLE for _item, kind in case.items} == set(PLACEHOLDERS)


def ask_picked(faq: Faq, llm: FakeLlm, question: str, case: PiiCase) -> None:
    """Ask with the FAQ picked from the choices (the model is asked whatever the gate made of the text)."""
    before = llm.calls

    response = turn_ask(question=question, chosen_faq=faq.pk)

    assert response["outcome"] == "answer", response["outcome"]
    # One reply composed from the FAQ (an English question about an FAQ without English may also have had the FAQ
    # translated, once per FAQ version: that sends the FAQ's texts, never the question).
    assert llm.calls == before + 1
    assert_no_personal_data(llm.all_raw_requests, case)
    sent = user_data(llm.requests[-1])["question"]
    for _item, kind in case.items:
        assert PLACEHOLDERS[kind] in sent, (kind, sent)
    assert sent == Turn.objects.get(pk=response["turn_id"]).question  # what is stored is what is sent


JAPANESE = [case for case in SAMPLE if not mostly_latin(case.text)]
ENGLISH = [case for case in SAMPLE if mostly_latin(case.text)]


@pytest.mark.django_db
@pytest.mark.parametrize("case", JAPANESE, ids=[f"{n:02d}-{case.items[0][1]}" for n, case in enumerate(JAPANESE)])
def test_personal_data_in_an_answerable_question_never_reaches_the_model(
    town: dict[str, Faq], llm: FakeLlm, case: PiiCase
) -> None:
    ask_picked(town["R-003"], llm, PREFIX + case.text, case)


@pytest.mark.django_db
def test_personal_data_in_english_questions_never_reaches_the_model(indexed_town: dict[str, Faq], llm: FakeLlm) -> None:
    assert len(ENGLISH) >= 5
    for case in ENGLISH:
        ask_picked(indexed_town["R-003"], llm, f"How do I get a copy of my residence certificate? {case.text}", case)


NATURAL = [
    "住民票の写しを取りたい。電話は090-1234-5678です",
    "印鑑登録をしたい。山田太郎と申します",
    "印鑑登録をしたい。生年月日は1985年4月1日です",
    "水道の使用を開始したい。住所は本町2丁目3番4号、電話03-1234-5678",
]
NATURAL_ITEMS = ["090-1234-5678", "山田太郎", "1985年4月1日", "2丁目3番4号", "03-1234-5678"]


@pytest.mark.django_db
def test_personal_data_in_questions_the_gate_answers_never_reaches_the_model(
    indexed_town: dict[str, Faq], llm: FakeLlm
) -> None:
    responses = [turn_ask(question=question) for question in NATURAL]

    assert [r["outcome"] for r in responses] == ["answer"] * len(NATURAL)
    assert [r["composer"] for r in responses] == [Composer.LLM] * len(NATURAL)
    assert llm.calls == len(NATURAL)
    everything = b"\n".join(llm.raw_requests).decode("utf-8")
    for item in NATURAL_ITEMS:
        for form in forms(item):
            assert form not in everything, form
    questions = [user_data(body)["question"] for body in llm.requests]
    for placeholder in ("［電話番号］", "［氏名］", "［生年月日］", "［住所］"):
        assert any(placeholder in question for question in questions), placeholder
    # Nor does it come back: the answers are the grounded replies.
    for response in responses:
        assert not any(item in response["answer"] for item in NATURAL_ITEMS)

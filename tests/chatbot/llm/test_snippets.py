"""Just-in-time context: the few passages of the answered FAQ that bear on the question, within the budget."""

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm.fake import FakeLlm
from chatbot.llm.snippets import PASSAGE_CHARS, Snippet, passages, select
from chatbot.pipeline import turn_ask
from faq.models import Faq
from faq.retrieval.text import normalize
from tests.chatbot.llm.support import user_data
from tests.factories import FaqFactory


def block(sentence: str) -> str:
    """One topic: the sentence repeated as often as one passage holds it."""
    assert sentence.endswith("。")
    return sentence * ((PASSAGE_CHARS - 1) // len(sentence))


# Six topics, each one passage of 280-300 characters (the next sentence never fits in the same passage).
TOPICS = [
    block("この施設は町民の学習と交流のための建物です。"),
    block("図書室では本や雑誌を閲覧できます。"),
    block("体育館は予約制で、団体で使えます。"),
    block("プールの利用料金は大人と子どもで異なり、プールの受付で支払います。"),
    block("会議室は一週間前までに申し込んでください。"),
    block("駐車場の場所は正面玄関の東側で、駐車場は無料です。"),
]
LONG_ANSWER = "".join(TOPICS)
QUESTION = "プールの利用料金と駐車場の場所を知りたい"


def faq(answer: str, pk: int = 1, question: str = "町民センターについて知りたい。") -> Faq:
    return Faq(pk=pk, question=question, answer=answer)


def test_answer_is_cut_into_passages_at_sentence_ends() -> None:
    cut = passages(LONG_ANSWER)

    assert cut == [normalize(topic) for topic in TOPICS]
    assert all(len(passage) <= PASSAGE_CHARS for passage in cut)
    assert all(passage.endswith("。") for passage in cut)


def test_very_long_sentence_is_cut_to_the_passage_limit() -> None:
    cut = passages("あ" * (PASSAGE_CHARS * 2 + 10) + "。")

    assert [len(passage) for passage in cut] == [PASSAGE_CHARS, PASSAGE_CHARS, 11]


def test_short_answer_is_one_snippet_s1(settings: SettingsWrapper) -> None:
    answer = "住民票の写しは住民課の窓口で請求できます。本人確認書類をお持ちください。"

    snippets = select("住民票の写しを取りたい", [faq(answer, pk=7, question="住民票の写しを取りたい。")])

    assert snippets == [Snippet(id="S1", faq_id=7, title="住民票の写しを取りたい。", text=answer)]


def test_passages_sharing_words_with_the_question_are_kept_in_their_original_order(
    settings: SettingsWrapper,
) -> None:
    settings.LLM_MAX_SNIPPETS = 2
    settings.LLM_CONTEXT_CHARS = 1200

    snippets = select(QUESTION, [faq(LONG_ANSWER)])

    assert [s.text for s in snippets] == [normalize(TOPICS[3]), normalize(TOPICS[5])]
    assert [s.id for s in snippets] == ["S1", "S2"]
    assert {s.faq_id for s in snippets} == {1}


def test_the_first_passage_is_preferred_when_nothing_else_bears_on_the_question(settings: SettingsWrapper) -> None:
    settings.LLM_MAX_SNIPPETS = 1

    snippets = select("営業日を知りたい", [faq(LONG_ANSWER)])

    assert [s.text for s in snippets] == [normalize(TOPICS[0])]


@pytest.mark.parametrize(("limit", "budget"), [(3, 1200), (5, 1200), (6, 600), (3, 300), (4, 520)])
def test_at_most_the_limit_of_snippets_within_the_budget(settings: SettingsWrapper, limit: int, budget: int) -> None:
    settings.LLM_MAX_SNIPPETS = limit
    settings.LLM_CONTEXT_CHARS = budget

    snippets = select(QUESTION, [faq(LONG_ANSWER)])

    assert 1 <= len(snippets) <= limit
    assert sum(len(s.text) for s in snippets) <= budget
    assert [s.id for s in snippets] == [f"S{n}" for n in range(1, len(snippets) + 1)]
    order = [passages(LONG_ANSWER).index(s.text) for s in snippets]
    assert order == sorted(order)  # in the answer's own order
    if len(snippets) >= 2:
        assert normalize(TOPICS[3]) in [s.text for s in snippets]  # the passage about the pool's fee


def test_a_passage_longer_than_the_whole_budget_is_cut_to_it(settings: SettingsWrapper) -> None:
    settings.LLM_CONTEXT_CHARS = 100

    snippets = select(QUESTION, [faq(LONG_ANSWER)])

    assert len(snippets) == 1
    assert len(snippets[0].text) == 100
    assert normalize(LONG_ANSWER).find(snippets[0].text) >= 0


def test_the_answered_faq_comes_before_other_faqs(settings: SettingsWrapper) -> None:
    settings.LLM_MAX_SNIPPETS = 3
    first = faq("住民票の写しは住民課の窓口で請求できます。", pk=1, question="住民票の写しを取りたい。")
    second = faq("プールの利用料金は受付で支払います。駐車場の場所は東側です。", pk=2, question="プール")

    snippets = select(QUESTION, [first, second])

    assert snippets[0].faq_id == 1
    assert [s.faq_id for s in snippets] == sorted(s.faq_id for s in snippets)


@pytest.mark.django_db
def test_the_model_gets_the_selected_snippets_of_a_long_faq(
    town: dict[str, Faq], llm: FakeLlm, settings: SettingsWrapper
) -> None:
    settings.LLM_MAX_SNIPPETS = 2
    settings.LLM_CONTEXT_CHARS = 600
    long_faq = FaqFactory.create(
        external_id="R-020",
        department=town["R-003"].department,
        question="町民センターについて知りたい。",
        answer=LONG_ANSWER,
    )

    response = turn_ask(question="町民センターについて知りたい。", chosen_faq=long_faq.pk)

    assert response["sources"][0]["faq_id"] == long_faq.pk
    snippets = user_data(llm.requests[0])["snippets"]
    assert 1 <= len(snippets) <= 2
    assert sum(len(s["text"]) for s in snippets) <= 600
    assert all(s["faq"] == long_faq.question for s in snippets)
    assert snippets[0]["text"] == normalize(TOPICS[0])
    assert response["answer"] == TOPICS[0].split("。")[0] + "。"

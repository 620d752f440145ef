"""A question that is word for word one of a single FAQ's approved questions is answered with that FAQ.

Staff add residents' wordings as alternate questions (from the analytics
dashboard or in admin); the next resident asking that way must get the FAQ,
whatever the learned re-ranker thinks of an exact copy.
"""

import pytest

from chatbot.models import Outcome
from chatbot.pipeline import turn_ask
from faq.models import Faq
from faq.retrieval.index import index_rebuild, search
from faq.retrieval.ranker import EXACT_MATCH_SCORE
from faq.retrieval.text import exact_key
from faq.services import faq_save


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("住民票はどこでもらえますか？", "住民票は どこでもらえますか"),
        ("ソファを処分したい", "ｿﾌｧを処分したい。"),
        ("ゴミの日はいつ?", "ごみの日はいつ？"),
        ("How do I register my address?", "how do i register my address"),
    ],
)
def test_exact_key_ignores_width_case_kana_blanks_and_punctuation(left: str, right: str) -> None:
    assert exact_key(left) == exact_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [("住民票をとりたい", "戸籍をとりたい"), ("粗大ごみ", "粗大ごみの料金")],
)
def test_exact_key_keeps_different_questions_apart(left: str, right: str) -> None:
    assert exact_key(left) != exact_key(right)


def test_added_alternate_is_ranked_first_with_the_exact_match_score(
    indexed_town: dict[str, Faq], django_capture_on_commit_callbacks
) -> None:
    wording = "ソファとベッドを捨てたいんだけど"
    faq = indexed_town["R-001"]
    faq.alternate_questions = [*faq.alternate_questions, wording]
    with django_capture_on_commit_callbacks(execute=True):
        faq_save(faq=faq, reason="test")

    result = search(wording + "？")

    assert result.candidates[0].faq_id == faq.pk
    assert result.candidates[0].score >= EXACT_MATCH_SCORE
    assert result.candidates[0].features["exact_match"] == 1.0
    assert all("exact_match" not in candidate.features for candidate in result.candidates[1:])


def test_wording_shared_by_two_faqs_is_not_an_exact_match(
    indexed_town: dict[str, Faq], django_capture_on_commit_callbacks
) -> None:
    wording = "ごみのことを聞きたい"
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("R-001", "R-002"):
            faq = indexed_town[key]
            faq.alternate_questions = [*faq.alternate_questions, wording]
            faq_save(faq=faq, reason="test")

    result = search(wording)

    assert {c.faq_id for c in result.candidates[:2]} == {indexed_town["R-001"].pk, indexed_town["R-002"].pk}
    assert all("exact_match" not in candidate.features for candidate in result.candidates)


def test_exact_match_is_answered_and_logged(town: dict[str, Faq], django_capture_on_commit_callbacks) -> None:
    wording = "押し入れの古い布団を引き取ってほしい"
    faq = town["R-001"]
    index_rebuild()
    before = turn_ask(question=wording)
    faq.alternate_questions = [*faq.alternate_questions, wording]
    with django_capture_on_commit_callbacks(execute=True):
        faq_save(faq=faq, reason="test")

    after = turn_ask(question=wording + "。")

    assert before["outcome"] != Outcome.ANSWER or before["sources"][0]["faq_id"] != faq.pk
    assert after["outcome"] == Outcome.ANSWER
    assert after["sources"][0]["faq_id"] == faq.pk
    assert after["confidence"] >= EXACT_MATCH_SCORE

"""The in-memory snapshot: BM25 exactly as rank-bm25 scores it, dense signals from the real encoders."""

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from faq.retrieval.encoders import Encoder, configured_encoders
from faq.retrieval.engine import (
    BM25_B,
    BM25_K1,
    LEXICAL_SIGNALS,
    Document,
    Snapshot,
    SparseBM25,
    build_snapshot,
    dense_signal,
    work_units,
    zscore,
)

CORPUS = [
    ["粗大", "ごみ", "収集", "申し込み", "ごみ"],
    ["家庭", "ごみ", "出す", "方"],
    ["住民", "票", "写し", "取る"],
    ["国民", "健康", "保険", "加入"],
    ["ごみ", "収集", "日"],
    ["水道", "使用", "開始", "住民"],
]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(["ごみ", "収集"], id="common-words"),
        pytest.param(["住民", "票"], id="rare-words"),
        pytest.param(["ごみ", "ごみ", "粗大", "粗大", "粗大"], id="repeated-tokens"),
        pytest.param(["ごみ", "ズワイガニ", "未知語"], id="unknown-tokens"),
        pytest.param(["ズワイガニ"], id="only-unknown"),
        pytest.param([], id="empty"),
    ],
)
def test_sparse_bm25_scores_equal_rank_bm25(query):
    reference = BM25Okapi(CORPUS, k1=2.0, b=0.75)

    scores = SparseBM25(CORPUS).scores(query)

    assert (BM25_K1, BM25_B) == (2.0, 0.75)
    np.testing.assert_allclose(scores, reference.get_scores(query), rtol=1e-12, atol=1e-12)


def test_sparse_bm25_ranks_document_with_query_words_first():
    scores = SparseBM25(CORPUS).scores(["住民", "票"])

    assert int(np.argmax(scores)) == 2
    assert scores[1] == 0.0


def test_zscore_of_constant_signal_is_all_zeros():
    np.testing.assert_array_equal(zscore(np.full(5, 3.7)), np.zeros(5))
    np.testing.assert_array_equal(zscore(np.zeros(4)), np.zeros(4))
    assert zscore(np.zeros(0)).size == 0


def test_zscore_standardises_a_signal():
    values = zscore(np.asarray([1.0, 2.0, 3.0, 10.0]))

    assert values.mean() == pytest.approx(0.0, abs=1e-12)
    assert values.std() == pytest.approx(1.0)
    assert int(np.argmax(values)) == 3


DOCUMENTS = [
    Document(
        11,
        "粗大ごみの収集を申し込みたい。",
        "たんすやベッドなど大きな家具は事前申込制で戸別に収集します。",
        ("大きな家具を処分したい",),
    ),
    Document(12, "住民票の写しを取りたい。", "住民課の窓口で請求できます。本人確認書類をお持ちください。"),
    Document(13, "国民健康保険に加入したい。", "14日以内に保険年金課で加入手続きをしてください。"),
    Document(14, "水道の使用を開始したい。", "使用開始日の3日前までに上下水道課へ連絡してください。"),
]


@pytest.fixture(scope="module")
def encoders() -> list[Encoder]:
    return configured_encoders()


@pytest.fixture(scope="module")
def snapshot(encoders) -> Snapshot:
    return build_snapshot(DOCUMENTS, encoders)


def expected_signals(encoders: list[Encoder]) -> set[str]:
    dense = {dense_signal(encoder.name, view) for encoder in encoders for view in encoder.views}
    return set(LEXICAL_SIGNALS) | dense


def test_snapshot_score_has_every_lexical_and_dense_signal(snapshot, encoders):
    scores = snapshot.score("粗大ごみを出したい")

    assert set(snapshot.signals) == expected_signals(encoders)
    assert {"e5-small:question", "use-multilingual:answer"} <= set(snapshot.signals)
    assert set(scores.raw) == set(snapshot.signals)
    assert set(scores.z) == set(snapshot.signals)
    for name in snapshot.signals:
        assert scores.raw[name].shape == (len(DOCUMENTS),)
        assert int(np.argmax(scores.raw[name])) == 0, name
    assert scores.tokens == ["粗大", "ごみ", "出す"]


def test_snapshot_score_dense_similarities_are_cosines(snapshot):
    scores = snapshot.score("住民票がほしい")

    for name in snapshot.signals:
        if ":" in name:
            assert np.all(scores.raw[name] <= 1.0 + 1e-5)
            assert np.all(scores.raw[name] >= -1.0 - 1e-5)


def test_snapshot_score_english_question_lexical_signals_are_blind(snapshot):
    scores = snapshot.score("I want to join the national health insurance")

    for name in LEXICAL_SIGNALS:
        np.testing.assert_array_equal(scores.raw[name], np.zeros(len(DOCUMENTS)))
        np.testing.assert_array_equal(scores.z[name], np.zeros(len(DOCUMENTS)))
    assert int(np.argmax(scores.raw["e5-small:question"])) == 2


def test_snapshot_score_alternate_question_counts_for_its_faq(snapshot):
    scores = snapshot.score("大きな家具を処分したい")

    assert scores.raw["e5-small:question"][0] == pytest.approx(1.0, abs=1e-3)
    assert snapshot.dense["e5-small:question"].rows.tolist() == [0, 0, 1, 2, 3]


def test_snapshot_of_documents_without_words_has_no_lexical_signals(encoders):
    snapshot = build_snapshot([Document(1, "。", "！"), Document(2, "？", "")], encoders)

    scores = snapshot.score("住民票")

    assert not set(LEXICAL_SIGNALS) & set(snapshot.signals)
    assert set(scores.raw) == set(snapshot.signals)
    assert len(snapshot) == 2


def test_snapshot_empty_scores_nothing():
    snapshot = Snapshot([], [], {}, {})

    scores = snapshot.score("住民票")

    assert len(snapshot) == 0
    assert snapshot.signals == []
    assert scores.raw == {}


def test_build_snapshot_progress_counts_work_units(encoders: list[Encoder]) -> None:
    steps: list[int] = []

    build_snapshot(DOCUMENTS[:2], encoders, progress=steps.append)

    # 2 documents tokenised; per encoder 3 question texts (one alternate) and 2 answer leads.
    assert sum(steps) == work_units(DOCUMENTS[:2], encoders) == 2 + len(encoders) * (3 + 2)


ENGLISH_DOCUMENTS = [
    Document(
        21,
        "粗大ごみの収集を申し込みたい。",
        "たんすやベッドなど大きな家具は事前申込制で戸別に収集します。",
        ("大きな家具を処分したい",),
        question_en="I want to book a bulky waste (粗大ごみ) collection.",
        answer_en="Large furniture such as chests of drawers, beds and sofas is collected from your home. Book first.",
        alternates_en=("How do I throw away a sofa?",),
    ),
    Document(
        22,
        "住民票の写しを取りたい。",
        "住民課の窓口で請求できます。本人確認書類をお持ちください。",
        question_en="How do I get a copy of my residence certificate (住民票の写し)?",
        answer_en="Ask at the Residents Division counter. Bring your ID.",
    ),
    # No English yet.
    Document(23, "国民健康保険に加入したい。", "14日以内に保険年金課で加入手続きをしてください。"),
]


@pytest.fixture(scope="module")
def english_snapshot(encoders) -> Snapshot:
    return build_snapshot(ENGLISH_DOCUMENTS, encoders)


def test_english_questions_are_matched_word_for_word_against_the_english_texts(english_snapshot):
    scores = english_snapshot.score("Throwing away my old sofas")

    assert scores.lang == "en"
    assert scores.tokens == ["throw", "away", "old", "sofa"]
    for name in LEXICAL_SIGNALS:
        assert int(np.argmax(scores.raw[name])) == 0, name
    assert scores.raw["lexical_question"][2] == 0.0  # the FAQ without English is not seen word for word


def test_english_views_count_for_english_questions_only(english_snapshot, encoders):
    english = english_snapshot.score("copy of residence certificate")
    japanese = english_snapshot.score("住民票の写しがほしい")

    # The English views are part of each signal, not signals of their own: the re-ranker and gate see the same names.
    assert set(english_snapshot.signals) == expected_signals(encoders)
    assert "e5-small:question_en" in english_snapshot.dense
    assert english_snapshot.dense["e5-small:question_en"].rows.tolist() == [0, 0, 1]
    english_vector = encoders[0].encode_queries(["copy of residence certificate"])[0]
    to_english = float(english_snapshot.dense["e5-small:question_en"].vectors[2] @ english_vector)
    to_japanese = float(english_snapshot.dense["e5-small:question"].vectors[2] @ english_vector)
    # The better of its two texts, the English one taken down to the Japanese texts' scale (only some FAQs have it).
    assert to_japanese <= english.raw["e5-small:question"][1] <= to_english + 1e-6
    assert int(np.argmax(english.raw["e5-small:question"])) == 1
    assert japanese.lang == "ja"
    assert int(np.argmax(japanese.raw["lexical"])) == 1
    # A Japanese question is compared with the Japanese texts only: the same scores as without English.
    plain = build_snapshot(
        [Document(d.faq_id, d.question, d.answer, d.alternates) for d in ENGLISH_DOCUMENTS], encoders
    )
    for name in english_snapshot.signals:
        np.testing.assert_allclose(japanese.raw[name], plain.score("住民票の写しがほしい").raw[name], atol=1e-6)


def test_an_english_question_word_for_word_is_its_faq(english_snapshot):
    from faq.retrieval.ranker import Ranker, rank

    scores = english_snapshot.score("how do I throw away a sofa")
    ranked = rank(english_snapshot, scores, Ranker.load())

    assert ranked[0].faq_id == 21
    assert ranked[0].features.get("exact_match") == 1.0


PARTLY_ENGLISH = [
    Document(
        31,
        "国民年金の保険料を納めたい。",
        "国民年金の保険料は納付書で納めてください。",
        question_en="How do I pay my National Pension (国民年金) insurance premiums?",
        answer_en="Pay the National Pension insurance premiums with the payment slip.",
    ),
    Document(
        32,
        "介護保険の保険料はいくらですか。",
        "介護保険料は所得に応じて決まります。",
        question_en="How much is the long-term care insurance (介護保険) premium?",
        answer_en="The long-term care insurance premium depends on your income.",
    ),
    Document(
        33,
        "介護保険の認定を申請したい。",
        "介護が必要になったら要介護認定を申請してください。",
        question_en="I want to apply for long-term care insurance certification.",
        answer_en="Apply for care need certification when you need care.",
    ),
    Document(
        34,
        "後期高齢者医療保険に加入したい。",
        "75歳になると後期高齢者医療制度に加入します。",
        question_en="When do I join the medical insurance for the elderly?",
        answer_en="You join the late-stage elderly medical insurance system at 75.",
    ),
    # No English yet: the FAQ the question is about.
    Document(
        35, "国民健康保険に加入したい。", "会社の健康保険をやめたときは14日以内に国民健康保険に加入してください。"
    ),
    Document(
        36,
        "粗大ごみの収集を申し込みたい。",
        "大きな家具は事前申込制で収集します。",
        question_en="I want to book a bulky waste collection.",
        answer_en="Large furniture is collected after you book.",
    ),
]


def test_an_english_question_about_an_faq_without_english_still_finds_it(encoders):
    from faq.retrieval.ranker import Ranker, rank

    snapshot = build_snapshot(PARTLY_ENGLISH, encoders)
    ranked = rank(
        snapshot, snapshot.score("I quit my company job, how do I join national health insurance?"), Ranker.load()
    )

    # The untranslated FAQ's missing word-for-word signal does not count against it, and its Japanese text is not
    # outscored merely because the others are written in the question's language.
    assert ranked[0].faq_id == 35
    assert rank(snapshot, snapshot.score("bulky waste collection"), Ranker.load())[0].faq_id == 36

"""Fusion and the learned re-ranker: the shipped model fits the shipped encoders, and filters are honoured."""

from pathlib import Path

import pytest
from django.conf import settings

from faq.retrieval.encoders import configured_encoders
from faq.retrieval.engine import LEXICAL_SIGNALS, Document, Snapshot, build_snapshot
from faq.retrieval.ranker import DEFAULT_RANKER, Ranker, feature_names, rank

DOCUMENTS = [
    Document(21, "粗大ごみの収集を申し込みたい。", "大きな家具は事前申込制で戸別に収集します。"),
    Document(22, "家庭ごみの出し方について知りたい。", "可燃、不燃、資源に分別して集積所へ出してください。"),
    Document(23, "住民票の写しを取りたい。", "住民課の窓口で請求できます。"),
    Document(24, "国民健康保険に加入したい。", "14日以内に保険年金課で加入手続きをしてください。"),
    Document(25, "水道の使用を開始したい。", "使用開始日の3日前までに上下水道課へ連絡してください。"),
    Document(26, "印鑑登録をしたい。", "登録する印鑑と本人確認書類を持って住民課へ。"),
]


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return build_snapshot(DOCUMENTS, configured_encoders())


@pytest.fixture(scope="module")
def shipped() -> Ranker:
    return Ranker.load()


def test_ranker_shipped_file_is_the_configured_one_and_learned(shipped):
    assert Path(settings.RETRIEVAL_RANKER) == DEFAULT_RANKER
    assert shipped.learned
    assert shipped.features == feature_names(shipped.signals)
    assert len(shipped.mean) == len(shipped.scale) == len(shipped.coef) == len(shipped.features)
    assert all(scale > 0 for scale in shipped.scale)
    assert set(shipped.weights) == set(shipped.signals)


def test_ranker_shipped_fits_the_default_encoders(shipped, snapshot):
    """With the default encoders the learned second stage is used, not the fallback."""
    assert sorted(shipped.signals) == sorted(snapshot.signals)
    assert shipped.for_signals(list(reversed(snapshot.signals))) is shipped


def test_ranker_for_signals_falls_back_to_fusion_when_signals_differ(shipped):
    lexical_only = shipped.for_signals(list(LEXICAL_SIGNALS))

    assert lexical_only is not shipped
    assert not lexical_only.learned
    assert lexical_only.info == {"fallback": True}
    assert lexical_only.weights == {name: shipped.weights[name] for name in LEXICAL_SIGNALS}

    other_encoder = shipped.for_signals(["lexical", "st-other:question"])
    assert other_encoder.weights == {"lexical": shipped.weights["lexical"], "st-other:question": 1.0}


@pytest.mark.parametrize("learned", [True, False], ids=["learned", "fusion"])
def test_rank_puts_the_matching_faq_first(snapshot, shipped, learned):
    ranker = shipped if learned else shipped.for_signals(snapshot.signals[:-1])

    candidates = rank(snapshot, snapshot.score("住民票を取りたい"), ranker)

    assert candidates[0].faq_id == 23
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert all(0.0 <= c.score <= 1.0 for c in candidates)
    assert len(candidates) == len(DOCUMENTS)


def test_rank_keep_filter_drops_disallowed_faqs(snapshot: Snapshot, shipped: Ranker) -> None:
    calls: list[list[int]] = []

    def keep(faq_ids: list[int]) -> set[int]:
        calls.append(faq_ids)
        return set(faq_ids) - {23, 26}

    candidates = rank(snapshot, snapshot.score("住民票を取りたい"), shipped, keep=keep)

    assert len(calls) == 1
    assert sorted(calls[0]) == [d.faq_id for d in DOCUMENTS]
    assert {c.faq_id for c in candidates} == {21, 22, 24, 25}


def test_rank_keep_filter_allowing_nothing_gives_no_candidates(snapshot, shipped):
    assert rank(snapshot, snapshot.score("住民票"), shipped, keep=lambda ids: set()) == []


def test_rank_limit(snapshot, shipped):
    candidates = rank(snapshot, snapshot.score("ごみ"), shipped, limit=2)

    assert len(candidates) == 2
    assert {c.faq_id for c in candidates} == {21, 22}


def test_rank_empty_snapshot_gives_no_candidates(shipped):
    empty = Snapshot([], [], {}, {})

    assert rank(empty, empty.score("住民票"), shipped.for_signals([])) == []


def test_ranker_save_and_load_round_trip(shipped, tmp_path):
    path = tmp_path / "ranker.json"

    shipped.save(path)

    assert Ranker.load(path) == shipped

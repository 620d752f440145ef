"""`ask`, `rebuild_index`, `bench_retrieval` and `train_ranker` as staff and scripts run them."""

import ast
import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from faq.models import Faq, IndexGeneration, IndexStatus
from faq.retrieval.benchmark import Query, dcg, load_localgovfaq, measure, ndcg_at, precision_at, recall_at
from faq.retrieval.index import index_rebuild
from faq.retrieval.ranker import Ranker
from tests.factories import DepartmentFactory
from tests.synthetic_localgovfaq import FAQS as SYNTHETIC_FAQS
from tests.synthetic_localgovfaq import write_localgovfaq

CONTRACT_KEYS = {"id", "outcome", "answer", "confidence", "sources", "candidates", "handoff", "turn_id"}
CANDIDATE_KEYS = {"faq_id", "external_id", "question", "score"}


def run(command: str, *args: str, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def indexed_town(town) -> dict[str, Faq]:
    index_rebuild()
    return town


# ask -------------------------------------------------------------------------------------------------------------


def test_ask_prints_outcome_and_ranked_candidates_with_scores(indexed_town):
    out, err = run("ask", "粗大ゴミ出したい")

    lines = out.splitlines()
    assert lines[0].startswith("outcome: ")
    first = lines.index(" 1. [R-001] 粗大ごみの収集を申し込みたい。  (環境課)")
    scores = lines[first + 1]
    assert "score=" in scores
    assert "lexical=" in scores
    assert "e5-small:question=" in scores
    assert "use-multilingual:answer=" in scores
    assert err == ""
    assert out.count("\n 2. [") == 1


def test_ask_without_index_warns_and_still_answers(town):
    out, err = run("ask", "住民票の写しが欲しい")

    assert "rebuild_index" in err
    assert " 1. [R-003] 住民票の写しを取りたい。  (住民課)" in out


def test_ask_json_is_the_answer_object_of_the_contract(indexed_town):
    out, _err = run("ask", "住民票の写しが欲しい", "--json")

    answer = json.loads(out)
    faq = indexed_town["R-003"]
    assert set(answer) >= CONTRACT_KEYS - {"handoff"}
    assert answer["id"] is None
    assert answer["candidates"][0]["faq_id"] == faq.pk
    assert answer["candidates"][0]["external_id"] == "R-003"
    assert 1 <= len(answer["candidates"]) <= 10
    assert all(set(candidate) >= CANDIDATE_KEYS for candidate in answer["candidates"])
    assert answer["outcome"] in ("answer", "clarify")
    if answer["outcome"] == "answer":
        assert answer["answer"] == faq.answer
        assert answer["sources"][0]["faq_id"] == faq.pk
        assert answer["contact"]["department"] == "住民課"
        assert answer["contact"]["phone"] == "0000-11-1101"
    else:
        assert faq.pk in [choice["faq_id"] for choice in answer["choices"]]
    assert 0.0 <= answer["confidence"] <= 1.0
    assert answer["turn_id"]


def test_ask_json_nothing_to_answer_hands_off_to_general_reception(db):
    DepartmentFactory.create(code="GENERAL", name="総合案内", phone="0000-11-1000", is_general_reception=True)

    out, _err = run("ask", "住民票の写しが欲しい", "--json")

    answer = json.loads(out)
    assert answer["outcome"] == "handoff"
    assert answer["candidates"] == []
    assert answer["sources"] == []
    assert "総合案内" in answer["answer"]
    # CONTRACTS.md 2: `handoff` is present when the outcome is handoff; DESIGN.md: the general reception
    # when nothing fits.
    assert answer["handoff"]["department"] == "総合案内"
    assert answer["handoff"]["phone"] == "0000-11-1000"


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_empty_question_rejected(db, question):
    out, _err = run("ask", question)

    assert out.startswith("outcome: rejected")
    assert "質問を入力してください" in out


def test_ask_without_question_is_a_usage_error(db):
    with pytest.raises(CommandError, match="質問を入力してください"):
        run("ask")


def test_ask_overlong_question_rejected(db):
    out, _err = run("ask", "あ" * 501)

    assert out.startswith("outcome: rejected")
    assert "500" in out


def test_ask_jsonl_in_and_out_answers_every_line_with_its_id(indexed_town, tmp_path):
    source = tmp_path / "questions.jsonl"
    source.write_text(
        json.dumps({"id": "q1", "query": "粗大ゴミ出したい"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"id": 2, "query": "I want to get a copy of my residence certificate"})
        + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "answers.jsonl"

    out, _err = run("ask", "--jsonl-in", str(source), "--jsonl-out", str(target))

    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert out == ""
    assert [line["id"] for line in lines] == ["q1", 2]
    assert all(set(line) >= CONTRACT_KEYS - {"handoff"} for line in lines)
    assert [line["candidates"][0]["external_id"] for line in lines] == ["R-001", "R-003"]
    assert lines[0]["outcome"] in ("answer", "clarify")
    # The built-in (uncalibrated) gate may hand the English question off; retrieval found the FAQ (above).
    english = lines[1]
    assert english["outcome"] in ("answer", "clarify", "handoff")
    assert english["lang"] == "en"


def test_ask_jsonl_in_without_out_writes_to_the_command_output(town, tmp_path):
    source = tmp_path / "questions.jsonl"
    source.write_text(json.dumps({"id": "q1", "query": "ごみの日"}, ensure_ascii=False) + "\n", encoding="utf-8")

    out, _err = run("ask", "--jsonl-in", str(source))

    assert json.loads(out)["candidates"][0]["external_id"] == "R-002"


def test_ask_jsonl_in_bad_line_names_its_number(town, tmp_path):
    source = tmp_path / "questions.jsonl"
    source.write_text('{"id": "q1", "query": "ごみの日"}\n{"id": "q2"}\n', encoding="utf-8")

    with pytest.raises(CommandError, match="line 2"):
        run("ask", "--jsonl-in", str(source), "--jsonl-out", str(tmp_path / "answers.jsonl"))


@pytest.mark.parametrize("query", ["", "あ" * 501], ids=["empty", "overlong"])
def test_ask_jsonl_in_refused_question_is_rejected_not_answered(town, tmp_path, query):
    source = tmp_path / "questions.jsonl"
    source.write_text(json.dumps({"id": "bad", "query": query}) + "\n", encoding="utf-8")
    target = tmp_path / "answers.jsonl"

    run("ask", "--jsonl-in", str(source), "--jsonl-out", str(target))

    answer = json.loads(target.read_text(encoding="utf-8"))
    # CONTRACTS.md 2: `rejected` when the input itself was refused (empty, too long, ...).
    assert answer["id"] == "bad"
    assert answer["outcome"] == "rejected"
    assert answer["sources"] == []


# rebuild_index ---------------------------------------------------------------------------------------------------


def test_rebuild_index_builds_an_active_generation_of_published_faqs(town):
    out, _err = run("rebuild_index", verbosity=0)

    generation = IndexGeneration.objects.get()
    assert generation.status == IndexStatus.ACTIVE
    assert generation.documents == 10
    assert generation.encoders == "e5-small+use-multilingual"
    assert f"search index #{generation.pk}: 10 FAQs" in out
    assert f"検索インデックス #{generation.pk}: FAQ 10件" in out


def test_rebuild_index_again_replaces_the_active_generation(indexed_town):
    first = IndexGeneration.objects.get()

    run("rebuild_index", verbosity=0)

    assert list(IndexGeneration.objects.values_list("status", flat=True)) == [IndexStatus.ACTIVE]
    assert IndexGeneration.objects.get().pk != first.pk


def test_rebuild_index_if_missing_keeps_an_existing_index(indexed_town):
    first = IndexGeneration.objects.get()

    out, _err = run("rebuild_index", "--if-missing", verbosity=0)

    assert "already exists" in out
    assert list(IndexGeneration.objects.all()) == [first]


def test_rebuild_index_if_missing_builds_when_there_is_none(town):
    out, _err = run("rebuild_index", "--if-missing", verbosity=0)

    assert IndexGeneration.objects.filter(status=IndexStatus.ACTIVE, documents=10).exists()
    assert "10 FAQs" in out


# bench_retrieval and train_ranker on a tiny synthetic benchmark --------------------------------------------------

# Even query ids are the dev split, odd ids the test split.
BENCH_QUERIES = {
    "0": "粗大ゴミを出したい",
    "1": "住民票がほしい",
    "2": "国保に入りたい",
    "3": "水道を使い始めたい",
    "4": "犬を飼い始めた",
    "5": "図書館は何時まで開いていますか",
    "6": "天気予報を知りたい",
}
BENCH_QRELS = {
    "0": {"0": 2},
    "1": {"2": 2, "5": 0},
    "2": {"3": 1},
    "3": {"4": 2},
    "4": {"7": 2},
    "5": {"10": 2},
    "6": {"1": 0},
}
BENCH_KEYS = {
    "split",
    "n",
    "sr1",
    "sr5",
    "mrr",
    "recall10",
    "precision10",
    "ndcg10",
    "build_s",
    "p50_ms",
    "p95_ms",
    "encoder",
}


@pytest.fixture
def bench_dir(tmp_path) -> Path:
    return write_localgovfaq(tmp_path / "localgovfaq", BENCH_QUERIES, BENCH_QRELS)


def test_bench_retrieval_json_last_line_reports_the_metrics(bench_dir):
    out, _err = run("bench_retrieval", "--localgovfaq", str(bench_dir), "--json")

    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) >= BENCH_KEYS
    assert result["split"] == "test"
    # Test split: the odd query ids that have a relevant FAQ (query 6 has none).
    assert result["n"] == 3
    assert result["faqs"] == len(SYNTHETIC_FAQS)
    assert result["encoder"] == "e5-small+use-multilingual"
    assert result["ranker"] == "learned"
    assert result["sr1"] == result["sr5"] == result["mrr"] == 1.0
    # One relevant FAQ per test query, found first: all of it recalled, 1 of the 10 places, ideal order.
    assert result["recall10"] == result["ndcg10"] == 1.0
    assert result["precision10"] == 0.1
    assert result["build_s"] >= 0.0
    assert 0.0 < result["p50_ms"] <= result["p95_ms"]
    # The benchmark never touches the live index.
    assert not settings.CHROMA_PATH.exists()


def test_bench_retrieval_human_output_for_all_queries(bench_dir):
    out, _err = run("bench_retrieval", "--localgovfaq", str(bench_dir), "--split", "all", verbosity=0)

    lines = dict(line.strip().split(": ", 1) for line in out.splitlines())
    assert lines["split"] == "all"
    assert lines["n"] == "6"
    assert float(lines["sr5"]) == 1.0
    assert float(lines["recall10"]) == float(lines["ndcg10"]) == 1.0
    assert float(lines["precision10"]) == 0.1
    assert ast.literal_eval(lines["test"])["ndcg10"] == 1.0


# The metrics, by hand: gain = grade, discount log2(rank + 1) with rank from 1, cut at 10 ------------------------

A, B, X, Y = 1, 2, 8, 9  # A has grade 2, B grade 1, X and Y are not relevant


def test_dcg_discounts_by_log2_of_rank_plus_one():
    assert dcg([]) == 0.0
    assert dcg([2, 0, 1]) == pytest.approx(2 / 1 + 1 / 2)  # log2(2) = 1, log2(4) = 2
    assert dcg([0, 3]) == pytest.approx(3 / math.log2(3))


def test_ndcg_graded_relevant_at_ranks_two_and_four():
    grades = {A: 2, B: 1}

    # DCG = 2/log2(3) + 1/log2(5) = 1.261860 + 0.430677 = 1.692537
    # ideal [A, B] = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930; 1.692537 / 2.630930 = 0.643322
    expected = (2 / math.log2(3) + 1 / math.log2(5)) / (2 + 1 / math.log2(3))
    assert ndcg_at([X, A, Y, B], grades) == pytest.approx(expected)
    assert ndcg_at([X, A, Y, B], grades) == pytest.approx(0.643322, abs=1e-6)
    assert recall_at([X, A, Y, B], {A, B}) == 1.0
    assert precision_at([X, A, Y, B], {A, B}) == 0.2


def test_ndcg_rewards_the_higher_grade_first():
    grades = {A: 2, B: 1}

    assert ndcg_at([A, B, X], grades) == 1.0
    # [B, A]: 1/1 + 2/log2(3) = 2.261860 against the ideal 2.630930.
    assert ndcg_at([B, A, X], grades) == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    assert ndcg_at([B, A, X], grades) == pytest.approx(0.859719, abs=1e-6)
    # Only the grade-1 FAQ, first: 1 / 2.630930.
    assert ndcg_at([B, X], grades) == pytest.approx(0.380094, abs=1e-6)


def test_metrics_stop_at_rank_ten():
    ranked = [100 + i for i in range(10)] + [A, B]

    assert recall_at(ranked, {A, B}) == 0.0
    assert precision_at(ranked, {A, B}) == 0.0
    assert ndcg_at(ranked, {A: 2, B: 1}) == 0.0
    # At rank 10 it still counts: 2/log2(11) over the ideal 2.
    assert ndcg_at([*ranked[:9], A], {A: 2}) == pytest.approx(1 / math.log2(11))


def test_more_than_ten_relevant_the_ideal_is_cut_at_ten():
    relevant = set(range(12))
    grades = dict.fromkeys(relevant, 1)

    assert ndcg_at(list(range(10)), grades) == 1.0
    assert recall_at(list(range(10)), relevant) == pytest.approx(10 / 12)
    assert precision_at(list(range(10)), relevant) == 1.0


def test_precision_divides_by_ten_even_when_fewer_were_ranked():
    assert precision_at([A, X, Y], {A}) == 0.1
    assert recall_at([A, X, Y], {A, B}) == 0.5


def test_nothing_relevant_scores_zero_not_an_error():
    assert recall_at([A, B], set()) == 0.0
    assert precision_at([A, B], set()) == 0.0
    assert ndcg_at([A, B], {}) == 0.0


def test_query_without_grades_counts_every_relevant_faq_as_grade_one():
    query = Query(7, "質問", {A, B})

    assert query.grades == {A: 1, B: 1}
    # Binary gains: [X, A, Y, B] gives (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3)).
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at([X, A, Y, B], query.grades) == pytest.approx(expected)


def test_measure_averages_the_new_metrics_over_queries():
    queries = [Query(1, "one", {A, B}, {A: 2, B: 1}), Query(3, "three", {Y}, {Y: 2})]
    rankings = {"one": [X, A, Y, B], "three": [A, B, X]}

    result = measure(queries, lambda text: rankings[text])

    assert result["n"] == 2
    assert result["sr1"] == 0.0
    assert result["mrr"] == 0.25  # 1/2 and 0, averaged
    assert result["recall10"] == 0.5  # 2/2 and 0/1
    assert result["precision10"] == 0.1  # 2/10 and 0/10
    assert result["ndcg10"] == round(0.643322 / 2, 4)


def test_load_localgovfaq_keeps_the_grades_and_drops_grade_zero(bench_dir):
    _documents, queries = load_localgovfaq(bench_dir)

    by_id = {query.query_id: query for query in queries}
    assert sorted(by_id) == [0, 1, 2, 3, 4, 5]  # query 6 has only a grade-0 judgement
    assert by_id[1].relevant == {2}
    assert by_id[1].grades == {2: 2}
    assert by_id[2].grades == {3: 1}


def test_bench_retrieval_missing_directory_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match=r"corpus\.json"):
        run("bench_retrieval", "--localgovfaq", str(tmp_path / "nowhere"), "--json")


def test_train_ranker_fits_on_dev_and_writes_only_where_told(bench_dir, tmp_path):
    shipped = Path(settings.RETRIEVAL_RANKER).read_bytes()
    target = tmp_path / "ranker.json"

    out, _err = run("train_ranker", "--localgovfaq", str(bench_dir), "--out", str(target))

    ranker = Ranker.load(target)
    assert ranker.learned
    assert sorted(ranker.signals) == sorted(Ranker.load().signals)
    assert ranker.info["queries"] == 3
    assert ranker.info["dev"]["sr5"] == 1.0
    assert f"written to {target}" in out
    assert Path(settings.RETRIEVAL_RANKER).read_bytes() == shipped

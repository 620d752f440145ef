"""`ask`, `rebuild_index`, `bench_retrieval` and `train_ranker` as staff and scripts run them."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from faq.models import Faq, IndexGeneration, IndexStatus
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
BENCH_KEYS = {"split", "n", "sr1", "sr5", "mrr", "build_s", "p50_ms", "p95_ms", "encoder"}


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

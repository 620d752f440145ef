"""bench_loop on a tiny synthetic benchmark in the LocalgovFAQ layout: what is learned, and from which split."""

import json
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from chatbot.bench.loop import alternates_for, case_rows, faq_rows, folds_of
from faq.retrieval.benchmark import Query, load_localgovfaq, split_queries
from faq.retrieval.engine import Document
from tests.synthetic_localgovfaq import write_localgovfaq

# Even query ids are the dev split (learned from), odd ids the test split (only measured).
QUERIES = {
    "0": "古いソファを捨てたい",
    "1": "住民票がほしい",
    "2": "国保に入るには",
    "3": "水道を使い始めたい",
    "4": "子犬を飼い始めた",
    "5": "図書館は何時まで開いていますか",
    "6": "引っ越してきたので住民登録と印鑑登録をしたい",
    "7": "ごみの分別を教えて",
    "8": "保育園に子どもを入れたい",
    "9": "子どもの手当はどこで申請する",
    "10": "住民税はコンビニで払えますか",
    "11": "大型家具の回収を頼みたい",
    "12": "天気予報を知りたい",
}
QRELS = {
    "0": {"0": 2},
    "1": {"2": 2},
    "2": {"3": 2},
    "3": {"4": 2},
    "4": {"7": 2},
    "5": {"10": 2},
    "6": {"5": 2, "8": 1},
    "7": {"1": 2},
    "8": {"9": 2},
    "9": {"6": 2},
    "10": {"11": 2},
    "11": {"0": 2},
    "12": {"1": 0},
}
DEV_IDS = ["0", "2", "4", "6", "8", "10"]  # query 12 has no relevant FAQ and is dropped
TEST_IDS = ["1", "3", "5", "7", "9", "11"]
MEASURES = {"sr1", "sr5", "mrr", "resolved", "answered", "wrong_answer_rate", "clarify_share", "oos_handoff"}


@pytest.fixture
def loop_dir(tmp_path: Path) -> Path:
    return write_localgovfaq(tmp_path / "localgovfaq", QUERIES, QRELS)


def _alternates_in(database: Path) -> dict[str, list[str]]:
    """external_id -> alternate questions, read straight from a kept installation's SQLite file."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT external_id, alternate_questions, status FROM faq_faq").fetchall()
    assert all(status == "published" for _id, _alternates, status in rows)
    return {external: json.loads(alternates) for external, alternates, _status in rows}


def test_alternates_come_from_dev_queries_only_and_respect_the_faq_limit(loop_dir: Path) -> None:
    _documents, queries = load_localgovfaq(loop_dir)
    dev = split_queries(queries, "dev")

    alternates, dropped = alternates_for(dev)

    assert alternates == {
        0: [QUERIES["0"]],
        3: [QUERIES["2"]],
        7: [QUERIES["4"]],
        5: [QUERIES["6"]],
        8: [QUERIES["6"]],
        9: [QUERIES["8"]],
        11: [QUERIES["10"]],
    }
    assert dropped == 0
    with pytest.raises(ValueError, match="test-split"):
        alternates_for(queries)
    with pytest.raises(ValueError, match="test-split"):
        folds_of(split_queries(queries, "test"), 2)
    # The FAQ model's limit: the third wording for one FAQ is left out and counted.
    many = [Query(number * 2, f"言い方{number}", {0, 1}) for number in range(3)]
    capped, left_out = alternates_for(many, limit=2)
    assert capped == {0: ["言い方0", "言い方1"], 1: ["言い方0", "言い方1"]}
    assert left_out == 2


def test_folds_split_the_dev_queries_and_rows_replace_alternates() -> None:
    dev = [Query(number, f"質問{number}", {number}) for number in (0, 2, 4, 6, 8)]

    folds = folds_of(dev, 2)

    assert [[q.query_id for q in fold] for fold in folds] == [[0, 4, 8], [2, 6]]
    rows = faq_rows([Document(0, "問", "答"), Document(1, "問2", "答2")], {0: ["別の問"]})
    assert rows == [
        {"external_id": "L-0", "question": "問", "answer": "答", "alternate_questions": ["別の問"]},
        # An explicit empty list, so that re-importing removes what an earlier fold added.
        {"external_id": "L-1", "question": "問2", "answer": "答2", "alternate_questions": []},
    ]
    assert case_rows(dev[:1]) == [
        {"id": "q0", "query": "質問0", "relevant_ids": ["L-0"], "answerable": True, "lang": "ja"}
    ]


def test_bench_loop_learns_from_dev_only_and_reports_before_and_after(loop_dir: Path) -> None:
    out, err = StringIO(), StringIO()

    call_command("bench_loop", "--localgovfaq", str(loop_dir), "--json", "--keep", stdout=out, stderr=err)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["learned_from"] == {
        "split": "dev",
        "queries": 6,
        "alternates_added": 7,
        "faqs_with_alternates": 7,
        "left_out": 0,
    }
    assert result["calibration"] == "cross-fitted (5 folds)"
    assert result["measured_on"].startswith("test split (6) + ")
    assert result["calibrated_on"].startswith("dev split (6) + ")
    for side in ("before", "after"):
        assert set(result[side]) >= MEASURES
        assert result[side]["n"] > 6  # the test split plus the even out-of-scope lines
        assert all(0.0 <= result[side][key] <= 1.0 for key in MEASURES)
        assert set(result[side]["gate_estimate"]) >= {"resolved", "wrong_answer_rate", "thresholds"}
    assert result["change"]["sr1"] == pytest.approx(result["after"]["sr1"] - result["before"]["sr1"], abs=1e-4)
    assert set(result["seconds"]) >= {
        "before: index",
        "before: calibrate",
        "before: evaluate",
        "loop: alternates + cross-fitted calibration",
        "after: evaluate",
        "total",
    }

    work = Path(err.getvalue().strip().splitlines()[-1].removeprefix("kept: "))
    try:
        # What the kept installation holds after the loop: every dev wording as an alternate of its
        # right FAQs, and no test-split wording anywhere.
        alternates = _alternates_in(work / "data" / "db.sqlite3")
        assert alternates["L-0"] == [QUERIES["0"]]
        assert alternates["L-5"] == alternates["L-8"] == [QUERIES["6"]]
        assert sorted(text for texts in alternates.values() for text in texts) == sorted(
            [QUERIES[key] for key in DEV_IDS] + [QUERIES["6"]]
        )
        learned_files = [work / "faqs-after.jsonl", work / "calibrate.jsonl", *work.glob("faqs-fold*.jsonl")]
        assert len(learned_files) == 2 + 5
        for path in learned_files:
            text = path.read_text(encoding="utf-8")
            assert not [key for key in TEST_IDS if QUERIES[key] in text], path.name
        # The cross-fitting folds: each holds out its own dev queries' wordings, and every dev query is held
        # out by exactly one fold.
        plan = json.loads((work / "cross-fit.json").read_text(encoding="utf-8"))
        assert sorted(case_id for fold in plan["folds"] for case_id in fold["case_ids"]) == sorted(
            f"q{key}" for key in DEV_IDS
        )
        for fold in plan["folds"]:
            held = {case_id.removeprefix("q") for case_id in fold["case_ids"]}
            fold_text = Path(fold["faqs"]).read_text(encoding="utf-8")
            assert all(QUERIES[key] not in fold_text for key in held)
            assert all(QUERIES[key] in fold_text for key in set(DEV_IDS) - held)
        # The test split is measured, and only there.
        measured = (work / "measure.jsonl").read_text(encoding="utf-8")
        assert all(QUERIES[key] in measured for key in TEST_IDS)
        assert not [key for key in DEV_IDS if QUERIES[key] in measured]
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    # Nothing touched this installation's own index.
    assert not settings.CHROMA_PATH.exists()


def test_bench_loop_bad_arguments_are_command_errors(loop_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"corpus\.json"):
        call_command("bench_loop", "--localgovfaq", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="--folds"):
        call_command("bench_loop", "--localgovfaq", str(loop_dir), "--folds", "1")


def test_bench_loop_human_table_shows_before_after_and_change() -> None:
    from chatbot.management.commands.bench_loop import Command

    measures = {"sr1": 0.5, "sr5": 0.75, "mrr": 0.6, "resolved": 0.3, "wrong_answer_rate": 0.0, "p95_ms": 40.0}
    estimate = {"answered": 0.01, "wrong_answer_rate": 0.0, "clarify_share": 0.29, "resolved": 0.33}
    result = {
        "benchmark": "LocalgovFAQ",
        "learned_from": {"split": "dev", "queries": 4, "alternates_added": 5, "faqs_with_alternates": 3, "left_out": 1},
        "calibrated_on": "dev split (4) + 2 out-of-scope",
        "calibration": "cross-fitted (5 folds)",
        "measured_on": "test split (4) + 2 out-of-scope",
        "note": "a note",
        "before": measures | {"gate_estimate": estimate},
        "after": measures | {"sr1": 0.625, "resolved": 0.25, "p95_ms": 38.5, "gate_estimate": estimate},
        "seconds": {"before: index": 1.5, "total": 9.0},
    }
    out = StringIO()

    Command(stdout=out)._table(result)

    lines = out.getvalue().splitlines()
    assert "5 wordings added as alternate questions of 3 FAQs (1 left out by the FAQ's limits)" in lines[1]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line[:1].isalpha() and len(line.split()) == 4}
    assert rows["SR@1"] == ["0.500", "0.625", "+0.125"]
    assert rows["resolved"] == ["0.300", "0.250", "-0.050"]
    assert rows["wrong_answer_rate"] == ["0.000", "0.000", "+0.000"]
    assert rows["p95_ms"] == ["40.0", "38.5", "-1.5"]
    assert "clarify_share" not in rows  # measured on neither side: no row
    assert lines[-1] == "seconds: before: index 1.5, total 9.0"

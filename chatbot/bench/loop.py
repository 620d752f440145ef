"""The improvement loop on LocalgovFAQ: what is learned from last month's labelled questions, and how.

The dev split stands for last month's labelled resident questions: each
one's wording becomes an alternate question of its right FAQs, and the gate
is calibrated on them again. The test split stands for next month's
questions and is only ever measured: the functions here that choose what is
learned refuse any test-split query.
"""

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faq.models import ALTERNATE_QUESTIONS_MAX, ALTERNATE_SEPARATOR, QUESTION_MAX_CHARS
from faq.retrieval.benchmark import Query, split_queries
from faq.retrieval.engine import Document

LEARN_SPLIT = "dev"
MEASURE_SPLIT = "test"


def external_id(faq_id: int) -> str:
    return f"L-{faq_id}"


def _refuse_measured(queries: Sequence[Query]) -> None:
    leaked = split_queries(list(queries), MEASURE_SPLIT)
    if leaked:
        raise ValueError(
            f"{len(leaked)} {MEASURE_SPLIT}-split queries given to learn from (first id {leaked[0].query_id}): "
            f"only the {LEARN_SPLIT} split is learned from"
        )


def alternates_for(
    queries: Sequence[Query], *, limit: int = ALTERNATE_QUESTIONS_MAX
) -> tuple[dict[int, list[str]], int]:
    """Each query's wording as an alternate question of each of its right FAQs, in query order.

    An FAQ takes at most `limit` alternates (the FAQ model's limit); the
    second value counts the (query, FAQ) pairs left out by it or by the
    model's rules for an alternate (length, no '|'). Raises ValueError if any
    query is of the measured split.
    """
    _refuse_measured(queries)
    alternates: dict[int, list[str]] = {}
    dropped = 0
    for query in sorted(queries, key=lambda q: q.query_id):
        wording = query.text.strip()
        if not wording or len(wording) > QUESTION_MAX_CHARS or ALTERNATE_SEPARATOR in wording:
            dropped += len(query.relevant)
            continue
        for faq_id in sorted(query.relevant):
            kept = alternates.setdefault(faq_id, [])
            if wording in kept:
                continue
            if len(kept) >= limit:
                dropped += 1
                continue
            kept.append(wording)
    return alternates, dropped


def faq_rows(documents: Sequence[Document], alternates: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """The import_faq JSONL rows of the benchmark's FAQs, with the given alternate questions (none by default).

    Every row carries `alternate_questions`, so that importing it again replaces
    the alternates an earlier import gave (the cross-fitting folds rely on it).
    """
    alternates = alternates or {}
    return [
        {
            "external_id": external_id(document.faq_id),
            "question": document.question,
            "answer": document.answer,
            "alternate_questions": list(alternates.get(document.faq_id, [])),
        }
        for document in documents
    ]


def case_rows(queries: Sequence[Query]) -> list[dict[str, Any]]:
    """Cases in the format of CONTRACTS section 3."""
    return [
        {
            "id": f"q{query.query_id}",
            "query": query.text,
            "relevant_ids": [external_id(faq_id) for faq_id in sorted(query.relevant)],
            "answerable": True,
            "lang": "ja",
        }
        for query in queries
    ]


def folds_of(queries: Sequence[Query], folds: int) -> list[list[Query]]:
    """`folds` parts of the learned queries, every `folds`-th query in id order (deterministic)."""
    _refuse_measured(queries)
    ordered = sorted(queries, key=lambda q: q.query_id)
    return [ordered[start::folds] for start in range(folds)]


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def cross_fitted_gate(plan_path: Path) -> dict[str, Any]:
    """Run inside the throw-away installation: calibrate the gate on cases observed out of fold, store it.

    The plan (JSON) names the calibration case file, one FAQ file and the ids of
    the cases it holds out for each fold, the final FAQ file and the limits.
    For each fold its FAQ file (the alternates of every other fold) is imported,
    which brings the index up to date, and its held-out cases are retrieved; the
    cases no fold holds (the out-of-scope ones) are retrieved after the final
    FAQ file (every learned alternate) is imported. The gate is then calibrated
    on all of these, as `calibrate_gate` does, and stored as the active version.
    """
    from django.core.management import call_command

    from chatbot.gate.calibration import calibrate
    from chatbot.gate.observations import Observed, cases_read, observe
    from chatbot.services import gate_config_create

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    cases = cases_read(Path(plan["cases"]))

    def load(faqs: str) -> None:
        call_command(
            "import_faq",
            faqs,
            "--publish",
            "--department-default",
            plan["department"],
            "--create-departments",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    by_id: dict[str, Observed] = {}
    held_out: set[str] = set()
    for fold in plan["folds"]:
        ids = set(fold["case_ids"])
        held_out |= ids
        load(fold["faqs"])
        for item in observe([case for case in cases if case.case_id in ids]):
            by_id[item.case.case_id] = item
    load(plan["final_faqs"])
    for item in observe([case for case in cases if case.case_id not in held_out]):
        by_id[item.case.case_id] = item
    observed = [by_id[case.case_id] for case in cases]
    parameters, table = calibrate(observed, caution=plan.get("caution", "standard"))
    chosen = parameters["thresholds"]
    summary = parameters["levels"][parameters["caution"]]["estimate"]
    config = gate_config_create(
        kind="logistic",
        parameters=parameters,
        calibration={
            "cases": [plan["cases"]],
            "split": "all",
            "n": len(cases),
            "cross_fitted_alternates": len(plan["folds"]),
            "caution": parameters["caution"],
            "chosen": summary,
            "table": table,
        },
        note=f"bench_loop: {len(cases)} cases, each observed without its own wording as an alternate",
    )
    return {"gate_version": config.pk, "thresholds": chosen, "chosen": summary}

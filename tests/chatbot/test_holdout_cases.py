"""The sample town's held-out cases: valid, independent of the calibration cases, and free of personal data."""

import json
from pathlib import Path

from chatbot.gate.observations import cases_read
from chatbot.privacy import redact
from faq.retrieval.text import exact_key

SAMPLE = Path(__file__).resolve().parents[2] / "faq" / "sample_data"
HOLDOUT = SAMPLE / "holdout" / "cases.jsonl"


def sample_faqs() -> dict[str, dict]:
    faqs = {}
    for path in sorted(SAMPLE.glob("faqs-*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                faqs[item["external_id"]] = item
    return faqs


def test_holdout_cases_name_existing_faqs_and_are_labelled_consistently() -> None:
    cases = cases_read(HOLDOUT)
    faqs = sample_faqs()

    assert len(cases) == 186
    assert len({case.case_id for case in cases}) == len(cases)
    assert sum(case.answerable for case in cases) == 129
    assert {case.lang for case in cases} == {"ja", "en"}
    for case in cases:
        assert case.relevant <= set(faqs), case.case_id
        assert bool(case.relevant) == case.answerable, case.case_id
    covered = set().union(*(case.relevant for case in cases))
    assert len(covered) >= 100


def test_holdout_cases_are_not_the_calibration_cases_nor_the_faqs_own_wording() -> None:
    cases = cases_read(HOLDOUT)
    calibration = {
        exact_key(json.loads(line)["query"])
        for path in (SAMPLE / "cases").glob("*.jsonl")
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    }
    faq_questions = {exact_key(faq["question"]) for faq in sample_faqs().values()}

    assert [case.query for case in cases if exact_key(case.query) in calibration] == []
    assert [case.query for case in cases if exact_key(case.query) in faq_questions] == []


def test_holdout_questions_carry_no_personal_data() -> None:
    assert [case.query for case in cases_read(HOLDOUT) if redact(case.query).kinds] == []

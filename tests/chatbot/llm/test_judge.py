"""LLM-as-judge in evaluation: grades are averaged; a reply that is not the JSON asked for is skipped, never guessed."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from chatbot.gate.observations import Case
from chatbot.llm import judge
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.llm.judge import JUDGE_PROMPT
from chatbot.llm.snippets import Snippet
from chatbot.models import PromptVersion
from chatbot.quality.evaluation import evaluate_cases
from faq.models import Faq
from tests.chatbot.llm.support import ALLOWED_REQUEST_KEYS, FORBIDDEN_REQUEST_KEYS, user_data

CASES = [
    Case(case_id="c1", query="住民票の写しを取りたい。", relevant={"R-003"}, answerable=True),
    Case(case_id="c2", query="印鑑登録をしたい。", relevant={"R-009"}, answerable=True),
]
GOOD = '{"faithfulness": 5, "relevance": 4}'


def judge_requests(llm: FakeLlm) -> list[dict[str, Any]]:
    return [body for body in llm.requests if body["messages"][0]["content"].startswith("You grade")]


@pytest.mark.django_db
def test_judge_grades_every_llm_reply_and_evaluation_reports_their_means(town: dict[str, Faq], llm: FakeLlm) -> None:
    # Per case: the composer's reply (the grounded default), then the judge's grade.
    llm.script(Behaviour(), Behaviour(text=GOOD), Behaviour(), Behaviour(text='{"faithfulness": 3, "relevance": 2}'))

    metrics = evaluate_cases(CASES, log=False, judge=True)

    assert metrics["llm_replies"] == 1.0
    assert metrics["llm_judged"] == 2
    assert metrics["llm_faithfulness"] == 4.0
    assert metrics["llm_relevance"] == 3.0
    assert llm.calls == 4
    graded = judge_requests(llm)
    assert len(graded) == 2
    for body, faq in zip(graded, (town["R-003"], town["R-009"]), strict=True):
        assert body["messages"][0]["content"] == JUDGE_PROMPT
        assert not FORBIDDEN_REQUEST_KEYS & set(body)
        assert set(body) <= ALLOWED_REQUEST_KEYS
        data = user_data(body)
        assert data["reply"] == faq.answer.split("。")[0] + "。"  # the reply the resident got
        assert data["snippets"][0]["id"] == "S1"
        assert data["question"] in {case.query for case in CASES}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "grade",
    [
        "I would give it a five for faithfulness.",
        "faithfulness: 5, relevance: 4",
        '{"faithfulness": "five", "relevance": 4}',
        '{"faithfulness": 9, "relevance": 4}',
        '{"faithfulness": 0, "relevance": 4}',
        '{"relevance": 4}',
        "",
    ],
    ids=["prose", "not-json", "word", "too-high", "too-low", "missing", "empty"],
)
def test_judge_reply_that_is_not_the_json_asked_for_is_skipped(town: dict[str, Faq], llm: FakeLlm, grade: str) -> None:
    llm.script(Behaviour(), Behaviour(text=grade), Behaviour(), Behaviour(text=grade))

    metrics = evaluate_cases(CASES, log=False, judge=True)

    assert metrics["llm_replies"] == 1.0
    assert metrics["llm_judged"] == 0
    assert metrics["llm_faithfulness"] is None
    assert metrics["llm_relevance"] is None
    assert llm.calls == 4


@pytest.mark.django_db
def test_only_valid_grades_count(town: dict[str, Faq], llm: FakeLlm) -> None:
    llm.script(Behaviour(), Behaviour(text="Looks fine to me."), Behaviour(), Behaviour(text=f"Sure: {GOOD}"))

    metrics = evaluate_cases(CASES, log=False, judge=True)

    assert (metrics["llm_judged"], metrics["llm_faithfulness"], metrics["llm_relevance"]) == (1, 5.0, 4.0)


@pytest.mark.django_db
def test_judge_failure_is_skipped_and_fallbacks_are_not_judged(town: dict[str, Faq], llm: FakeLlm) -> None:
    # Case 1: the composer's reply fails a check (no judge call); case 2: the judge call itself fails.
    llm.script(Behaviour(text="手数料は9999円です。[S1]"), Behaviour(), Behaviour(status=400))

    metrics = evaluate_cases(CASES, log=False, judge=True)

    assert metrics["llm_replies"] == 0.5
    assert metrics["llm_fallbacks"] == {"llm_invalid_output": 1}
    assert metrics["llm_judged"] == 0
    assert len(judge_requests(llm)) == 1
    assert llm.calls == 3


@pytest.mark.django_db
def test_no_judge_means_no_judge_call(town: dict[str, Faq], llm: FakeLlm) -> None:
    metrics = evaluate_cases(CASES, log=False, judge=False)

    assert metrics["llm_replies"] == 1.0
    assert metrics["llm_judged"] == 0
    assert judge_requests(llm) == []
    assert llm.calls == 2


@pytest.mark.django_db
def test_without_an_llm_evaluation_has_no_llm_measures(town: dict[str, Faq]) -> None:
    metrics = evaluate_cases(CASES, log=False, judge=True)

    assert not any(key.startswith("llm_") for key in metrics)


@pytest.mark.django_db
def test_evaluate_command_stores_the_judges_grades_on_the_active_version(
    town: dict[str, Faq], llm: FakeLlm, prompt_v1: PromptVersion, tmp_path: Path
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        "".join(
            json.dumps({"id": c.case_id, "query": c.query, "relevant_ids": sorted(c.relevant)}, ensure_ascii=False)
            + "\n"
            for c in CASES
        ),
        encoding="utf-8",
    )
    llm.script(Behaviour(), Behaviour(text=GOOD), Behaviour(), Behaviour(text=GOOD))
    out = io.StringIO()

    call_command("evaluate", "--cases", str(cases), "--store", "--no-log", "--json", "-v", "0", stdout=out)

    metrics = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (metrics["llm_judged"], metrics["llm_faithfulness"], metrics["llm_relevance"]) == (2, 5.0, 4.0)
    prompt_v1.refresh_from_db()
    assert prompt_v1.evaluation["metrics"]["llm_faithfulness"] == 5.0


@pytest.mark.django_db
def test_grade_directly(llm: FakeLlm) -> None:
    snippets = [Snippet(id="S1", faq_id=1, title="q", text="住民票の写しは住民課の窓口で請求できます。")]
    llm.script(Behaviour(text=GOOD), Behaviour(text='```json\n{"faithfulness": 2, "relevance": 5}\n```'))

    first = judge.grade(question="住民票", snippets=snippets, reply="住民課の窓口で請求できます。")
    second = judge.grade(question="住民票", snippets=snippets, reply="住民課の窓口で請求できます。")

    assert first == judge.Grade(faithfulness=5, relevance=4)
    assert second == judge.Grade(faithfulness=2, relevance=5)
    assert llm.requests[0]["max_tokens"] == 50

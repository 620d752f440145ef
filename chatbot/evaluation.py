"""Every measure of CONTRACTS section 3 over a set of cases, asked through the real pipeline."""

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from chatbot.calibration import Case
from chatbot.models import Channel, Composer
from chatbot.redaction import redact
from chatbot.services import turn_ask
from faq.models import Faq


def evaluate_cases(
    cases: list[Case], *, log: bool = True, progress: Callable[[int], None] | None = None, judge: bool = True
) -> dict[str, Any]:
    """CONTRACTS section 3; with an LLM configured, also how its replies fared (and a judge's grades)."""
    from chatbot.llm.composer import llm_enabled

    llm = LlmTally(judge=judge) if llm_enabled() else None
    n = len(cases)
    answerable = [case for case in cases if case.answerable]
    counts = dict.fromkeys(
        ("answer", "answer_right", "clarify", "clarify_hit", "handoff", "oos_not_answered", "oos_handoff"), 0
    )
    sr1 = sr5 = mrr = 0.0
    latencies = []
    for case in cases:
        started = time.perf_counter()
        response = turn_ask(question=case.query, channel=Channel.EVAL, lang=case.lang or None, log=log)
        latencies.append((time.perf_counter() - started) * 1000)
        ranked = [str(c.get("external_id") or c["faq_id"]) for c in response["candidates"]]
        outcome = response["outcome"]
        if case.answerable:
            for position, faq in enumerate(ranked):
                if faq in case.relevant:
                    sr1 += position == 0
                    sr5 += position < 5
                    mrr += 1 / (position + 1)
                    break
        if outcome == "answer":
            counts["answer"] += 1
            if llm is not None:
                llm.add(case, response)
            source = response["sources"][0] if response["sources"] else {}
            counts["answer_right"] += case.answerable and str(source.get("external_id")) in case.relevant
        elif outcome == "clarify":
            counts["clarify"] += 1
            offered = {str(c.get("external_id") or c["faq_id"]) for c in response.get("choices", [])}
            counts["clarify_hit"] += case.answerable and bool(offered & case.relevant)
        elif outcome == "handoff":
            counts["handoff"] += 1
        if not case.answerable:
            counts["oos_not_answered"] += outcome != "answer"
            counts["oos_handoff"] += outcome in ("handoff", "rejected")
        if progress:
            progress(1)
    oos = n - len(answerable)
    share = lambda value, total: round(value / total, 4) if total else 0.0  # noqa: E731
    extra = llm.summary() if llm is not None else {}
    return {
        "n": n,
        "sr1": share(sr1, len(answerable)),
        "sr5": share(sr5, len(answerable)),
        "mrr": share(mrr, len(answerable)),
        "answered": share(counts["answer"], n),
        "answered_correct": share(counts["answer_right"], n),
        "wrong_answer_rate": share(counts["answer"] - counts["answer_right"], counts["answer"]),
        "clarify": share(counts["clarify"], n),
        "clarify_hit": share(counts["clarify_hit"], counts["clarify"]),
        "handoff": share(counts["handoff"], n),
        "resolved": share(counts["answer_right"] + counts["clarify_hit"], len(answerable)),
        "oos_declined": share(counts["oos_not_answered"], oos),
        "oos_handoff": share(counts["oos_handoff"], oos),
        "clarify_share": share(counts["clarify"], n),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        "p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
    } | extra


class LlmTally:
    """How the LLM's replies fared over the answered cases: replies, fall-backs by class, the judge's grades."""

    def __init__(self, *, judge: bool) -> None:
        self.judge = judge
        self.answers = 0
        self.replies = 0
        self.fallbacks: dict[str, int] = {}
        self.faithfulness: list[int] = []
        self.relevance: list[int] = []

    def add(self, case: Case, response: dict[str, Any]) -> None:
        from chatbot.llm import judge
        from chatbot.llm.snippets import select

        self.answers += 1
        if response.get("composer") != Composer.LLM:
            failure = response.get("failure_class") or "none"
            self.fallbacks[failure] = self.fallbacks.get(failure, 0) + 1
            return
        self.replies += 1
        if not self.judge or not response.get("sources"):
            return
        faq = Faq.objects.filter(pk=response["sources"][0]["faq_id"]).first()
        if faq is None:
            return
        question = redact(case.query).text
        grade = judge.grade(question=question, snippets=select(question, [faq]), reply=response["answer"] or "")
        if grade is not None:
            self.faithfulness.append(grade.faithfulness)
            self.relevance.append(grade.relevance)

    def summary(self) -> dict[str, Any]:
        mean = lambda values: round(sum(values) / len(values), 3) if values else None  # noqa: E731
        return {
            "llm_replies": round(self.replies / self.answers, 4) if self.answers else 0.0,
            "llm_fallbacks": dict(sorted(self.fallbacks.items())),
            "llm_judged": len(self.faithfulness),
            "llm_faithfulness": mean(self.faithfulness),
            "llm_relevance": mean(self.relevance),
        }

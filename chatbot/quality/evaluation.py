"""Every measure of CONTRACTS section 3 over a set of cases, asked through the real pipeline."""

import re
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np

from chatbot.gate.observations import Case
from chatbot.models import Channel, Composer
from chatbot.pipeline import LIVE, PipelineConfig, turn_ask
from chatbot.privacy import redact
from faq.models import Faq
from faq.selectors import faqs_by_id

# Numbers as written in answers: 1,000 / 8:30 / 0000-11-1301 / 2026.4.1 (after NFKC, so full-width digits count).
KEY_FACT = re.compile(r"\d+(?:[,:.\-/]\d+)*")


def key_facts(text: str) -> set[str]:
    """The facts a resident must not get wrong: numbers with their separators (fees, times, dates, phone numbers,
    counts), width-folded."""
    return {match.replace(",", "") for match in KEY_FACT.findall(unicodedata.normalize("NFKC", text or ""))}


def answer_grades(answer: str, expected: str, similarity: float) -> dict[str, float]:
    """How an answer compares with the expected FAQ answer: share of its key facts present, relative length
    deviation, and the cosine similarity given."""
    facts = key_facts(expected)
    present = key_facts(answer)
    return {
        "key_facts": round(len(facts & present) / len(facts), 4) if facts else 1.0,
        "length_deviation": round(abs(len(answer) - len(expected)) / max(len(expected), 1), 4),
        "similarity": round(similarity, 4),
    }


def evaluate_cases(
    cases: list[Case],
    *,
    log: bool = True,
    progress: Callable[[int], None] | None = None,
    judge: bool = True,
    details: list[dict[str, Any]] | None = None,
    config: PipelineConfig = LIVE,
) -> dict[str, Any]:
    """CONTRACTS section 3; with an LLM configured, also how its replies fared (and a judge's grades).

    Answers to answerable cases are also graded against the expected FAQ answer (the answered FAQ when it is a
    right one, else the first right one): key facts covered, length deviation, cosine similarity. With
    `details`, one dict per case is appended to it (outcome, rank of the first right FAQ, whether it was right)."""
    from chatbot.llm.composer import llm_enabled

    llm = LlmTally(judge=judge, config=config) if llm_enabled() else None
    grades: list[dict[str, float]] = []
    n = len(cases)
    answerable = [case for case in cases if case.answerable]
    counts = dict.fromkeys(
        (
            "answer",
            "answer_right",
            "clarify",
            "clarify_hit",
            "handoff",
            "oos_not_answered",
            "oos_handoff",
            "answerable_answered",
            "answerable_handoff",
        ),
        0,
    )
    sr1 = sr5 = mrr = 0.0
    latencies = []
    # English mode: of the answers and choices that are FAQs with English text, how many were shown in English.
    with_english = set(Faq.objects.exclude(question_en="").exclude(answer_en="").values_list("pk", flat=True))
    english_entries = english_shown = 0
    for case in cases:
        started = time.perf_counter()
        response = turn_ask(question=case.query, channel=Channel.EVAL, lang=case.lang or None, log=log, config=config)
        latencies.append((time.perf_counter() - started) * 1000)
        ranked = [str(c.get("external_id") or c["faq_id"]) for c in response["candidates"]]
        outcome = response["outcome"]
        if response.get("lang") == "en":
            shown = response["sources"][:1] if outcome == "answer" else response.get("choices", [])
            for entry in shown:
                if entry["faq_id"] in with_english:
                    english_entries += 1
                    in_english = entry.get("lang") == "en"
                    if outcome == "answer":
                        in_english = in_english and response.get("answer_lang") == "en"
                    english_shown += in_english
        rank = None
        if case.answerable:
            for position, faq in enumerate(ranked):
                if faq in case.relevant:
                    rank = position + 1
                    sr1 += position == 0
                    sr5 += position < 5
                    mrr += 1 / (position + 1)
                    break
        right = False
        source: dict[str, Any] = {}
        if outcome == "answer":
            counts["answer"] += 1
            if llm is not None:
                llm.add(case, response)
            source = response["sources"][0] if response["sources"] else {}
            right = case.answerable and str(source.get("external_id") or source.get("faq_id")) in case.relevant
            counts["answer_right"] += right
            if case.answerable:
                grade = _grade(case, response, source if right else None, config)
                if grade is not None:
                    grades.append(grade)
        elif outcome == "clarify":
            counts["clarify"] += 1
            offered = {str(c.get("external_id") or c["faq_id"]) for c in response.get("choices", [])}
            right = case.answerable and bool(offered & case.relevant)
            counts["clarify_hit"] += right
        elif outcome == "handoff":
            counts["handoff"] += 1
        if case.answerable:
            counts["answerable_answered"] += outcome == "answer"
            counts["answerable_handoff"] += outcome in ("handoff", "rejected")
        if not case.answerable:
            counts["oos_not_answered"] += outcome != "answer"
            counts["oos_handoff"] += outcome in ("handoff", "rejected")
            right = outcome != "answer"
        if details is not None:
            details.append(
                {
                    "id": case.case_id,
                    "query": case.query,
                    "answerable": case.answerable,
                    "outcome": outcome,
                    "rank": rank,
                    "answered_with": str(source.get("external_id") or source.get("faq_id") or ""),
                    "right": bool(right),
                    "failure_class": response.get("failure_class") or "",
                }
            )
        if progress:
            progress(1)
    oos = n - len(answerable)
    share = lambda value, total: round(value / total, 4) if total else 0.0  # noqa: E731
    extra = llm.summary() if llm is not None else {}
    mean = lambda key: round(sum(g[key] for g in grades) / len(grades), 4) if grades else None  # noqa: E731
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
        "answered_of_answerable": share(counts["answerable_answered"], len(answerable)),
        "handoff_answerable": share(counts["answerable_handoff"], len(answerable)),
        "oos_answered": share(oos - counts["oos_not_answered"], oos),
        "english_shown": share(english_shown, english_entries) if english_entries else None,
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        "p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
        "answers_graded": len(grades),
        "answer_key_facts": mean("key_facts"),
        "answer_length_deviation": mean("length_deviation"),
        "answer_similarity": mean("similarity"),
    } | extra


def _grade(
    case: Case, response: dict[str, Any], right_source: dict[str, Any] | None, config: PipelineConfig
) -> dict[str, float] | None:
    """Grades of one answer against the expected FAQ answer (None when no right FAQ exists any more)."""
    from faq.retrieval.encoders import UseMultilingualEncoder

    expected = None
    if right_source and right_source.get("faq_id") is not None:
        expected = faqs_by_id([int(right_source["faq_id"])], proposed=config.faqs).get(int(right_source["faq_id"]))
    if expected is None:
        keys = sorted(case.relevant)
        expected = (
            Faq.objects.filter(external_id__in=keys).order_by("external_id").first()
            or Faq.objects.filter(pk__in=[int(key) for key in keys if key.isdigit()], external_id__isnull=True)
            .order_by("pk")
            .first()
        )
    if expected is None:
        return None
    expected = config.faqs.get(expected.pk, expected)
    answer = response.get("answer") or ""
    if answer.strip() == expected.answer.strip():
        similarity = 1.0
    else:
        vectors = UseMultilingualEncoder().encode_queries([answer, expected.answer])
        similarity = float(vectors[0] @ vectors[1])
    return answer_grades(answer, expected.answer, similarity)


class LlmTally:
    """How the LLM's replies fared over the answered cases: replies, fall-backs by class, the judge's grades."""

    def __init__(self, *, judge: bool, config: PipelineConfig = LIVE) -> None:
        self.judge = judge
        self.config = config
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
        faq_id = response["sources"][0]["faq_id"]
        faq = faqs_by_id([faq_id], proposed=self.config.faqs).get(faq_id)
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

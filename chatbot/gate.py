"""The confidence gate: answer, offer a choice (clarify) or hand off, from features of the retrieval result.

Two kinds of configuration, both stored as versions in `GateConfig`:
- "thresholds": fixed cut-offs on the re-ranker's score and margin (the
  built-in default before any calibration);
- "logistic": two logistic models fitted by `calibrate_gate` on labelled
  cases, one for "the first candidate is right" and one for "a right FAQ is
  among the first three", with thresholds chosen on the same cases.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from faq.retrieval.index import SearchResult
from faq.retrieval.ranker import Candidate
from faq.retrieval.text import mostly_latin

FEATURES = (
    "top_score",
    "second_score",
    "margin",
    "top_fused",
    "fused_margin",
    "lexical_agrees",
    "dense_agrees",
    "close_count",
    "log_query_chars",
    "query_tokens",
    "unknown_share",
    "latin",
    "top_lexical",
    "top_e5_question",
    "top_e5_answer",
    "top_use_question",
    "top_use_answer",
    "top_query_coverage",
    "top_question_coverage",
)
CLOSE = 0.15  # candidates within this score of the first are "close"
MAX_CHOICES = 3

DEFAULT_THRESHOLDS = {"answer_score": 0.6, "answer_margin": 0.25, "clarify_score": 0.25, "department_score": 0.1}


def gate_features(question: str, result: SearchResult) -> dict[str, float]:
    """What the gate looks at; all finite numbers, zero when there is no candidate."""
    candidates = result.candidates
    features = dict.fromkeys(FEATURES, 0.0)
    features["log_query_chars"] = math.log1p(len(question))
    features["query_tokens"] = float(result.query_tokens)
    features["unknown_share"] = result.unknown_share
    features["latin"] = float(mostly_latin(question))
    if not candidates:
        return features
    top = candidates[0]
    second = candidates[1] if len(candidates) > 1 else None
    features["top_score"] = top.score
    features["second_score"] = second.score if second else 0.0
    features["margin"] = top.score - features["second_score"]
    features["top_fused"] = top.fused
    features["fused_margin"] = top.fused - (second.fused if second else top.fused - 10.0)
    features["close_count"] = float(sum(1 for c in candidates[1:] if top.score - c.score <= CLOSE))
    features["lexical_agrees"] = float(_leads(top, candidates, "lexical"))
    dense = [name for name in top.signals if ":" in name]
    features["dense_agrees"] = float(any(_leads(top, candidates, name) for name in dense))
    for name, key in (
        ("lexical", "top_lexical"),
        ("e5-small:question", "top_e5_question"),
        ("e5-small:answer", "top_e5_answer"),
        ("use-multilingual:question", "top_use_question"),
        ("use-multilingual:answer", "top_use_answer"),
    ):
        features[key] = float(top.signals.get(name, 0.0))
    features["top_query_coverage"] = float(top.features.get("query_coverage_question", 0.0))
    features["top_question_coverage"] = float(top.features.get("question_coverage", 0.0))
    return {key: value if math.isfinite(value) else 0.0 for key, value in features.items()}


def _leads(top: Candidate, candidates: Sequence[Candidate], signal: str) -> bool:
    best = max(candidates, key=lambda c: c.signals.get(signal, float("-inf")))
    return best.faq_id == top.faq_id and signal in top.signals


@dataclass
class Decision:
    outcome: str  # answer | clarify | handoff
    choices: list[int] = field(default_factory=list)  # indexes into the candidates
    department_from_candidates: bool = False
    p_answer: float = 0.0
    p_choice: float = 0.0


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 50.0), -50.0)))


def _logit(model: dict[str, Any], parameters: dict[str, Any], features: dict[str, float]) -> float:
    total = float(model["intercept"])
    columns = zip(parameters["features"], parameters["mean"], parameters["scale"], model["coef"], strict=True)
    for name, mean, scale, coef in columns:
        total += coef * (features.get(name, 0.0) - mean) / scale
    return total


def probabilities(parameters: dict[str, Any], features: dict[str, float]) -> tuple[float, float]:
    """How likely the first candidate is right, and how likely a right FAQ is among the offered choices."""
    return (
        _sigmoid(_logit(parameters["answer"], parameters, features)),
        _sigmoid(_logit(parameters["choice"], parameters, features)),
    )


def choices_for(candidates: Sequence[Candidate]) -> list[int]:
    """The 2-3 close candidates offered when the gate clarifies."""
    if len(candidates) < 2:
        return []
    top = candidates[0].score
    picked = [0, 1]
    if len(candidates) > 2 and top - candidates[2].score <= 2 * CLOSE:
        picked.append(2)
    return picked[:MAX_CHOICES]


def decide(
    kind: str, parameters: dict[str, Any], features: dict[str, float], candidates: Sequence[Candidate]
) -> Decision:
    if not candidates:
        return Decision("handoff")
    if kind == "logistic":
        p_answer, p_choice = probabilities(parameters, features)
        thresholds = parameters["thresholds"]
        if p_answer >= thresholds["answer"]:
            return Decision("answer", [0], True, p_answer, p_choice)
        choices = choices_for(candidates)
        if choices and p_choice >= thresholds["clarify"]:
            return Decision("clarify", choices, True, p_answer, p_choice)
        return Decision("handoff", [], p_choice >= thresholds["department"], p_answer, p_choice)
    limits = {**DEFAULT_THRESHOLDS, **parameters}
    top, margin = features["top_score"], features["margin"]
    if top >= limits["answer_score"] and margin >= limits["answer_margin"]:
        return Decision("answer", [0], True, top, top)
    choices = choices_for(candidates)
    if choices and top >= limits["clarify_score"]:
        return Decision("clarify", choices, True, top, top)
    return Decision("handoff", [], top >= limits["department_score"], top, top)

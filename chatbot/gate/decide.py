"""The gate's decision, in one place: answer, offer a choice (clarify) or hand off.

Two kinds of configuration, both stored as versions in `GateConfig`:
- "thresholds": fixed cut-offs on the re-ranker's score and margin (used
  only when no fitted model is installed);
- "logistic": two logistic models, one for "the first candidate is right"
  and one for "a right FAQ is among the offered choices", with thresholds
  chosen from explicit costs (`chatbot.gate.calibration`).
"""

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chatbot.gate.features import CLOSE, gate_features
from faq.retrieval.index import SearchResult
from faq.retrieval.ranker import Candidate

MAX_CHOICES = 3
MAX_RELATED = 2
# A candidate the re-ranker gives at least this probability of being relevant is "related": shown as a link
# beneath an answer, or beneath a handoff so that the resident sees what the FAQ does hold.
RELATED_SCORE = 0.2

DEFAULT_THRESHOLDS = {"answer_score": 0.6, "answer_margin": 0.25, "clarify_score": 0.25, "department_score": 0.1}


class GateOutcome(enum.StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOFF = "handoff"


class Reason(enum.StrEnum):
    """Why the gate decided as it did (a closed list; logged with the turn as its failure class)."""

    CONFIDENT = ""
    EXACT_MATCH = "exact_match"
    CLOSE_CANDIDATES = "close_candidates"
    LOW_CONFIDENCE = "low_confidence"
    NO_CANDIDATES = "no_candidates"
    OUT_OF_DATE = "out_of_date"


@dataclass
class Decision:
    outcome: GateOutcome
    choices: list[int] = field(default_factory=list)  # indexes into the candidates
    department_from_candidates: bool = False
    p_answer: float = 0.0
    p_choice: float = 0.0
    reason: Reason = Reason.CONFIDENT
    related: list[int] = field(default_factory=list)  # indexes of related FAQs shown as links
    features: dict[str, float] = field(default_factory=dict)
    department_faq: int | None = None  # the FAQ whose department takes the question, when not the first candidate


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 50.0), -50.0)))


def _logit(model: dict[str, Any], parameters: dict[str, Any], features: dict[str, float]) -> float:
    total = float(model["intercept"])
    columns = zip(parameters["features"], parameters["mean"], parameters["scale"], model["coef"], strict=True)
    for name, mean, scale, coef in columns:
        total += coef * (features.get(name, 0.0) - mean) / scale
    return total


def probabilities(parameters: dict[str, Any], features: dict[str, float]) -> tuple[float, float]:
    """How likely the first candidate is right, and how likely a right FAQ is among the offered choices.

    With a "recalibration" (a slope and an offset per model, fitted on one town's labelled questions), the
    models' logits are rescaled for that town: the same features can mean a surer answer in a town of 150
    distinct FAQs than in a city of 1,800 overlapping ones.
    """
    recalibration = parameters.get("recalibration") or {}
    values = []
    for name in ("answer", "choice"):
        logit = _logit(parameters[name], parameters, features)
        slope, offset = recalibration.get(name, (1.0, 0.0))
        values.append(_sigmoid(slope * logit + offset))
    return values[0], values[1]


def choices_for(candidates: Sequence[Candidate]) -> list[int]:
    """The 2-3 best candidates offered when the gate clarifies (the third when it is close to the first)."""
    if len(candidates) < 2:
        return []
    top = candidates[0].score
    picked = [0, 1]
    if len(candidates) > 2 and top - candidates[2].score <= 2 * CLOSE:
        picked.append(2)
    return picked[:MAX_CHOICES]


def related_for(candidates: Sequence[Candidate], start: int, limit: int = MAX_RELATED) -> list[int]:
    return [i for i in range(start, len(candidates)) if candidates[i].score >= RELATED_SCORE][:limit]


def decide(
    kind: str, parameters: dict[str, Any], features: dict[str, float], candidates: Sequence[Candidate]
) -> Decision:
    """The decision from the features alone (no exact match, no validity dates)."""
    if not candidates:
        return Decision(GateOutcome.HANDOFF, reason=Reason.NO_CANDIDATES)
    if kind == "logistic":
        p_answer, p_choice = probabilities(parameters, features)
        thresholds = parameters["thresholds"]
        answer, clarify, department = thresholds["answer"], thresholds["clarify"], thresholds["department"]
    else:
        limits = {**DEFAULT_THRESHOLDS, **parameters}
        top, margin = features["top_score"], features["margin"]
        p_answer = p_choice = top
        answer = 0.0 if margin >= limits["answer_margin"] and top >= limits["answer_score"] else 2.0
        clarify, department = limits["clarify_score"], limits["department_score"]
    if p_answer >= answer:
        return Decision(GateOutcome.ANSWER, [0], True, p_answer, p_choice, related=related_for(candidates, 1))
    choices = choices_for(candidates)
    if choices and p_choice >= clarify:
        return Decision(GateOutcome.CLARIFY, choices, True, p_answer, p_choice, Reason.CLOSE_CANDIDATES)
    related = bool(related_for(candidates, 0))
    # Its department takes the question when something related was found (the fitted gate; its choice model is
    # no evidence of a topic for a question in a script the re-ranker scores low, e.g. "What's the weather?").
    return Decision(
        GateOutcome.HANDOFF,
        [],
        related if kind == "logistic" else p_choice >= department or related,
        p_answer,
        p_choice,
        Reason.LOW_CONFIDENCE,
        related=related_for(candidates, 0, MAX_CHOICES),
    )


def gate_decide(question: str, result: SearchResult, kind: str, parameters: dict[str, Any]) -> Decision:
    """The whole decision for one retrieval result: validity dates, exact match, then the fitted model."""
    if result.out_of_date_faq is not None and result.with_out_of_date:
        # Would the gate have answered with the expired (or not yet valid) FAQ? Then the question is about that
        # rule: its department takes it, rather than a neighbouring answer.
        expired = replace(result, candidates=result.with_out_of_date)
        features = gate_features(question, expired)
        if decide(kind, parameters, features, expired.candidates).outcome != GateOutcome.HANDOFF:
            return Decision(
                GateOutcome.HANDOFF,
                reason=Reason.OUT_OF_DATE,
                features=features,
                department_faq=result.out_of_date_faq,
            )
    features = gate_features(question, result)
    candidates = result.candidates
    decision = decide(kind, parameters, features, candidates)
    if candidates and candidates[0].features.get("exact_match"):
        # Word for word one of the FAQ's approved questions (and no other FAQ's): staff said so; answer it.
        decision = replace(
            decision,
            outcome=GateOutcome.ANSWER,
            choices=[0],
            department_from_candidates=True,
            p_answer=max(decision.p_answer, candidates[0].score),
            reason=Reason.EXACT_MATCH,
            related=related_for(candidates, 1),
        )
    decision.features = features | {"p_answer": decision.p_answer, "p_choice": decision.p_choice}
    return decision

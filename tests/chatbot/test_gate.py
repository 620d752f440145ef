"""The confidence gate on made-up candidates: which outcome, which choices, which department."""

import math
from typing import Any

import pytest

from chatbot.gate import DEFAULT_THRESHOLDS, FEATURES, Decision, choices_for, decide, gate_features, probabilities
from faq.retrieval.index import SearchResult
from faq.retrieval.ranker import Candidate


def candidates(*scores: float) -> list[Candidate]:
    """Candidates ranked in the given order; the lexical signal follows the score."""
    return [
        Candidate(
            faq_id=100 + i,
            score=score,
            fused=10 * score,
            signals={"lexical": 5 * score, "e5-small:question": 0.5 + score / 2},
            features={"query_coverage_question": score, "question_coverage": score / 2},
        )
        for i, score in enumerate(scores)
    ]


def thresholds(*scores: float, **parameters: float) -> Decision:
    ranked = candidates(*scores)
    features = gate_features("粗大ごみを出したい", SearchResult(candidates=ranked, query_tokens=2))
    return decide("thresholds", parameters, features, ranked)


# gate_features -----------------------------------------------------------------------------------------------------


def test_features_describe_the_ranking() -> None:
    ranked = candidates(0.8, 0.7, 0.3)
    features = gate_features("粗大ごみを出したい", SearchResult(candidates=ranked, query_tokens=3, unknown_share=0.5))

    assert set(features) == set(FEATURES)
    assert features["top_score"] == 0.8
    assert features["second_score"] == 0.7
    assert features["margin"] == pytest.approx(0.1)
    assert features["close_count"] == 1.0  # 0.7 is within 0.15 of 0.8; 0.3 is not
    assert features["lexical_agrees"] == 1.0
    assert features["dense_agrees"] == 1.0
    assert features["top_lexical"] == 4.0
    assert features["top_query_coverage"] == 0.8
    assert features["query_tokens"] == 3.0
    assert features["unknown_share"] == 0.5
    assert features["latin"] == 0.0
    assert gate_features("Where is the library?", SearchResult(candidates=ranked))["latin"] == 1.0


def test_features_are_zero_without_candidates_and_always_finite() -> None:
    empty = gate_features("明日の天気は？", SearchResult(candidates=[]))
    assert all(empty[name] == 0.0 for name in ("top_score", "margin", "close_count", "top_fused"))

    broken = Candidate(faq_id=1, score=float("nan"), fused=float("inf"), signals={"lexical": float("-inf")})
    features = gate_features("x", SearchResult(candidates=[broken]))
    assert all(math.isfinite(value) for value in features.values())


# thresholds --------------------------------------------------------------------------------------------------------


def test_thresholds_confident_and_clear_first_candidate_is_answered() -> None:
    decision = thresholds(0.8, 0.1, 0.05)

    assert decision.outcome == "answer"
    assert decision.choices == [0]
    assert decision.department_from_candidates
    assert decision.p_answer == 0.8


@pytest.mark.parametrize(
    ("scores", "outcome", "choices"),
    [
        ((0.8, 0.7, 0.2), "clarify", [0, 1]),  # high but not clear of the second
        ((0.5, 0.45, 0.3), "clarify", [0, 1, 2]),  # third within 2 * 0.15 of the first
        ((0.5, 0.45, 0.1, 0.05), "clarify", [0, 1]),  # third too far behind
        ((0.3, 0.01), "clarify", [0, 1]),  # just above the clarify threshold
        ((0.2, 0.19, 0.18), "handoff", []),
    ],
)
def test_thresholds_unclear_first_candidate_offers_close_choices_or_hands_off(
    scores: tuple[float, ...], outcome: str, choices: list[int]
) -> None:
    decision = thresholds(*scores)

    assert decision.outcome == outcome
    assert decision.choices == choices


def test_thresholds_single_candidate_below_answer_cannot_clarify() -> None:
    decision = thresholds(0.5)

    assert decision.outcome == "handoff"
    assert decision.choices == []
    assert decision.department_from_candidates  # 0.5 >= department_score: its department takes it


def test_thresholds_weak_candidate_goes_to_general_reception() -> None:
    assert thresholds(0.15, 0.01).department_from_candidates
    weak = thresholds(0.05, 0.01)
    assert weak.outcome == "handoff"
    assert not weak.department_from_candidates


def test_thresholds_parameters_override_the_defaults() -> None:
    assert thresholds(0.8, 0.1).outcome == "answer"
    assert thresholds(0.8, 0.1, answer_score=0.9).outcome == "clarify"
    assert thresholds(0.8, 0.1, answer_score=0.9, clarify_score=0.85).outcome == "handoff"
    assert thresholds(0.8, 0.7, answer_margin=0.05).outcome == "answer"
    assert DEFAULT_THRESHOLDS["answer_score"] == 0.6  # unchanged by the overrides


@pytest.mark.parametrize("kind", ["thresholds", "logistic"])
def test_no_candidates_is_always_a_handoff_to_the_general_reception(kind: str) -> None:
    features = gate_features("明日の天気は？", SearchResult(candidates=[]))

    decision = decide(kind, {}, features, [])

    assert decision.outcome == "handoff"
    assert decision.choices == []
    assert not decision.department_from_candidates


# logistic ----------------------------------------------------------------------------------------------------------


def logistic_parameters(answer: float = 0.9, clarify: float = 0.5, department: float = 0.25) -> dict[str, Any]:
    """p(answer) = sigmoid(20 * (top_score - 0.6)), p(choice) = sigmoid(20 * (top_score - 0.3))."""
    return {
        "features": ["top_score", "margin"],
        "mean": [0.5, 0.0],
        "scale": [0.1, 1.0],
        "answer": {"coef": [2.0, 0.0], "intercept": -2.0},
        "choice": {"coef": [2.0, 0.0], "intercept": 4.0},
        "thresholds": {"answer": answer, "clarify": clarify, "department": department},
    }


def logistic(*scores: float, **limits: float) -> Decision:
    ranked = candidates(*scores)
    features = gate_features("粗大ごみを出したい", SearchResult(candidates=ranked))
    return decide("logistic", logistic_parameters(**limits), features, ranked)


def test_logistic_probabilities_follow_the_model() -> None:
    p_answer, p_choice = probabilities(logistic_parameters(), {"top_score": 0.6, "margin": 0.3})

    assert p_answer == pytest.approx(0.5)
    assert p_choice == pytest.approx(1 / (1 + math.exp(-6)))


@pytest.mark.parametrize(
    ("scores", "outcome", "choices", "department"),
    [
        ((0.8, 0.1), "answer", [0], True),  # p_answer 0.98
        ((0.5, 0.45, 0.3), "clarify", [0, 1, 2], True),  # p_answer 0.12, p_choice 0.98
        ((0.5,), "handoff", [], True),  # no second candidate to offer; its department takes it
        ((0.2, 0.15), "handoff", [], False),  # p_choice 0.12 < department 0.25
        ((0.25, 0.2), "handoff", [], True),  # p_choice 0.27: department, not a choice
    ],
)
def test_logistic_decisions(scores: tuple[float, ...], outcome: str, choices: list[int], department: bool) -> None:
    decision = logistic(*scores)

    assert decision.outcome == outcome
    assert decision.choices == choices
    assert decision.department_from_candidates is department
    assert 0.0 < decision.p_answer < 1.0
    assert 0.0 < decision.p_choice < 1.0


def test_logistic_thresholds_decide_not_the_scores() -> None:
    assert logistic(0.8, 0.1).outcome == "answer"
    assert logistic(0.8, 0.1, answer=0.999).outcome == "clarify"
    assert logistic(0.8, 0.1, answer=1.01, clarify=1.01).outcome == "handoff"


# choices_for -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((), []),
        ((0.9,), []),
        ((0.9, 0.1), [0, 1]),
        ((0.6, 0.5, 0.31), [0, 1, 2]),
        ((0.6, 0.5, 0.29), [0, 1]),
        ((0.5, 0.5, 0.5, 0.5, 0.5), [0, 1, 2]),
    ],
)
def test_choices_for_offers_two_or_three(scores: tuple[float, ...], expected: list[int]) -> None:
    assert choices_for(candidates(*scores)) == expected

"""The confidence gate on made-up candidates: which outcome, which choices, which department."""

import math
from typing import Any

import pytest

from chatbot.gate import (
    DEFAULT_THRESHOLDS,
    FEATURES,
    Decision,
    GateOutcome,
    Reason,
    choices_for,
    decide,
    gate_decide,
    gate_features,
    probabilities,
)
from faq.retrieval.index import SearchResult
from faq.retrieval.ranker import Candidate


def candidates(*scores: float) -> list[Candidate]:
    """Candidates ranked in the given order; the lexical signal follows the score."""
    return [
        Candidate(
            faq_id=100 + i,
            score=score,
            fused=10 * score,
            signals={"lexical": 5 * score, "e5-small:question": 0.5 + score / 2, "use:answer": score},
            features={
                "lexical": 2 * score,
                "e5-small:question": 3 * score,
                "raw:e5-small:question": 0.5 + score / 2,
                "use:answer": score,
                "raw:use:answer": score / 2,
                "query_coverage_question": score,
                "question_coverage": score / 2,
                "query_names_missing": 1.0,
            },
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
    assert features["signals_agree"] == 1.0  # every signal puts the first candidate first
    assert features["top_lexical_z"] == 1.6
    # Dense signals by role, whatever the encoder's name: z-scores and similarities.
    assert features["dense_question_z"] == pytest.approx(2.4)
    assert features["dense_question_sim"] == pytest.approx(0.9)
    assert features["dense_answer_z"] == pytest.approx(0.8)
    assert features["dense_answer_sim"] == pytest.approx(0.4)
    assert features["dense_question_sim_margin"] == pytest.approx(0.05)
    assert features["coverage_question"] == 0.8
    assert features["names_missing"] == 1.0
    assert features["log_query_tokens"] == pytest.approx(math.log1p(3))
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
        ((0.2, 0.15), "handoff", [], True),  # p_choice 0.12 < department 0.25, but 0.2 is related: its department
        ((0.15, 0.1), "handoff", [], False),  # nothing related: the general reception
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


# gate_decide: the whole decision in one place ------------------------------------------------------------------


def test_an_answer_lists_the_related_faqs_beneath_it() -> None:
    ranked = candidates(0.9, 0.35, 0.25, 0.1)

    decision = gate_decide("粗大ごみを出したい", SearchResult(candidates=ranked), "thresholds", {})

    assert decision.outcome == GateOutcome.ANSWER
    assert decision.reason == Reason.CONFIDENT
    assert decision.related == [1, 2]  # 0.1 is below RELATED_SCORE
    assert decision.features["p_answer"] == decision.p_answer


def test_a_handoff_with_related_faqs_names_them_and_one_without_does_not() -> None:
    strict = {"answer_score": 0.99, "clarify_score": 0.99}

    related = gate_decide("q", SearchResult(candidates=candidates(0.3, 0.25, 0.05)), "thresholds", strict)
    nothing = gate_decide("q", SearchResult(candidates=candidates(0.08, 0.05)), "thresholds", strict)

    assert related.outcome == nothing.outcome == GateOutcome.HANDOFF
    assert related.reason == nothing.reason == Reason.LOW_CONFIDENCE
    assert related.related == [0, 1]
    assert related.department_from_candidates
    assert nothing.related == []
    assert not nothing.department_from_candidates


def test_an_exact_match_is_answered_whatever_the_thresholds() -> None:
    ranked = candidates(0.99, 0.5)
    ranked[0].features["exact_match"] = 1.0

    decision = gate_decide("粗大ゴミ出したい", SearchResult(candidates=ranked), "logistic", logistic_parameters(1.01))

    assert decision.outcome == GateOutcome.ANSWER
    assert decision.reason == Reason.EXACT_MATCH
    assert decision.features["exact_match"] == 1.0


def test_a_question_about_an_expired_rule_goes_to_that_rules_department() -> None:
    expired = candidates(0.9, 0.1)
    valid = candidates(0.3, 0.2)
    result = SearchResult(candidates=valid, out_of_date_faq=expired[0].faq_id, with_out_of_date=expired)

    decision = gate_decide("q", result, "thresholds", {})

    assert decision.outcome == GateOutcome.HANDOFF
    assert decision.reason == Reason.OUT_OF_DATE
    assert decision.department_faq == expired[0].faq_id


def test_an_expired_faq_the_gate_would_not_have_answered_with_changes_nothing() -> None:
    expired = candidates(0.2, 0.15)
    valid = candidates(0.9, 0.1)
    result = SearchResult(candidates=valid, out_of_date_faq=expired[0].faq_id, with_out_of_date=expired)

    decision = gate_decide("q", result, "thresholds", {"clarify_score": 0.5})

    assert decision.outcome == GateOutcome.ANSWER
    assert decision.department_faq is None


def test_no_candidates_is_its_own_reason() -> None:
    decision = gate_decide("明日の天気は？", SearchResult(candidates=[]), "thresholds", {})

    assert (decision.outcome, decision.reason, decision.related) == (GateOutcome.HANDOFF, Reason.NO_CANDIDATES, [])


def test_outcomes_and_reasons_are_closed_lists() -> None:
    assert [o.value for o in GateOutcome] == ["answer", "clarify", "handoff"]
    assert {r.value for r in Reason} - {""} <= {
        "exact_match",
        "close_candidates",
        "low_confidence",
        "no_candidates",
        "out_of_date",
    }

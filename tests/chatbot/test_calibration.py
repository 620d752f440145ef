"""Choosing the gate's thresholds on observed cases whose right decisions are known."""

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chatbot.calibration import (
    Case,
    Observed,
    calibrate,
    cases_read,
    cases_split,
    limits_with_margin,
    measures,
    outcomes,
)
from chatbot.gate import FEATURES, decide, probabilities
from faq.retrieval.ranker import Candidate


def observed(
    top_score: float, *, top_right: bool, choice_right: bool, answerable: bool = True, has_choices: bool = True
) -> Observed:
    features = dict.fromkeys(FEATURES, 0.0)
    features["top_score"] = top_score
    case = Case(
        case_id=f"c{top_score:.3f}", query="…", relevant={"R-001"} if answerable else set(), answerable=answerable
    )
    return Observed(case, features, top_right, choice_right, has_choices)


def separable_set() -> list[Observed]:
    """40 cases: the higher the first candidate's score, the likelier it is right.

    - 20 answered right by the first candidate (top_score 0.70-0.95);
    - 6 whose right FAQ is only among the choices (0.40-0.50);
    - 4 with no right FAQ among the candidates (0.20-0.28);
    - 10 out of scope (0.00-0.12).
    Best possible: answer the 20, offer choices to the 6 (clarify share 0.15): 26 of 30 resolved.
    """
    rows = [observed(s, top_right=True, choice_right=True) for s in np.linspace(0.70, 0.95, 20)]
    rows += [observed(s, top_right=False, choice_right=True) for s in np.linspace(0.40, 0.50, 6)]
    rows += [observed(s, top_right=False, choice_right=False) for s in np.linspace(0.20, 0.28, 4)]
    rows += [observed(s, top_right=False, choice_right=False, answerable=False) for s in np.linspace(0.0, 0.12, 10)]
    return rows


def with_confident_mistakes() -> list[Observed]:
    """The separable set plus two cases where a wrong first candidate scores among the right ones."""
    return [
        *separable_set(),
        observed(0.83, top_right=False, choice_right=True),
        observed(0.88, top_right=False, choice_right=False),
    ]


def measured(rows: list[Observed], parameters: dict[str, Any]) -> dict[str, float]:
    """The measures of the stored gate on the rows, computed the way a live turn decides."""
    pairs = [probabilities(parameters, row.features) for row in rows]
    p_answer = np.asarray([p for p, _ in pairs])
    p_choice = np.asarray([p for _, p in pairs])
    has_choices = np.asarray([row.has_choices for row in rows])
    limits = parameters["thresholds"]
    answered, clarified = outcomes(p_answer, p_choice, has_choices, limits["answer"], limits["clarify"])
    return measures(rows, answered, clarified)


def best_resolved(rows: list[Observed], target: float, max_clarify: float = 0.30, min_oos: float = 0.85) -> float:
    """Brute force over cut-offs on top_score (both fitted models are monotone in it): the most resolved."""
    top = np.asarray([row.features["top_score"] for row in rows])
    has_choices = np.asarray([row.has_choices for row in rows])
    cuts = [*sorted(set(top.tolist())), np.inf]
    best = 0.0
    for t_answer, t_clarify in itertools.product(cuts, cuts):
        answered = top >= t_answer
        clarified = ~answered & has_choices & (top >= t_clarify)
        m = measures(rows, answered, clarified)
        if m["wrong_answer_rate"] <= target and m["clarify_share"] <= max_clarify and m["oos_handoff"] >= min_oos:
            best = max(best, m["resolved"])
    return best


def test_calibrate_on_separable_cases_finds_the_known_best_gate() -> None:
    rows = separable_set()

    parameters, table = calibrate(rows, margin=0, target_wrong_rate=0.05, folds=0)

    m = measured(rows, parameters)
    assert m["wrong_answer_rate"] == 0.0
    assert m["answered"] == 0.5  # exactly the 20 right ones
    assert m["clarify_share"] == 0.15  # exactly the 6 with a right choice
    assert m["resolved"] == round(26 / 30, 4)
    assert m["oos_handoff"] == 1.0
    assert m["resolved"] == best_resolved(rows, 0.05)
    chosen = parameters["thresholds"]
    assert 0.0 < chosen["answer"] < 1.0
    assert 0.0 < chosen["clarify"] < 1.0
    assert chosen["department"] == round(chosen["clarify"] / 2, 4)
    assert parameters["features"] == list(FEATURES)
    # The printed risk/coverage table includes the chosen row, with the same measures.
    row = next(r for r in table if r["answer_threshold"] == chosen["answer"])
    assert row["resolved"] == m["resolved"]
    assert row["wrong_answer_rate"] == m["wrong_answer_rate"]
    assert [r["answer_threshold"] for r in table] == sorted(r["answer_threshold"] for r in table)
    answered_shares = [r["answered"] for r in table]
    assert answered_shares == sorted(answered_shares, reverse=True)  # higher threshold, fewer answers


@pytest.mark.parametrize("target", [0.0, 0.05, 0.1])
def test_calibrate_with_confident_mistakes_respects_the_target_and_resolves_the_most(target: float) -> None:
    rows = with_confident_mistakes()

    parameters, _table = calibrate(rows, margin=0, target_wrong_rate=target, folds=0)

    m = measured(rows, parameters)
    assert m["wrong_answer_rate"] <= target
    assert m["clarify_share"] <= 0.30
    assert m["oos_handoff"] >= 0.85
    assert m["resolved"] == best_resolved(rows, target)


def test_looser_target_answers_more() -> None:
    rows = with_confident_mistakes()

    strict = measured(rows, calibrate(rows, margin=0, target_wrong_rate=0.0, folds=0)[0])
    loose = measured(rows, calibrate(rows, margin=0, target_wrong_rate=0.1, folds=0)[0])

    assert strict["wrong_answer_rate"] == 0.0
    assert loose["answered"] > strict["answered"]
    assert 0.0 < loose["wrong_answer_rate"] <= 0.1


def test_limits_on_clarify_and_out_of_scope_are_kept() -> None:
    # Out-of-scope questions that look like the choice-only ones: offering choices to those would
    # hand off too few out-of-scope questions, so the choice-only cases cannot be clarified either.
    rows = [
        *separable_set()[:30],
        *(observed(s, top_right=False, choice_right=False, answerable=False) for s in np.linspace(0.40, 0.50, 10)),
    ]

    parameters, _table = calibrate(rows, margin=0, target_wrong_rate=0.05, min_oos_handoff=0.85, folds=0)

    m = measured(rows, parameters)
    assert m["oos_handoff"] >= 0.85
    assert m["answered"] == 0.5
    assert m["resolved"] == best_resolved(rows, 0.05)
    assert m["resolved"] < round(26 / 30, 4)


def test_impossible_target_hands_everything_off() -> None:
    """Right and wrong first candidates look exactly alike: no threshold answers without a wrong answer."""
    rows = [observed(0.7, top_right=i % 2 == 0, choice_right=i % 2 == 0) for i in range(20)]
    rows += [observed(0.7, top_right=False, choice_right=False, answerable=False) for _ in range(4)]

    parameters, table = calibrate(rows, margin=0, target_wrong_rate=0.0, folds=0)

    assert parameters["thresholds"]["answer"] == 1.01
    assert parameters["thresholds"]["clarify"] == 1.01
    m = measured(rows, parameters)
    assert m["answered"] == 0.0
    assert m["clarify_share"] == 0.0
    assert m["oos_handoff"] == 1.0
    assert any(r["answer_threshold"] == 1.01 for r in table)
    two = [Candidate(1, 0.7, 1.0, {"lexical": 1.0}), Candidate(2, 0.6, 0.5, {"lexical": 0.5})]
    assert {decide("logistic", parameters, row.features, two).outcome for row in rows} == {"handoff"}


def test_calibrate_without_cases_is_an_error() -> None:
    with pytest.raises(ValueError, match="no cases"):
        calibrate([], target_wrong_rate=0.05)


# case files --------------------------------------------------------------------------------------------------------


def write_cases(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cases_read_the_contract_format(tmp_path: Path) -> None:
    path = write_cases(
        tmp_path,
        [
            json.dumps(
                {"id": "p001", "query": "粗大ごみ", "relevant_ids": ["R-001", 2], "answerable": True, "lang": "ja"}
            ),
            "",
            json.dumps({"query": "明日の天気は？", "answerable": False}),
            json.dumps({"id": 7, "query": "How do I register my dog?", "relevant_ids": ["R-008"], "lang": "en"}),
        ],
    )

    cases = cases_read(path)

    assert [c.case_id for c in cases] == ["p001", "3", "7"]
    assert cases[0].relevant == {"R-001", "2"}
    assert cases[0].answerable
    assert cases[2].answerable
    assert not cases[1].answerable
    assert cases[1].relevant == set()
    assert [c.lang for c in cases] == ["ja", "", "en"]
    assert [c.case_id for c in cases_split(cases, "odd")] == ["p001", "7"]
    assert [c.case_id for c in cases_split(cases, "even")] == ["3"]
    assert cases_split(cases, "all") == cases


@pytest.mark.parametrize("bad", ["{not json", json.dumps({"id": "x"}), json.dumps(["query"]), "42"])
def test_cases_read_names_the_bad_line(tmp_path: Path, bad: str) -> None:
    path = write_cases(tmp_path, [json.dumps({"query": "粗大ごみ"}), json.dumps({"query": "住民票"}), bad])

    with pytest.raises(ValueError, match=r"^line 3: "):
        cases_read(path)


def test_cross_fitted_thresholds_hold_out_of_fold_and_models_are_the_fold_average() -> None:
    """The default: thresholds chosen on out-of-fold probabilities, stored models averaged over the folds."""
    rows = with_confident_mistakes() * 2  # 84 cases: five folds of 16-17

    parameters, table = calibrate(rows, margin=0, target_wrong_rate=0.05)
    in_sample, _ = calibrate(rows, margin=0, target_wrong_rate=0.05, folds=0)

    chosen = next(r for r in table if r["answer_threshold"] == parameters["thresholds"]["answer"])
    # The table is the out-of-fold estimate the thresholds were chosen on: it meets the limits.
    assert chosen["wrong_answer_rate"] <= 0.05
    assert chosen["clarify_share"] <= 0.30
    assert chosen["oos_handoff"] >= 0.85
    assert chosen["resolved"] > 0.3  # it still answers or offers choices, not only hands off
    # Averaging five models fitted on 4/5 of the cases gives other coefficients than one fitted on all.
    assert parameters["answer"]["coef"] != in_sample["answer"]["coef"]
    top = FEATURES.index("top_score")
    assert parameters["answer"]["coef"][top] > 0  # still: the higher the score, the likelier right
    assert measured(rows, parameters)["wrong_answer_rate"] <= 0.05


def test_too_few_cases_for_folds_fit_once() -> None:
    rows = separable_set()[:8]

    assert (
        calibrate(rows, margin=0, target_wrong_rate=0.05)[0]
        == calibrate(rows, margin=0, target_wrong_rate=0.05, folds=0)[0]
    )


def test_margin_tightens_the_share_limits_by_standard_errors() -> None:
    rows = separable_set()  # 40 cases, 10 of them out of scope

    assert limits_with_margin(rows, 0.30, 0.85, 0.0) == (0.30, 0.85)
    clarify, oos = limits_with_margin(rows, 0.30, 0.85, 1.0)
    assert clarify == round(0.30 - (0.30 * 0.70 / 40) ** 0.5, 4)  # 0.2275
    assert oos == round(0.85 + (0.85 * 0.15 / 10) ** 0.5, 4)  # 0.9629
    assert limits_with_margin(rows, 0.30, 0.85, 5.0) == (0.0, 1.0)


def choice_heavy_set() -> list[Observed]:
    """100 cases where offering choices is the only way to resolve most answerable questions.

    - 10 answered right by the first candidate (0.90-0.99);
    - 40 whose right FAQ is among the choices, the higher the score the likelier (0.30-0.80);
    - 20 answerable with no right FAQ among the candidates (0.10-0.30);
    - 30 out of scope, some of which score like the choice cases (0.00-0.45).
    """
    rows = [observed(s, top_right=True, choice_right=True) for s in np.linspace(0.90, 0.99, 10)]
    rows += [observed(s, top_right=False, choice_right=True) for s in np.linspace(0.30, 0.80, 40)]
    rows += [observed(s, top_right=False, choice_right=False) for s in np.linspace(0.10, 0.30, 20)]
    rows += [observed(s, top_right=False, choice_right=False, answerable=False) for s in np.linspace(0.0, 0.45, 30)]
    return rows


def test_margin_keeps_the_chosen_gate_inside_the_limits_and_costs_resolved() -> None:
    rows = choice_heavy_set()

    exact = measured(rows, calibrate(rows, target_wrong_rate=0.05, margin=0, folds=0)[0])
    kept = measured(rows, calibrate(rows, target_wrong_rate=0.05, margin=1.0, folds=0)[0])
    clarify_limit, oos_limit = limits_with_margin(rows, 0.30, 0.85, 1.0)

    # Without a margin the clarify share goes right up to its limit; with one it stays a standard error inside.
    assert 0.28 <= exact["clarify_share"] <= 0.30
    assert kept["clarify_share"] <= clarify_limit < 0.28
    assert kept["oos_handoff"] >= oos_limit > 0.85
    assert exact["resolved"] == best_resolved(rows, 0.05)
    # The clarify threshold is searched on 51 quantiles: within one of the 70 answerable cases of the best.
    assert kept["resolved"] >= best_resolved(rows, 0.05, max_clarify=clarify_limit, min_oos=oos_limit) - 1 / 70 - 1e-4
    assert kept["resolved"] < exact["resolved"]
    assert kept["wrong_answer_rate"] <= 0.05


def test_default_margin_is_one_standard_error() -> None:
    rows = choice_heavy_set()

    assert (
        calibrate(rows, target_wrong_rate=0.05, folds=0)[0]
        == calibrate(rows, target_wrong_rate=0.05, margin=1.0, folds=0)[0]
    )

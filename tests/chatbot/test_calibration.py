"""Choosing the gate's thresholds on observed cases whose right decisions are known."""

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chatbot.gate import FEATURES, decide, probabilities
from chatbot.gate.calibration import CLICK, PHONE, calibrate, case_costs, case_weights, outcomes
from chatbot.gate.observations import (
    Case,
    Observed,
    cases_read,
    cases_split,
    measures,
    observed_dump,
    observed_load,
    oos_share_from,
)
from chatbot.gate.shipped import CAUTION_LEVELS, shipped, with_caution
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


def least_cost(rows: list[Observed], wrong: float, oos_share: float = 0.25) -> float:
    """Brute force over cut-offs on top_score (both fitted models are monotone in it): the least weighted cost."""
    top = np.asarray([row.features["top_score"] for row in rows])
    has_choices = np.asarray([row.has_choices for row in rows])
    weights = case_weights(rows, oos_share)
    cuts = [*sorted(set(top.tolist())), np.inf]
    best = np.inf
    for t_answer, t_clarify in itertools.product(cuts, cuts):
        answered = top >= t_answer
        clarified = ~answered & has_choices & (top >= t_clarify)
        best = min(best, float((case_costs(rows, answered, clarified, wrong) * weights).sum()))
    return best


def cost_of(rows: list[Observed], parameters: dict[str, Any], wrong: float, oos_share: float = 0.25) -> float:
    pairs = [probabilities(parameters, row.features) for row in rows]
    p_answer = np.asarray([p for p, _ in pairs])
    p_choice = np.asarray([p for _, p in pairs])
    has_choices = np.asarray([row.has_choices for row in rows])
    limits = parameters["thresholds"]
    answered, clarified = outcomes(p_answer, p_choice, has_choices, limits["answer"], limits["clarify"])
    return float((case_costs(rows, answered, clarified, wrong) * case_weights(rows, oos_share)).sum())


def test_calibrate_on_separable_cases_finds_the_known_best_gate() -> None:
    rows = separable_set()

    parameters, table = calibrate(rows, folds=0)

    m = measured(rows, parameters)
    assert m["wrong_answer_rate"] == 0.0
    assert m["answered"] == 0.5  # exactly the 20 right ones
    assert m["clarify_share"] == 0.15  # exactly the 6 with a right choice
    assert m["resolved"] == round(26 / 30, 4)
    assert m["oos_handoff"] == 1.0
    assert m["handoff_answerable"] == round(4 / 30, 4)  # only the 4 with no right FAQ among the candidates
    assert m["oos_answered"] == 0.0
    chosen = parameters["thresholds"]
    assert 0.0 < chosen["answer"] < 1.0
    assert 0.0 < chosen["clarify"] < 1.0
    assert chosen["department"] == round(chosen["clarify"] / 2, 4)
    assert parameters["features"] == list(FEATURES)
    assert parameters["caution"] == "standard"
    assert set(parameters["levels"]) == set(CAUTION_LEVELS)
    # The printed risk/coverage table includes the chosen row, with the same measures.
    row = next(r for r in table if r["answer_threshold"] == chosen["answer"])
    assert row["resolved"] == m["resolved"]
    assert row["wrong_answer_rate"] == m["wrong_answer_rate"]
    assert [r["answer_threshold"] for r in table] == sorted(r["answer_threshold"] for r in table)
    answered_shares = [r["answered"] for r in table]
    assert answered_shares == sorted(answered_shares, reverse=True)  # higher threshold, fewer answers


@pytest.mark.parametrize("caution", list(CAUTION_LEVELS))
def test_each_caution_level_has_the_least_cost_for_its_price_of_a_wrong_answer(caution: str) -> None:
    rows = with_confident_mistakes()

    parameters, _table = calibrate(rows, folds=0, caution=caution)

    # The thresholds are searched on quantiles of the probabilities; on these 42 cases that is every value.
    assert cost_of(rows, parameters, CAUTION_LEVELS[caution]) == pytest.approx(
        least_cost(rows, CAUTION_LEVELS[caution])
    )


def test_the_dearer_a_wrong_answer_the_fewer_answers() -> None:
    """One wrong first candidate (0.80) among 40 right ones: answering the 30 right ones below it saves 30 clicks
    (7.5 calls) at the price of one wrong answer: worth it when a wrong answer costs 3 calls, not 10 or 20."""
    rows = [observed(s, top_right=True, choice_right=True) for s in np.linspace(0.61, 0.79, 30)]
    rows += [observed(0.80, top_right=False, choice_right=True)]
    rows += [observed(s, top_right=True, choice_right=True) for s in np.linspace(0.81, 0.95, 10)]
    parameters, _table = calibrate(rows, folds=0)

    answered = {level: measured(rows, with_caution(parameters, level))["answered"] for level in CAUTION_LEVELS}
    wrong = {level: measured(rows, with_caution(parameters, level))["wrong_answer_rate"] for level in CAUTION_LEVELS}

    assert answered["careful"] <= answered["standard"] <= answered["bold"]
    assert wrong["careful"] <= wrong["standard"] <= wrong["bold"]
    assert answered["careful"] < answered["bold"]
    # The same models at every level: only the thresholds differ.
    assert with_caution(parameters, "bold")["answer"] == parameters["answer"]


def test_out_of_scope_questions_that_look_like_choices_are_handed_off_when_they_are_common() -> None:
    """Out-of-scope questions scoring like the choice-only ones: at a high expected out-of-scope share, offering
    choices costs those residents a useless click more than it saves the others a call."""
    rows = [
        *separable_set()[:30],
        *(observed(s, top_right=False, choice_right=False, answerable=False) for s in np.linspace(0.40, 0.50, 10)),
    ]

    rare = measured(rows, calibrate(rows, folds=0, oos_share=0.1)[0])
    common = measured(rows, calibrate(rows, folds=0, oos_share=0.8)[0])

    assert rare["clarify_share"] > 0.0  # the 6 choice-only questions get their choice
    assert common["oos_handoff"] == 1.0
    assert common["resolved"] < rare["resolved"]
    assert rare["answered"] == common["answered"] == 0.5


def test_weights_make_the_out_of_scope_share_the_expected_one() -> None:
    rows = separable_set()  # 10 of 40 out of scope

    weights = case_weights(rows, 0.5)
    oos = np.asarray([not row.case.answerable for row in rows])

    assert weights.sum() == pytest.approx(40)
    assert weights[oos].sum() == pytest.approx(20)
    assert (case_weights(rows[:30], 0.5) == 1.0).all()  # no out-of-scope case: nothing to weigh


def test_costs_are_in_phone_calls() -> None:
    rows = [
        observed(0.9, top_right=True, choice_right=True),
        observed(0.8, top_right=False, choice_right=True),
        observed(0.5, top_right=False, choice_right=True),
        observed(0.4, top_right=False, choice_right=False),
        observed(0.1, top_right=False, choice_right=False, answerable=False),
    ]
    answered = np.asarray([True, True, False, False, False])
    clarified = np.asarray([False, False, True, True, False])

    assert case_costs(rows, answered, clarified, 10.0).tolist() == [0.0, 10.0, CLICK, CLICK + PHONE, PHONE]


def test_when_right_and_wrong_look_alike_nothing_is_answered() -> None:
    """Right and wrong first candidates look exactly alike: answering costs more than it saves."""
    rows = [observed(0.7, top_right=i % 2 == 0, choice_right=i % 2 == 0) for i in range(20)]
    rows += [observed(0.7, top_right=False, choice_right=False, answerable=False) for _ in range(4)]

    parameters, table = calibrate(rows, folds=0)

    assert parameters["thresholds"]["answer"] == 1.01
    m = measured(rows, parameters)
    assert m["answered"] == 0.0
    assert any(r["answer_threshold"] == 1.01 for r in table)
    two = [Candidate(1, 0.7, 1.0, {"lexical": 1.0}), Candidate(2, 0.6, 0.5, {"lexical": 0.5})]
    assert "answer" not in {decide("logistic", parameters, row.features, two).outcome for row in rows}


def test_calibrate_without_cases_is_an_error() -> None:
    with pytest.raises(ValueError, match="no cases"):
        calibrate([])


def test_unknown_caution_is_an_error() -> None:
    parameters, _table = calibrate(separable_set(), folds=0)
    with pytest.raises(ValueError, match="unknown caution level"):
        with_caution(parameters, "reckless")


def test_observations_round_trip_as_numbers_only() -> None:
    rows = separable_set()

    dumped = observed_dump(rows)
    loaded = observed_load(json.loads(json.dumps(dumped)), "pooled")

    assert all("query" not in row for row in dumped)
    assert [o.top_right for o in loaded] == [o.top_right for o in rows]
    assert [o.case.answerable for o in loaded] == [o.case.answerable for o in rows]
    assert calibrate(loaded, folds=0)[0]["thresholds"] == calibrate(rows, folds=0)[0]["thresholds"]


def test_out_of_scope_share_from_labelled_turns_once_there_are_enough() -> None:
    few = [Case(case_id=str(i), query="q", relevant=set(), answerable=i % 2 == 0) for i in range(10)]
    many = [Case(case_id=str(i), query="q", relevant=set(), answerable=i % 5 != 0) for i in range(100)]

    assert oos_share_from(few, 0.25) == 0.25
    assert oos_share_from(many, 0.25) == 0.2


def test_the_shipped_gate_fits_todays_features() -> None:
    """chatbot/gate/fitted.json is refitted (`fit_gate`) whenever the features change."""
    parameters = shipped()

    assert parameters["features"] == list(FEATURES)
    assert parameters["caution"] == "standard"
    for level in CAUTION_LEVELS:
        thresholds = shipped(level)["thresholds"]
        assert 0.0 < thresholds["clarify"] <= thresholds["answer"] <= 1.01
    assert shipped("careful")["thresholds"]["answer"] >= shipped("bold")["thresholds"]["answer"]


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


def test_cross_fitted_thresholds_are_chosen_out_of_fold_and_models_are_the_fold_average() -> None:
    """The default: thresholds chosen on out-of-fold probabilities, stored models averaged over the folds."""
    rows = with_confident_mistakes() * 2  # 84 cases: five folds of 16-17

    parameters, table = calibrate(rows)
    in_sample, _ = calibrate(rows, folds=0)

    chosen = next(r for r in table if r["answer_threshold"] == parameters["thresholds"]["answer"])
    assert chosen["resolved"] > 0.3  # it still answers or offers choices, not only hands off
    # Averaging five models fitted on 4/5 of the cases gives other coefficients than one fitted on all.
    assert parameters["answer"]["coef"] != in_sample["answer"]["coef"]
    top = FEATURES.index("top_score")
    assert parameters["answer"]["coef"][top] > 0  # still: the higher the score, the likelier right


def test_too_few_cases_for_folds_fit_once() -> None:
    rows = separable_set()[:8]

    assert calibrate(rows)[0] == calibrate(rows, folds=0)[0]

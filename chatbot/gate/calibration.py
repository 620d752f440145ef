"""Choosing the gate from labelled cases: fit two models, then pick thresholds from explicit costs."""

from dataclasses import dataclass
from typing import Any

import numpy as np

from chatbot.gate.features import FEATURES
from chatbot.gate.observations import DEFAULT_OOS_SHARE, Observed, measures
from chatbot.gate.shipped import CAUTION_LEVELS, DEFAULT_CAUTION, with_caution

# A resident's cost of each outcome, in phone calls:
# - a right answer costs nothing; a wrong answer costs `wrong` (the caution level: a resident misled by a confident
#   answer acts on it, or calls anyway after losing time);
# - a choice that holds the right FAQ costs one click (`CLICK`); a choice that does not costs the click and the call;
# - a handoff costs the call (`PHONE`).
# Cases are weighted so that the out-of-scope questions make up `oos_share` of the mix (the share a town expects,
# not the share its case file happens to have), and the thresholds minimise the expected cost per question on
# out-of-fold probabilities.
ANSWER_GRID = 200
CLARIFY_GRID = 60
PHONE = 1.0
CLICK = 0.25


def _model(
    matrix: np.ndarray, labels: np.ndarray, weights: np.ndarray, mean: list[float], scale: list[float]
) -> dict[str, Any]:
    """Weighted logistic regression on features standardised with the given mean and scale."""
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        # Nothing to tell apart: a constant model that says what the labels say.
        return {"coef": [0.0] * matrix.shape[1], "intercept": 10.0 if labels[0] else -10.0}
    standardised = (matrix - np.asarray(mean)) / np.asarray(scale)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(standardised, labels, sample_weight=weights)
    return {"coef": [round(float(v), 6) for v in model.coef_[0]], "intercept": round(float(model.intercept_[0]), 6)}


def _standardisation(matrix: np.ndarray) -> tuple[list[float], list[float]]:
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return [round(float(v), 6) for v in mean], [round(float(v), 6) for v in scale]


def _probabilities(matrix: np.ndarray, model: dict[str, Any], mean: list[float], scale: list[float]) -> np.ndarray:
    logits = ((matrix - np.asarray(mean)) / np.asarray(scale)) @ np.asarray(model["coef"]) + model["intercept"]
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))


def case_weights(observed: list[Observed], oos_share: float) -> np.ndarray:
    """Weights that make the out-of-scope cases `oos_share` of the total (all ones when one kind is missing)."""
    oos = np.asarray([not o.case.answerable for o in observed])
    weights = np.ones(len(observed))
    n_oos, n_in = int(oos.sum()), int((~oos).sum())
    if n_oos and n_in and 0.0 < oos_share < 1.0:
        weights[oos] = oos_share * len(observed) / n_oos
        weights[~oos] = (1.0 - oos_share) * len(observed) / n_in
    return weights


def outcomes(p_answer: np.ndarray, p_choice: np.ndarray, has_choices: np.ndarray, t_answer: float, t_clarify: float):  # type: ignore[no-untyped-def]
    answered = p_answer >= t_answer
    clarified = ~answered & has_choices & (p_choice >= t_clarify)
    return answered, clarified


def case_costs(observed: list[Observed], answered: np.ndarray, clarified: np.ndarray, wrong: float) -> np.ndarray:
    """Each case's cost to the resident, in phone calls (see the costs above)."""
    top_right = np.asarray([o.top_right for o in observed])
    choice_right = np.asarray([o.choice_right for o in observed])
    return np.where(
        answered,
        np.where(top_right, 0.0, wrong),
        np.where(clarified, np.where(choice_right, CLICK, CLICK + PHONE), PHONE),
    )


def _cross_fitted(
    matrix: np.ndarray, labels: np.ndarray, weights: np.ndarray, mean: list[float], scale: list[float], folds: int
) -> tuple[dict[str, Any], np.ndarray]:
    """The average of `folds` models, each fitted without one part, and every case's out-of-fold probability."""
    order = np.random.RandomState(0).permutation(len(labels))
    estimates = np.zeros(len(labels))
    models = []
    for held in np.array_split(order, folds):
        kept = np.setdiff1d(order, held)
        model = _model(matrix[kept], labels[kept], weights[kept], mean, scale)
        estimates[held] = _probabilities(matrix[held], model, mean, scale)
        models.append(model)
    average = {
        "coef": [round(float(v), 6) for v in np.mean([m["coef"] for m in models], axis=0)],
        "intercept": round(float(np.mean([m["intercept"] for m in models])), 6),
    }
    return average, estimates


@dataclass
class Fitted:
    """Both models and every case's out-of-fold probabilities, from which thresholds are chosen."""

    observed: list[Observed]
    weights: np.ndarray
    p_answer: np.ndarray
    p_choice: np.ndarray
    has_choices: np.ndarray
    parameters: dict[str, Any]


def fit(observed: list[Observed], *, oos_share: float = DEFAULT_OOS_SHARE, folds: int = 5) -> Fitted:
    """Fit how likely the first candidate is right and how likely the choices hold a right FAQ.

    With `folds` >= 2 (the default) every case's probability comes from a
    model fitted without it, and the stored models are the average of the
    fold models: a model scores the cases it was fitted on too confidently,
    and thresholds picked there let more wrong answers through on new
    questions. `folds=0` fits once and chooses on the same cases.
    """
    if not observed:
        raise ValueError("no cases to calibrate on")
    matrix = np.asarray([[o.features.get(name, 0.0) for name in FEATURES] for o in observed])
    top_right = np.asarray([o.top_right for o in observed], dtype=int)
    choice_right = np.asarray([o.choice_right for o in observed], dtype=int)
    weights = case_weights(observed, oos_share)
    mean, scale = _standardisation(matrix)
    if folds >= 2 and len(observed) >= 2 * folds:
        answer_model, p_answer = _cross_fitted(matrix, top_right, weights, mean, scale, folds)
        choice_model, p_choice = _cross_fitted(matrix, choice_right, weights, mean, scale, folds)
    else:
        answer_model = _model(matrix, top_right, weights, mean, scale)
        choice_model = _model(matrix, choice_right, weights, mean, scale)
        p_answer = _probabilities(matrix, answer_model, mean, scale)
        p_choice = _probabilities(matrix, choice_model, mean, scale)
    parameters = {
        "features": list(FEATURES),
        "mean": mean,
        "scale": scale,
        "answer": answer_model,
        "choice": choice_model,
        "oos_share": oos_share,
        "costs": {"phone": PHONE, "click": CLICK, "wrong_by_caution": CAUTION_LEVELS},
    }
    has_choices = np.asarray([o.has_choices for o in observed])
    return Fitted(observed, weights, p_answer, p_choice, has_choices, parameters)


def _logits(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def _platt(p: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Slope and offset on the logit that make the probabilities match these labels (weighted)."""
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        return 1.0, 0.0
    model = LogisticRegression(C=100.0, max_iter=1000).fit(_logits(p)[:, None], labels, sample_weight=weights)
    return round(float(model.coef_[0][0]), 6), round(float(model.intercept_[0]), 6)


def recalibrated(fitted: Fitted, rows: np.ndarray | None = None) -> tuple[Fitted, dict[str, list[float]]]:
    """One town's recalibration: slope and offset per model fitted on its rows' probabilities and labels.

    The rows' probabilities must not come from a model fitted on them: `fit`'s out-of-fold probabilities, or a
    shipped model's probabilities on a town's own labelled questions. Returns the rows with recalibrated
    probabilities (to choose thresholds on) and the recalibration to store with the gate.
    """
    index = np.arange(len(fitted.observed)) if rows is None else rows
    observed = [fitted.observed[i] for i in index]
    weights = case_weights(observed, fitted.parameters["oos_share"])
    top_right = np.asarray([o.top_right for o in observed], dtype=int)
    choice_right = np.asarray([o.choice_right for o in observed], dtype=int)
    answer = _platt(fitted.p_answer[index], top_right, weights)
    choice = _platt(fitted.p_choice[index], choice_right, weights)

    def apply(p: np.ndarray, slope_offset: tuple[float, float]) -> np.ndarray:
        slope, offset = slope_offset
        return 1.0 / (1.0 + np.exp(-np.clip(slope * _logits(p) + offset, -50, 50)))

    recalibration = {"answer": list(answer), "choice": list(choice)}
    town = Fitted(
        observed,
        weights,
        apply(fitted.p_answer[index], answer),
        apply(fitted.p_choice[index], choice),
        fitted.has_choices[index],
        fitted.parameters | {"recalibration": recalibration},
    )
    return town, recalibration


def levels_for(fitted: Fitted) -> dict[str, dict[str, Any]]:
    """Every caution level's thresholds and what they give on these rows."""
    levels = {}
    for level, wrong in CAUTION_LEVELS.items():
        thresholds = choose(fitted, wrong)
        levels[level] = {**thresholds, "estimate": estimate(fitted, thresholds, wrong)}
    return levels


def observed_with(parameters: dict[str, Any], observed: list[Observed]) -> Fitted:
    """A stored gate's probabilities on a town's own labelled questions (not refitted)."""
    from chatbot.gate.decide import probabilities

    models = {key: value for key, value in parameters.items() if key != "recalibration"}
    pairs = [probabilities(models, o.features) for o in observed]
    return Fitted(
        observed,
        case_weights(observed, parameters["oos_share"]),
        np.asarray([p for p, _ in pairs]),
        np.asarray([p for _, p in pairs]),
        np.asarray([o.has_choices for o in observed]),
        models,
    )


def choose(fitted: Fitted, wrong: float) -> dict[str, float]:
    """The thresholds with the least expected cost per question (ties: the more cautious)."""
    answer_grid = sorted(
        {1.01, *np.quantile(fitted.p_answer, np.linspace(0, 1, ANSWER_GRID)).round(4).tolist()}, reverse=True
    )
    clarify_grid = sorted(
        {1.01, *np.quantile(fitted.p_choice, np.linspace(0, 1, CLARIFY_GRID)).round(4).tolist()}, reverse=True
    )
    best: tuple[float, float, float] | None = None
    for t_answer in answer_grid:
        for t_clarify in clarify_grid:
            answered, clarified = outcomes(fitted.p_answer, fitted.p_choice, fitted.has_choices, t_answer, t_clarify)
            cost = float((case_costs(fitted.observed, answered, clarified, wrong) * fitted.weights).sum())
            if best is None or cost < best[0] - 1e-9:
                best = (cost, t_answer, t_clarify)
    assert best is not None
    return {"answer": round(best[1], 4), "clarify": round(best[2], 4), "department": round(best[2] / 2, 4)}


def estimate(fitted: Fitted, thresholds: dict[str, float], wrong: float) -> dict[str, float]:
    answered, clarified = outcomes(
        fitted.p_answer, fitted.p_choice, fitted.has_choices, thresholds["answer"], thresholds["clarify"]
    )
    cost = case_costs(fitted.observed, answered, clarified, wrong) * fitted.weights
    return measures(fitted.observed, answered, clarified, fitted.weights) | {
        "cost": round(float(cost.sum()) / (float(fitted.weights.sum()) or 1.0), 4)
    }


def risk_coverage(fitted: Fitted, thresholds: dict[str, float], wrong: float, rows: int = 20) -> list[dict[str, float]]:
    """For a range of answer thresholds (the clarify threshold kept): coverage, risk and the other measures."""
    grid = np.quantile(fitted.p_answer, np.linspace(0, 1, ANSWER_GRID)).round(4).tolist()
    picked = sorted({*grid[:: max(len(grid) // rows, 1)], thresholds["answer"], 1.01})
    return [
        {"answer_threshold": round(float(t), 4), **estimate(fitted, {**thresholds, "answer": t}, wrong)} for t in picked
    ]


def calibrate(
    observed: list[Observed],
    *,
    oos_share: float = DEFAULT_OOS_SHARE,
    caution: str = DEFAULT_CAUTION,
    folds: int = 5,
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """Fit both models and choose the thresholds of every caution level; the parameters use `caution`'s.

    Returns the gate parameters (kind "logistic") and the risk/coverage table
    at the chosen level, as estimated on the out-of-fold probabilities.
    """
    fitted = fit(observed, oos_share=oos_share, folds=folds)
    parameters = with_caution(fitted.parameters | {"levels": levels_for(fitted)}, caution)
    return parameters, risk_coverage(fitted, parameters["thresholds"], CAUTION_LEVELS[caution])


def recalibrate(
    parameters: dict[str, Any], observed: list[Observed], *, oos_share: float, caution: str = DEFAULT_CAUTION
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """Keep a gate's models; fit its recalibration and choose every level's thresholds on a town's own cases."""
    town, recalibration = recalibrated(observed_with(parameters | {"oos_share": oos_share}, observed))
    levels = levels_for(town)
    stored = parameters | {"oos_share": oos_share, "recalibration": recalibration, "levels": levels}
    chosen = with_caution(stored, caution)
    return chosen, risk_coverage(town, chosen["thresholds"], CAUTION_LEVELS[caution])

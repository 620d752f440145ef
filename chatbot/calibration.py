"""Choosing the gate from labelled cases: fit, then pick thresholds under a wrong-answer target."""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.gate import FEATURES, choices_for, gate_features
from faq.models import Faq
from faq.retrieval.index import search

ANSWER_GRID = 400
# Standard errors kept between the calibration cases' clarify and out-of-scope shares and their limits.
DEFAULT_MARGIN = 1.0


@dataclass
class Case:
    case_id: str
    query: str
    relevant: set[str]
    answerable: bool
    lang: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class Observed:
    case: Case
    features: dict[str, float]
    top_right: bool
    choice_right: bool
    has_choices: bool


def cases_split(cases: list[Case], split: str) -> list[Case]:
    """ "odd": the 1st, 3rd, 5th ... case of a file; "even": the others; "all": every case.

    Calibrate on one half and measure on the other, so that the measure is
    not taken on the cases the thresholds were chosen on.
    """
    if split == "odd":
        return cases[0::2]
    if split == "even":
        return cases[1::2]
    return cases


def cases_read(path: Path) -> list[Case]:
    """Cases in the format of CONTRACTS section 3; a bad line raises ValueError naming it."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item.get("tags") or [], list):
                raise ValueError("'tags' must be a list of texts")
            cases.append(
                Case(
                    case_id=str(item.get("id", number)),
                    query=str(item["query"]),
                    relevant={str(value) for value in item.get("relevant_ids", [])},
                    answerable=bool(item.get("answerable", True)),
                    lang=str(item.get("lang") or ""),
                    tags=[str(tag) for tag in item.get("tags") or []],
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"line {number}: expected a case object with 'query' ({exc})") from exc
    return cases


def observe(cases: list[Case], progress: Any = None) -> list[Observed]:
    """Retrieve every case once (no turn is logged) and note what a right decision would be."""
    observed = []
    external = dict(Faq.objects.exclude(external_id=None).values_list("pk", "external_id"))
    for case in cases:
        result = search(case.query)
        ids = [external.get(c.faq_id, str(c.faq_id)) for c in result.candidates]
        choices = choices_for(result.candidates)
        observed.append(
            Observed(
                case=case,
                features=gate_features(case.query, result),
                top_right=case.answerable and bool(ids) and ids[0] in case.relevant,
                choice_right=case.answerable and any(ids[i] in case.relevant for i in choices),
                has_choices=bool(choices),
            )
        )
        if progress:
            progress(1)
    return observed


def _model(matrix: np.ndarray, labels: np.ndarray, mean: list[float], scale: list[float]) -> dict[str, Any]:
    """Logistic regression on features standardised with the given mean and scale."""
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        # Nothing to tell apart: a constant model that says what the labels say.
        return {"coef": [0.0] * matrix.shape[1], "intercept": 10.0 if labels[0] else -10.0}
    standardised = (matrix - np.asarray(mean)) / np.asarray(scale)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(standardised, labels)
    return {"coef": [round(float(v), 6) for v in model.coef_[0]], "intercept": round(float(model.intercept_[0]), 6)}


def _standardisation(matrix: np.ndarray) -> tuple[list[float], list[float]]:
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return [round(float(v), 6) for v in mean], [round(float(v), 6) for v in scale]


def _probabilities(matrix: np.ndarray, model: dict[str, Any], mean: list[float], scale: list[float]) -> np.ndarray:
    logits = ((matrix - np.asarray(mean)) / np.asarray(scale)) @ np.asarray(model["coef"]) + model["intercept"]
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))


def outcomes(p_answer: np.ndarray, p_choice: np.ndarray, has_choices: np.ndarray, t_answer: float, t_clarify: float):  # type: ignore[no-untyped-def]
    answered = p_answer >= t_answer
    clarified = ~answered & has_choices & (p_choice >= t_clarify)
    return answered, clarified


def measures(observed: list[Observed], answered: np.ndarray, clarified: np.ndarray) -> dict[str, float]:
    """The gate part of the CONTRACTS section 3 measures, for one set of decisions."""
    top_right = np.asarray([o.top_right for o in observed])
    choice_right = np.asarray([o.choice_right for o in observed])
    answerable = np.asarray([o.case.answerable for o in observed])
    n = max(len(observed), 1)
    n_answered = int(answered.sum())
    wrong = int((answered & ~top_right).sum())
    resolved = int((answered & top_right).sum() + (clarified & choice_right).sum())
    oos = ~answerable
    return {
        "answered": round(n_answered / n, 4),
        "wrong_answer_rate": round(wrong / n_answered, 4) if n_answered else 0.0,
        "clarify_share": round(float(clarified.sum()) / n, 4),
        "resolved": round(resolved / max(int(answerable.sum()), 1), 4),
        "oos_declined": round(float((oos & ~answered).sum()) / max(int(oos.sum()), 1), 4) if oos.any() else 1.0,
        "oos_handoff": round(float((oos & ~answered & ~clarified).sum()) / max(int(oos.sum()), 1), 4)
        if oos.any()
        else 1.0,
    }


def _cross_fitted(
    matrix: np.ndarray, labels: np.ndarray, mean: list[float], scale: list[float], folds: int
) -> tuple[dict[str, Any], np.ndarray]:
    """The average of `folds` models, each fitted without one part, and every case's out-of-fold probability."""
    order = np.random.RandomState(0).permutation(len(labels))
    estimates = np.zeros(len(labels))
    models = []
    for held in np.array_split(order, folds):
        kept = np.setdiff1d(order, held)
        model = _model(matrix[kept], labels[kept], mean, scale)
        estimates[held] = _probabilities(matrix[held], model, mean, scale)
        models.append(model)
    average = {
        "coef": [round(float(v), 6) for v in np.mean([m["coef"] for m in models], axis=0)],
        "intercept": round(float(np.mean([m["intercept"] for m in models])), 6),
    }
    return average, estimates


def limits_with_margin(
    observed: list[Observed], max_clarify: float, min_oos_handoff: float, margin: float
) -> tuple[float, float]:
    """The clarify and out-of-scope handoff limits, `margin` standard errors inside the given ones."""
    n = max(len(observed), 1)
    n_oos = max(sum(not o.case.answerable for o in observed), 1)
    clarify = max_clarify - margin * math.sqrt(max_clarify * (1 - max_clarify) / n)
    oos = min_oos_handoff + margin * math.sqrt(min_oos_handoff * (1 - min_oos_handoff) / n_oos)
    return round(max(clarify, 0.0), 4), round(min(oos, 1.0), 4)


def calibrate(
    observed: list[Observed],
    *,
    target_wrong_rate: float,
    max_clarify: float = 0.30,
    min_oos_handoff: float = 0.85,
    folds: int = 5,
    margin: float = DEFAULT_MARGIN,
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """Fit both models and choose thresholds: most resolved questions within the limits.

    With `folds` >= 2 (the default) the thresholds are chosen on out-of-fold
    probabilities and the stored models are the average of the fold models:
    a model scores the cases it was fitted on too confidently, and thresholds
    picked there let more wrong answers through on new questions (on the
    sample town's held-out half: 4 wrong of 23 answered in-sample, 0 of 10
    out-of-fold). `folds=0` fits once and chooses on the same cases.

    `margin` (in binomial standard errors) keeps the clarify share and the
    out-of-scope handoff share that far inside their limits on the
    calibration cases. Thresholds chosen to resolve the most questions sit
    where a limit is only just met, so on new questions the limit is missed
    about half the time; with one standard error it holds about five times
    in six. The wrong-answer rate gets no margin: it is already estimated
    out of fold, and a binomial margin on the few answered cases would
    forbid answering at all.

    Returns the gate parameters (kind "logistic") and the risk/coverage
    table: for each answer threshold, coverage and wrong-answer rate, as
    estimated on the probabilities the thresholds were chosen on.
    """
    if not observed:
        raise ValueError("no cases to calibrate on")
    matrix = np.asarray([[o.features[name] for name in FEATURES] for o in observed])
    top_right = np.asarray([o.top_right for o in observed], dtype=int)
    choice_right = np.asarray([o.choice_right for o in observed], dtype=int)
    has_choices = np.asarray([o.has_choices for o in observed])
    mean, scale = _standardisation(matrix)
    if folds >= 2 and len(observed) >= 2 * folds:
        answer_model, p_answer = _cross_fitted(matrix, top_right, mean, scale, folds)
        choice_model, p_choice = _cross_fitted(matrix, choice_right, mean, scale, folds)
    else:
        answer_model = _model(matrix, top_right, mean, scale)
        choice_model = _model(matrix, choice_right, mean, scale)
        p_answer = _probabilities(matrix, answer_model, mean, scale)
        p_choice = _probabilities(matrix, choice_model, mean, scale)
    answer_grid = sorted({1.01, *np.quantile(p_answer, np.linspace(0, 1, ANSWER_GRID)).round(4).tolist()})
    clarify_grid = sorted({1.01, *np.quantile(p_choice, np.linspace(0, 1, 51)).round(4).tolist()})
    clarify_limit, oos_limit = limits_with_margin(observed, max_clarify, min_oos_handoff, margin)
    best: tuple[float, float, float, float] | None = None
    for t_answer in answer_grid:
        for t_clarify in clarify_grid:
            answered, clarified = outcomes(p_answer, p_choice, has_choices, t_answer, t_clarify)
            m = measures(observed, answered, clarified)
            if m["wrong_answer_rate"] > target_wrong_rate or m["clarify_share"] > clarify_limit:
                continue
            if m["oos_handoff"] < oos_limit:
                continue
            key = (m["resolved"], -m["clarify_share"], t_answer, t_clarify)
            if best is None or key > best:
                best = key
    if best is None:
        t_answer, t_clarify = 1.01, 1.01  # nothing meets the limits: hand everything off
    else:
        t_answer, t_clarify = best[2], best[3]
    table = []
    for t in sorted({*answer_grid[:: max(len(answer_grid) // 20, 1)], t_answer}):
        answered, clarified = outcomes(p_answer, p_choice, has_choices, t, t_clarify)
        table.append({"answer_threshold": round(float(t), 4), **measures(observed, answered, clarified)})
    parameters = {
        "features": list(FEATURES),
        "mean": mean,
        "scale": scale,
        "answer": answer_model,
        "choice": choice_model,
        "thresholds": {
            "answer": round(float(t_answer), 4),
            "clarify": round(float(t_clarify), 4),
            "department": round(float(t_clarify) / 2, 4),
        },
    }
    return parameters, table

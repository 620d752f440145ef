"""Labelled cases, what retrieval and the gate make of them, and the measures of a set of decisions."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.gate.decide import choices_for
from chatbot.gate.features import FEATURES, gate_features
from chatbot.gate.shipped import with_caution
from faq.models import Faq
from faq.retrieval.index import search

# The share of out-of-scope questions a town expects, until its own labelled turns are enough to tell.
DEFAULT_OOS_SHARE = 0.25


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


def measures(
    observed: list[Observed], answered: np.ndarray, clarified: np.ndarray, weights: np.ndarray | None = None
) -> dict[str, float]:
    """The gate part of the CONTRACTS section 3 measures, for one set of decisions (weighted by case)."""
    w = np.ones(len(observed)) if weights is None else weights
    top_right = np.asarray([o.top_right for o in observed], dtype=bool)
    choice_right = np.asarray([o.choice_right for o in observed], dtype=bool)
    answerable = np.asarray([o.case.answerable for o in observed], dtype=bool)
    oos = ~answerable
    handed = ~answered & ~clarified
    total = float(w.sum()) or 1.0
    n_answered = float(w[answered].sum())
    n_answerable = float(w[answerable].sum()) or 1.0
    n_oos = float(w[oos].sum())

    def share(mask: np.ndarray, of: float) -> float:
        return round(float(w[mask].sum()) / of, 4) if of else 0.0

    return {
        "answered": share(answered, total),
        "wrong_answer_rate": share(answered & ~top_right, n_answered) if n_answered else 0.0,
        "clarify_share": share(clarified, total),
        "handoff": share(handed, total),
        "resolved": share((answered & top_right) | (clarified & choice_right), n_answerable),
        "answered_of_answerable": share(answered & answerable, n_answerable),
        "handoff_answerable": share(handed & answerable, n_answerable),
        "oos_answered": share(answered & oos, n_oos) if n_oos else 0.0,
        "oos_handoff": share(handed & oos, n_oos) if n_oos else 1.0,
    }


def observed_dump(observed: list[Observed]) -> list[dict[str, Any]]:
    """Observations as numbers and labels only (no question text), to pool with other sets."""
    return [
        {
            "features": {name: round(o.features.get(name, 0.0), 6) for name in FEATURES},
            "top_right": o.top_right,
            "choice_right": o.choice_right,
            "has_choices": o.has_choices,
            "answerable": o.case.answerable,
            "lang": o.case.lang,
        }
        for o in observed
    ]


def observed_load(rows: list[dict[str, Any]], source: str) -> list[Observed]:
    return [
        Observed(
            case=Case(
                case_id=f"{source}:{number}",
                query="",
                relevant=set(),
                answerable=row["answerable"],
                lang=row.get("lang", ""),
            ),
            features=row["features"],
            top_right=row["top_right"],
            choice_right=row["choice_right"],
            has_choices=row["has_choices"],
        )
        for number, row in enumerate(rows)
    ]


def oos_share_from(cases: list[Case], default: float = DEFAULT_OOS_SHARE, minimum: int = 50) -> float:
    """The out-of-scope share of a town's labelled turns, once there are enough of them (else `default`)."""
    if len(cases) < minimum:
        return default
    share = sum(not case.answerable for case in cases) / len(cases)
    return round(min(max(share, 0.05), 0.9), 3)


def caution_figures(cases: list[Case], parameters: dict[str, Any]) -> dict[str, dict[str, float]]:
    """What each caution level gives on these cases (the golden set): answered, choices, handoffs, wrong answers.

    Every case is retrieved once and decided at each level exactly as the gate decides (validity dates, exact
    match, the model's thresholds); no turn is logged.
    """
    from chatbot.gate.decide import GateOutcome, gate_decide

    external = dict(Faq.objects.exclude(external_id=None).values_list("pk", "external_id"))
    results = [(case, search(case.query)) for case in cases]
    figures = {}
    for level in parameters.get("levels", {}):
        levelled = with_caution(parameters, level)
        answered, clarified, tops, choices = [], [], [], []
        for case, result in results:
            ids = [external.get(c.faq_id, str(c.faq_id)) for c in result.candidates]
            decision = gate_decide(case.query, result, "logistic", levelled)
            answered.append(decision.outcome == GateOutcome.ANSWER)
            clarified.append(decision.outcome == GateOutcome.CLARIFY)
            tops.append(case.answerable and bool(ids) and ids[0] in case.relevant)
            choices.append(case.answerable and any(ids[i] in case.relevant for i in decision.choices))
        observed = [
            Observed(case=case, features={}, top_right=top, choice_right=choice, has_choices=True)
            for (case, _result), top, choice in zip(results, tops, choices, strict=True)
        ]
        figures[level] = measures(observed, np.asarray(answered, dtype=bool), np.asarray(clarified, dtype=bool)) | {
            "n": len(cases)
        }
    return figures

"""The gate that ships with the product, its caution levels, and which stored gate version is in force."""

import copy
import functools
import json
from pathlib import Path
from typing import Any

from chatbot.gate.features import FEATURES

# The caution levels staff choose in admin: what a wrong answer costs, in phone calls.
CAUTION_LEVELS = {"careful": 20.0, "standard": 10.0, "bold": 3.0}
DEFAULT_CAUTION = "standard"
SHIPPED = Path(__file__).resolve().parent / "fitted.json"


def with_caution(parameters: dict[str, Any], caution: str) -> dict[str, Any]:
    """The same models with the thresholds of another caution level."""
    if caution not in parameters.get("levels", {}):
        raise ValueError(f"unknown caution level {caution!r}; one of {', '.join(CAUTION_LEVELS)}")
    level = parameters["levels"][caution]
    thresholds = {key: level[key] for key in ("answer", "clarify", "department")}
    return parameters | {"caution": caution, "thresholds": thresholds}


@functools.cache
def _shipped_parameters() -> dict[str, Any]:
    parameters: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))["parameters"]
    return parameters


def shipped(caution: str = DEFAULT_CAUTION) -> dict[str, Any]:
    """The gate that ships with the product (`fit_gate`), at a caution level."""
    return with_caution(copy.deepcopy(_shipped_parameters()), caution)


def fits_todays_features(kind: str, parameters: dict[str, Any]) -> bool:
    """False for a fitted gate that reads features this version no longer computes (made before an upgrade):
    its models would see zeros and hand every question off."""
    return kind != "logistic" or set(parameters.get("features", [])) <= set(FEATURES)


def in_force(kind: str, parameters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What the gate decides with: the stored version, or, for a version that no longer fits today's features,
    the shipped gate at that version's caution (until `make run`'s set-up or staff install a current one)."""
    if fits_todays_features(kind, parameters):
        return kind, parameters
    caution = parameters.get("caution")
    return "logistic", shipped(caution if caution in CAUTION_LEVELS else DEFAULT_CAUTION)

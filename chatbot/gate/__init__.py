"""The confidence gate: features of a retrieval result, the decision, and its calibration from costs."""

from chatbot.gate.decide import (
    DEFAULT_THRESHOLDS,
    MAX_CHOICES,
    RELATED_SCORE,
    Decision,
    GateOutcome,
    Reason,
    choices_for,
    decide,
    gate_decide,
    probabilities,
    related_for,
)
from chatbot.gate.features import CLOSE, FEATURES, gate_features

__all__ = [
    "CLOSE",
    "DEFAULT_THRESHOLDS",
    "FEATURES",
    "MAX_CHOICES",
    "RELATED_SCORE",
    "Decision",
    "GateOutcome",
    "Reason",
    "choices_for",
    "decide",
    "gate_decide",
    "gate_features",
    "probabilities",
    "related_for",
]

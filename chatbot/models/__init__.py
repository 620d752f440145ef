"""The chat domain's records, every model and choice list re-exported here (where Django looks for models)."""

from chatbot.models.evaluation import CaseSource, EvaluationRun, GoldenCase, RegressionCheck, RunStatus, RunTrigger
from chatbot.models.monitoring import (
    Incident,
    IncidentEvent,
    IncidentStatus,
    Monitor,
    MonitorCheck,
    SuspectedCause,
    Symptom,
)
from chatbot.models.translations import MachineTranslation, TranslationStatus
from chatbot.models.turns import Channel, Composer, FailureClass, Feedback, Outcome, Turn, TurnStatus
from chatbot.models.versions import GateConfig, LlmSwitch, PromptVersion

__all__ = [
    "CaseSource",
    "Channel",
    "Composer",
    "EvaluationRun",
    "FailureClass",
    "Feedback",
    "GateConfig",
    "GoldenCase",
    "Incident",
    "IncidentEvent",
    "IncidentStatus",
    "LlmSwitch",
    "MachineTranslation",
    "Monitor",
    "MonitorCheck",
    "Outcome",
    "PromptVersion",
    "RegressionCheck",
    "RunStatus",
    "RunTrigger",
    "SuspectedCause",
    "Symptom",
    "TranslationStatus",
    "Turn",
    "TurnStatus",
]

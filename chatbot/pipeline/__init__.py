"""The path of one question: validate, redact, retrieve, gate, compose, log, as an ordered list of small steps.

`turn_ask` runs them (`run.py`); each step (`steps.py`, `compose.py`) may end the turn with an explicit outcome
from the closed `Outcome` list and a failure class from `FailureClass`. What the turn is answered with (gate
version, prompt version, search snapshot, FAQs as a change would leave them) is a `PipelineConfig` passed by
argument, the live configuration by default.
"""

from chatbot.pipeline.compose import faq_source_url
from chatbot.pipeline.config import LIVE, PipelineConfig
from chatbot.pipeline.run import IdempotencyConflict, turn_ask
from chatbot.pipeline.steps import question_lang, question_problem

__all__ = [
    "LIVE",
    "IdempotencyConflict",
    "PipelineConfig",
    "faq_source_url",
    "question_lang",
    "question_problem",
    "turn_ask",
]

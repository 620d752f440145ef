"""The steps that decide what a turn is: validate, redact, retrieve, gate."""

import logging
import unicodedata

from django.conf import settings

from chatbot import messages
from chatbot.gate import GateOutcome, gate_decide
from chatbot.gate.shipped import in_force
from chatbot.models import FailureClass, Outcome
from chatbot.pipeline.config import PipelineConfig
from chatbot.pipeline.state import TurnState
from chatbot.privacy import redact as redact_text
from faq.retrieval.index import SearchResult, search
from faq.retrieval.ranker import Candidate
from faq.retrieval.text import mostly_latin
from faq.selectors import faq_list_public, faqs_by_id

logger = logging.getLogger(__name__)

LANGS = ("ja", "en")
CANDIDATE_LIMIT = 10
ALLOWED_CONTROL = {"\n", "\r", "\t"}


def question_problem(question: str, lang: str | None) -> str | None:
    """Why a question is refused before any retrieval (a key of `messages.TEXTS`), or None."""
    if lang not in (None, "", *LANGS):
        return "lang"
    if "\x00" in question or any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROL for ch in question):
        return "control"
    if not question.strip():
        return "empty"
    if len(question) > settings.CHAT_MAX_QUESTION_CHARS:
        return "too_long"
    if not any(ch.isalnum() for ch in unicodedata.normalize("NFKC", question)):
        return "no_text"
    return None


def question_lang(question: str, lang: str | None) -> str:
    if lang in LANGS:
        return str(lang)
    return "en" if mostly_latin(question) else "ja"


def validate(state: TurnState, config: PipelineConfig) -> None:
    """Refuse what is not a question (size, empty, control characters, an unknown language): `rejected`."""
    state.problem = question_problem(state.question, state.lang_asked)
    state.lang = question_lang(state.question, state.lang_asked) if state.problem != "lang" else "ja"
    if state.problem:
        state.outcome, state.failure_class = Outcome.REJECTED, FailureClass.INVALID_INPUT
        state.message = messages.text(state.problem, state.lang, limit=settings.CHAT_MAX_QUESTION_CHARS)


def redact(state: TurnState, config: PipelineConfig) -> None:
    """Personal data out: only the redacted text is stored or sent to an LLM (a refused question's too)."""
    redaction = redact_text(state.question[: settings.CHAT_MAX_QUESTION_CHARS * 4])
    state.redacted, state.redacted_kinds = redaction.text, list(redaction.kinds)


def retrieve(state: TurnState, config: PipelineConfig) -> None:
    """The best candidates among the FAQs residents may see today; `handoff` when there are none."""
    try:
        state.result = search(state.question, limit=CANDIDATE_LIMIT, snapshot=config.snapshot, proposed=config.faqs)
    except Exception:
        logger.exception("retrieval failed; handing the question off")
        state.outcome, state.failure_class = Outcome.HANDOFF, FailureClass.RETRIEVAL_ERROR
        return
    if any("vector store" in warning for warning in state.result.warnings):
        state.failure_class = FailureClass.VECTOR_STORE_UNAVAILABLE
    _drop_unmatched(state.result)
    if not state.result.candidates and state.result.out_of_date_faq is None:
        state.outcome, state.failure_class = Outcome.HANDOFF, FailureClass.NO_CANDIDATES


def _drop_unmatched(result: SearchResult) -> None:
    """Keep only candidates some signal found: lexical-only search (no index, no vector store) ranks every FAQ."""

    def found(candidates: list[Candidate]) -> list[Candidate]:
        return [c for c in candidates if any(value > 0 for value in c.signals.values())]

    result.candidates = found(result.candidates)
    if result.out_of_date_faq is not None:
        result.with_out_of_date = found(result.with_out_of_date)
        if not result.with_out_of_date or result.with_out_of_date[0].faq_id != result.out_of_date_faq:
            result.out_of_date_faq, result.with_out_of_date = None, []


def gate(state: TurnState, config: PipelineConfig) -> None:
    """answer | clarify | handoff, by the gate version in force (see `chatbot.gate`)."""
    assert state.result is not None
    state.gate = config.gate_version()
    kind, parameters = in_force(*((state.gate.kind, state.gate.parameters) if state.gate else ("thresholds", {})))
    if _chosen(state):
        return
    decision = gate_decide(state.question, state.result, kind, parameters)
    state.outcome = Outcome(decision.outcome.value)
    state.choices = decision.choices
    state.related = decision.related
    state.confidence = decision.p_answer
    state.features = decision.features
    if decision.outcome != GateOutcome.ANSWER:
        state.failure_class = state.failure_class or FailureClass(decision.reason.value)
    department_faq = decision.department_faq
    if department_faq is None and decision.department_from_candidates:
        department_faq = state.result.candidates[0].faq_id
    if department_faq is not None:
        owner = faqs_by_id([department_faq], proposed=config.faqs).get(department_faq)
        state.department = owner.department if owner else None


def _chosen(state: TurnState) -> bool:
    """The resident picked this FAQ from the choices offered: answer it if residents may see it today."""
    assert state.result is not None
    if state.chosen_faq is None or not faq_list_public().filter(pk=state.chosen_faq).exists():
        return False
    candidates = state.result.candidates
    picked = next((c for c in candidates if c.faq_id == state.chosen_faq), None)
    if picked is None:
        picked = Candidate(faq_id=state.chosen_faq, score=1.0, fused=0.0, signals={})
    state.result.candidates = [picked, *(c for c in candidates if c.faq_id != state.chosen_faq)]
    state.outcome, state.failure_class, state.confidence = Outcome.ANSWER, FailureClass.NONE, 1.0
    state.features = {"chosen_by_resident": 1.0}
    owner = faqs_by_id([state.chosen_faq]).get(state.chosen_faq)
    state.department = owner.department if owner else None
    return True

"""The compose step: the contract's answer object (CONTRACTS section 2) for the outcome the turn reached."""

import time
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from chatbot import messages
from chatbot.llm.composer import composer as answer_composer
from chatbot.models import FailureClass, Outcome
from chatbot.pipeline.config import PipelineConfig
from chatbot.pipeline.state import TurnState
from faq.models import Department, Faq
from faq.selectors import department_general_reception, faqs_by_id


def contact(department: Department | None) -> dict[str, str] | None:
    if department is None:
        return None
    return {
        "department": department.name,
        "department_en": department.name_en,
        "phone": department.phone,
        "window": department.window,
        "hours": department.hours,
        "closed_days": department.closed_days,
    }


def faq_source_url(faq: Faq, site_url: str = "") -> str:
    """Where a resident reads the answer's source: the FAQ's source page, or else its own page on this site."""
    base = (site_url or settings.SITE_URL).rstrip("/")
    if faq.source_url:
        return faq.source_url
    if faq.pk is None or faq.pk <= 0:
        # An FAQ a change request would create, seen only by its regression check: it has no page yet.
        return base + "/"
    return base + reverse("faq:detail", args=[faq.pk])


def _faq_entry(faq: Faq, score: float) -> dict[str, Any]:
    return {
        "faq_id": faq.pk,
        "external_id": faq.external_id,
        "question": faq.question,
        "score": round(score, 4),
    }


def response_start(
    question_id: str | None,
    outcome: str,
    turn_id: str,
    lang: str,
    confidence: float = 0.0,
    candidates: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The contract's answer object with the fields every outcome has; the only place it is started, so that every
    path (answer, fault, replay) gives residents and scripts the same shape."""
    return {
        "id": question_id,
        "outcome": outcome,
        "answer": None,
        "confidence": round(confidence, 4),
        "sources": [],
        "candidates": candidates or [],
        "turn_id": turn_id,
        "lang": lang,
    }


def fault_response(question_id: str | None, turn_id: str, lang: str, department: Department | None) -> dict[str, Any]:
    """Something failed: the general reception's contact, never a traceback."""
    return response_start(question_id, Outcome.HANDOFF, turn_id, lang) | {
        "answer": messages.text("error", lang, department=messages.contact_line(department, lang)),
        "handoff": contact(department),
    }


def compose(state: TurnState, config: PipelineConfig) -> None:
    """Extractive by default (the FAQ's own text, with its source); an LLM reply when one is configured."""
    candidates = state.result.candidates if state.result else []
    faqs = faqs_by_id([c.faq_id for c in candidates], proposed=config.faqs)
    listed = [
        {**_faq_entry(faqs[c.faq_id], c.score), "fused": round(c.fused, 4)} for c in candidates if c.faq_id in faqs
    ]
    used: list[Faq] = []
    turn_id = str(state.turn.pk) if state.turn else ""
    response = response_start(state.question_id, state.outcome, turn_id, state.lang, state.confidence, listed)
    if state.outcome == Outcome.REJECTED:
        response["answer"] = state.message
    elif state.outcome == Outcome.ANSWER:
        faq = faqs[candidates[0].faq_id]
        used = [faq]
        llm_started = time.perf_counter()
        state.composed = answer_composer().compose(
            question=state.redacted, lang=state.lang, faqs=[faq], prompt=config.prompt
        )
        if state.composed.llm:
            state.latency_ms["llm"] = round((time.perf_counter() - llm_started) * 1000, 2)
        if state.composed.failure_class:
            state.failure_class = state.composed.failure_class
        response["answer"] = state.composed.answer
        response["composer"] = state.composed.composer
        response["sources"] = [
            {
                **_faq_entry(faq, candidates[0].score),
                "source_url": faq_source_url(faq, state.site_url),
                "updated": timezone.localtime(faq.updated_at).date().isoformat(),
            }
        ]
        response["contact"] = contact(faq.department)
        response["related"] = _related(state, faqs)
    elif state.outcome == Outcome.CLARIFY:
        used = [faqs[candidates[i].faq_id] for i in state.choices if candidates[i].faq_id in faqs]
        response["answer"] = messages.text("clarify", state.lang)
        response["choices"] = [
            _faq_entry(faq, candidates[i].score) for i, faq in zip(state.choices, used, strict=False)
        ]
        response["handoff"] = contact(state.department)
    else:
        _handoff(state, response, faqs)
    state.response = response
    versions = dict(
        Faq.history.filter(id__in=[faq.pk for faq in used])
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )
    state.faq_versions = [versions[faq.pk] for faq in used if faq.pk in versions]


def _handoff(state: TurnState, response: dict[str, Any], faqs: dict[int, Faq]) -> None:
    department = state.department or department_general_reception()
    state.department = department
    response["related"] = _related(state, faqs)
    if response["related"]:
        # Related FAQs exist but none fits well enough: say so, and list them.
        key = "handoff_related"
    elif state.department and not state.department.is_general_reception:
        key = "handoff"
    else:
        key = "handoff_general"
    if state.failure_class in (FailureClass.RETRIEVAL_ERROR, FailureClass.INTERNAL_ERROR):
        key = "error"
    response["answer"] = messages.text(key, state.lang, department=messages.contact_line(department, state.lang))
    response["handoff"] = contact(department)


def _related(state: TurnState, faqs: dict[int, Faq]) -> list[dict[str, Any]]:
    """The related FAQs the gate picked, as links beneath an answer or a handoff."""
    candidates = state.result.candidates if state.result else []
    picked = [candidates[i] for i in state.related if i < len(candidates)]
    return [_faq_entry(faqs[c.faq_id], c.score) for c in picked if c.faq_id in faqs]

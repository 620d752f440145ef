"""The compose step: the contract's answer object (CONTRACTS section 2) for the outcome the turn reached."""

import copy
import time
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from chatbot import messages
from chatbot.llm.composer import Composed
from chatbot.llm.composer import composer as answer_composer
from chatbot.llm.translate import machine_translation
from chatbot.models import Composer, FailureClass, Outcome
from chatbot.pipeline.config import PipelineConfig
from chatbot.pipeline.state import TurnState
from faq.models import Department, Faq
from faq.selectors import department_general_reception, faqs_by_id


def contact(department: Department | None, lang: str = "ja") -> dict[str, str] | None:
    """The department's contact card; in English the window, hours and closed days the town wrote in English
    (the Japanese where it has none)."""
    if department is None:
        return None
    english = lang == "en"
    return {
        "department": department.name,
        "department_en": department.name_en,
        "phone": department.phone,
        "window": (english and department.window_en) or department.window,
        "hours": (english and department.hours_en) or department.hours,
        "closed_days": (english and department.closed_days_en) or department.closed_days,
    }


def english_view(faq: Faq) -> Faq:
    """An unsaved copy of the FAQ with its English texts in place of the Japanese (what an English reply is made
    from)."""
    view = copy.copy(faq)
    view.question, view.answer = faq.question_en, faq.answer_en
    view.alternate_questions = list(faq.alternate_questions_en)
    return view


def shown_question(faq: Faq, lang: str) -> tuple[str, str]:
    """The FAQ's question in the resident's language where the town wrote it, and the language shown."""
    if lang == "en" and faq.has_english:
        return faq.question_en, "en"
    return faq.question, "ja"


def faq_source_url(faq: Faq, site_url: str = "", lang: str = "ja") -> str:
    """Where a resident reads the answer's source: the FAQ's source page, or else its own page on this site (in
    English for a resident who asked in English)."""
    base = (site_url or settings.SITE_URL).rstrip("/")
    if faq.source_url:
        return faq.source_url
    if faq.pk is None or faq.pk <= 0:
        # An FAQ a change request would create, seen only by its regression check: it has no page yet.
        return base + "/"
    return base + reverse("faq:detail", args=[faq.pk]) + ("?lang=en" if lang == "en" else "")


def _faq_entry(faq: Faq, score: float, lang: str = "ja") -> dict[str, Any]:
    question, shown_lang = shown_question(faq, lang)
    return {
        "faq_id": faq.pk,
        "external_id": faq.external_id,
        "question": question,
        "lang": shown_lang,
        "score": round(score, 4),
    }


def _latest_versions(faqs: list[Faq]) -> dict[int, int]:
    return dict(
        Faq.history.filter(id__in=[faq.pk for faq in faqs])
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )


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
        "handoff": contact(department, lang),
    }


def compose(state: TurnState, config: PipelineConfig) -> None:
    """Extractive by default (the FAQ's own text, with its source); an LLM reply when one is configured."""
    candidates = state.result.candidates if state.result else []
    faqs = faqs_by_id([c.faq_id for c in candidates], proposed=config.faqs)
    listed = [
        {**_faq_entry(faqs[c.faq_id], c.score), "fused": round(c.fused, 4)} for c in candidates if c.faq_id in faqs
    ]
    used: list[Faq] = []
    versions: dict[int, int] | None = None
    turn_id = str(state.turn.pk) if state.turn else ""
    response = response_start(state.question_id, state.outcome, turn_id, state.lang, state.confidence, listed)
    if state.outcome == Outcome.REJECTED:
        response["answer"] = state.message
    elif state.outcome == Outcome.ANSWER:
        faq = faqs[candidates[0].faq_id]
        used = [faq]
        versions = _latest_versions(used)
        _answer(state, response, faq, versions.get(faq.pk), config)
        response["sources"] = [
            {
                **_faq_entry(faq, candidates[0].score, state.lang),
                "source_url": faq_source_url(faq, state.site_url, state.lang),
                "updated": timezone.localtime(faq.updated_at).date().isoformat(),
            }
        ]
        response["contact"] = contact(faq.department, state.lang)
        response["related"] = _related(state, faqs)
    elif state.outcome == Outcome.CLARIFY:
        used = [faqs[candidates[i].faq_id] for i in state.choices if candidates[i].faq_id in faqs]
        response["answer"] = messages.text("clarify", state.lang)
        response["choices"] = [
            _faq_entry(faq, candidates[i].score, state.lang) for i, faq in zip(state.choices, used, strict=False)
        ]
        response["handoff"] = contact(state.department, state.lang)
        if state.lang == "en":
            state.untranslated += [faq.pk for faq in used if not faq.has_english and faq.pk not in state.untranslated]
    else:
        _handoff(state, response, faqs)
    state.response = response
    if versions is None:
        versions = _latest_versions(used)
    state.faq_versions = [versions[faq.pk] for faq in used if faq.pk in versions]


def _answer(state: TurnState, response: dict[str, Any], faq: Faq, version: int | None, config: PipelineConfig) -> None:
    """The answer in the resident's language: the town's English text; else a checked machine translation when an
    LLM is configured; else the Japanese text with a line in English saying so (the turn notes the FAQ)."""
    english = state.lang == "en"
    llm_started = time.perf_counter()
    translation = machine_translation(faq, version) if english and not faq.has_english else None
    if translation is not None:
        state.composed = Composed(
            answer=translation.answer_en,
            composer=Composer.LLM,
            llm={"translation": translation.pk, "model": translation.model, "faq_version": version},
        )
        response["translation"] = "machine"
        response["notice"] = messages.text(
            "machine_translation", "en", department=messages.contact_line(faq.department, "en")
        )
    else:
        source = english_view(faq) if english and faq.has_english else faq
        state.composed = answer_composer().compose(
            question=state.redacted, lang=state.lang, faqs=[source], prompt=config.prompt
        )
    if state.composed.llm:
        state.latency_ms["llm"] = round((time.perf_counter() - llm_started) * 1000, 2)
    if state.composed.failure_class:
        state.failure_class = state.composed.failure_class
    answer_lang = state.lang if state.composed.composer == Composer.LLM else shown_question(faq, state.lang)[1]
    if english and answer_lang != "en":
        response["notice"] = messages.text(
            "japanese_only", "en", department=messages.contact_line(faq.department, "en")
        )
        state.untranslated.append(faq.pk)
    response["answer"] = state.composed.answer
    response["answer_lang"] = answer_lang
    response["composer"] = state.composed.composer


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
    response["handoff"] = contact(department, state.lang)


def _related(state: TurnState, faqs: dict[int, Faq]) -> list[dict[str, Any]]:
    """The related FAQs the gate picked, as links beneath an answer or a handoff."""
    candidates = state.result.candidates if state.result else []
    picked = [candidates[i] for i in state.related if i < len(candidates)]
    return [_faq_entry(faqs[c.faq_id], c.score, state.lang) for c in picked if c.faq_id in faqs]

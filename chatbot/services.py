"""The path of one question: validate, redact, retrieve, gate, compose, log, as an ordered pipeline.

Every step can end the turn with an explicit outcome and a failure class
from a closed list (`FailureClass`). The turn row is written once as
*pending* (redacted question only) before any slow work, in its own
transaction, under the idempotency key; a repeated key gets the stored
response and never a second row.
"""

import contextlib
import datetime
import logging
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from chatbot import messages
from chatbot.gate import GateOutcome, gate_decide
from chatbot.gate.calibration import in_force
from chatbot.llm.composer import Composed
from chatbot.llm.composer import composer as answer_composer
from chatbot.models import Channel, FailureClass, GateConfig, Outcome, PromptVersion, Turn, TurnStatus
from chatbot.privacy.redaction import redact
from faq.models import Department, Faq
from faq.retrieval.index import SearchResult, search
from faq.retrieval.ranker import Candidate
from faq.retrieval.text import mostly_latin
from faq.selectors import department_general_reception, faq_list_public, faqs_by_id

logger = logging.getLogger(__name__)

LANGS = ("ja", "en")
CANDIDATE_LIMIT = 10
ALLOWED_CONTROL = {"\n", "\r", "\t"}


@dataclass
class Step:
    """What the pipeline has found so far; a step that ends the turn sets `outcome`."""

    question: str
    lang: str
    outcome: str = ""
    failure_class: str = ""
    message: str = ""
    result: SearchResult | None = None
    features: dict[str, float] = field(default_factory=dict)
    gate: GateConfig | None = None
    choices: list[int] = field(default_factory=list)
    confidence: float = 0.0
    department: Department | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    chosen_faq: int | None = None  # picked by the resident from a clarify choice
    related: list[int] = field(default_factory=list)  # candidates shown as related links
    redacted: str = ""  # the question as stored and as an LLM may see it
    composed: Composed | None = None
    site_url: str = ""  # where this site's own pages are linked from; settings.SITE_URL when empty


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


_gate_override = threading.local()


@contextlib.contextmanager
def gate_override(config: GateConfig) -> Iterator[None]:
    """Use this gate version instead of the active one in this thread (evaluating it before activating it)."""
    previous = getattr(_gate_override, "config", None)
    _gate_override.config = config
    try:
        yield
    finally:
        _gate_override.config = previous


def gate_active() -> GateConfig | None:
    override: GateConfig | None = getattr(_gate_override, "config", None)
    return override or GateConfig.objects.filter(is_active=True).first()


def _timed(step: Step, name: str, started: float) -> None:
    step.latency_ms[name] = round((time.perf_counter() - started) * 1000, 2)


def _retrieve(step: Step) -> None:
    started = time.perf_counter()
    try:
        step.result = search(step.question, limit=CANDIDATE_LIMIT)
    except Exception:
        logger.exception("retrieval failed; handing the question off")
        step.outcome, step.failure_class = Outcome.HANDOFF, FailureClass.RETRIEVAL_ERROR
        return
    finally:
        _timed(step, "retrieve", started)
    if any("vector store" in warning for warning in step.result.warnings):
        step.failure_class = FailureClass.VECTOR_STORE_UNAVAILABLE
    _drop_unmatched(step.result)
    if not step.result.candidates and step.result.out_of_date_faq is None:
        step.outcome, step.failure_class = Outcome.HANDOFF, FailureClass.NO_CANDIDATES


def _drop_unmatched(result: SearchResult) -> None:
    """Keep only candidates some signal found: lexical-only search (no index, no vector store) ranks every FAQ."""

    def found(candidates: list[Candidate]) -> list[Candidate]:
        return [c for c in candidates if any(value > 0 for value in c.signals.values())]

    result.candidates = found(result.candidates)
    if result.out_of_date_faq is not None:
        result.with_out_of_date = found(result.with_out_of_date)
        if not result.with_out_of_date or result.with_out_of_date[0].faq_id != result.out_of_date_faq:
            result.out_of_date_faq, result.with_out_of_date = None, []


def _gate(step: Step) -> None:
    started = time.perf_counter()
    assert step.result is not None
    step.gate = gate_active()
    kind, parameters = in_force(*((step.gate.kind, step.gate.parameters) if step.gate else ("thresholds", {})))
    if _chosen(step):
        _timed(step, "gate", started)
        return
    decision = gate_decide(step.question, step.result, kind, parameters)
    step.outcome = Outcome(decision.outcome.value)
    step.choices = decision.choices
    step.related = decision.related
    step.confidence = decision.p_answer
    step.features = decision.features
    if decision.outcome != GateOutcome.ANSWER:
        step.failure_class = step.failure_class or FailureClass(decision.reason.value)
    department_faq = decision.department_faq
    if department_faq is None and decision.department_from_candidates:
        department_faq = step.result.candidates[0].faq_id
    if department_faq is not None:
        owner = faqs_by_id([department_faq]).get(department_faq)
        step.department = owner.department if owner else None
    _timed(step, "gate", started)


def _chosen(step: Step) -> bool:
    """The resident picked this FAQ from the choices offered: answer it if residents may see it today."""
    assert step.result is not None
    if step.chosen_faq is None or not faq_list_public().filter(pk=step.chosen_faq).exists():
        return False
    candidates = step.result.candidates
    picked = next((c for c in candidates if c.faq_id == step.chosen_faq), None)
    if picked is None:
        picked = Candidate(faq_id=step.chosen_faq, score=1.0, fused=0.0, signals={})
    step.result.candidates = [picked, *(c for c in candidates if c.faq_id != step.chosen_faq)]
    step.outcome, step.failure_class, step.confidence = Outcome.ANSWER, FailureClass.NONE, 1.0
    step.features = {"chosen_by_resident": 1.0}
    return True


def _contact(department: Department | None) -> dict[str, str] | None:
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


def _response(
    question_id: str | None,
    outcome: str,
    turn_id: str,
    lang: str,
    confidence: float = 0.0,
    candidates: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The contract's answer object (CONTRACTS section 2) with the fields every outcome has; the only place it is
    started, so that every path (answer, fault, replay) gives residents and scripts the same shape."""
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


def _fault_response(question_id: str | None, turn_id: str, lang: str, department: Department | None) -> dict[str, Any]:
    """Something failed: the general reception's contact, never a traceback."""
    return _response(question_id, Outcome.HANDOFF, turn_id, lang) | {
        "answer": messages.text("error", lang, department=messages.contact_line(department, lang)),
        "handoff": _contact(department),
    }


def _compose(step: Step, question_id: str | None, turn: Turn) -> tuple[dict[str, Any], list[int]]:
    """The contract's answer object (CONTRACTS section 2), extractive: the FAQ's own text."""
    started = time.perf_counter()
    candidates = step.result.candidates if step.result else []
    faqs = faqs_by_id([c.faq_id for c in candidates])
    listed = [
        {**_faq_entry(faqs[c.faq_id], c.score), "fused": round(c.fused, 4)} for c in candidates if c.faq_id in faqs
    ]
    used: list[Faq] = []
    response = _response(question_id, step.outcome, str(turn.pk), step.lang, step.confidence, listed)
    if step.outcome == Outcome.REJECTED:
        response["answer"] = step.message
    elif step.outcome == Outcome.ANSWER:
        faq = faqs[candidates[0].faq_id]
        used = [faq]
        llm_started = time.perf_counter()
        step.composed = answer_composer().compose(question=step.redacted, lang=step.lang, faqs=[faq])
        if step.composed.llm:
            step.latency_ms["llm"] = round((time.perf_counter() - llm_started) * 1000, 2)
        if step.composed.failure_class:
            step.failure_class = step.composed.failure_class
        response["answer"] = step.composed.answer
        response["composer"] = step.composed.composer
        response["sources"] = [
            {
                **_faq_entry(faq, candidates[0].score),
                "source_url": faq_source_url(faq, step.site_url),
                "updated": timezone.localtime(faq.updated_at).date().isoformat(),
            }
        ]
        response["contact"] = _contact(faq.department)
        response["related"] = _related(step, faqs)
    elif step.outcome == Outcome.CLARIFY:
        used = [faqs[candidates[i].faq_id] for i in step.choices if candidates[i].faq_id in faqs]
        response["answer"] = messages.text("clarify", step.lang)
        response["choices"] = [_faq_entry(faq, candidates[i].score) for i, faq in zip(step.choices, used, strict=False)]
        response["handoff"] = _contact(step.department)
    else:
        department = step.department or department_general_reception()
        step.department = department
        response["related"] = _related(step, faqs)
        if response["related"]:
            # Related FAQs exist but none fits well enough: say so, and list them.
            key = "handoff_related"
        elif step.department and not step.department.is_general_reception:
            key = "handoff"
        else:
            key = "handoff_general"
        if step.failure_class in (FailureClass.RETRIEVAL_ERROR, FailureClass.INTERNAL_ERROR):
            key = "error"
        response["answer"] = messages.text(key, step.lang, department=messages.contact_line(department, step.lang))
        response["handoff"] = _contact(department)
    _timed(step, "compose", started)
    versions = dict(
        Faq.history.filter(id__in=[faq.pk for faq in used])
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )
    return response, [versions[faq.pk] for faq in used if faq.pk in versions]


def _related(step: Step, faqs: dict[int, Faq]) -> list[dict[str, Any]]:
    """The related FAQs the gate picked, as links beneath an answer or a handoff."""
    candidates = step.result.candidates if step.result else []
    picked = [candidates[i] for i in step.related if i < len(candidates)]
    return [_faq_entry(faqs[c.faq_id], c.score) for c in picked if c.faq_id in faqs]


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different question."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(f"idempotency key already used by turn {turn.pk}")
        self.turn = turn


def _claim(
    key: str, channel: str, redacted: str, kinds: list[str], lang: str, session_id: str = ""
) -> tuple[Turn, bool]:
    """The pending row, in its own transaction; (existing turn, False) when the key was seen before."""
    try:
        with transaction.atomic():
            return Turn.objects.create(
                idempotency_key=key,
                channel=channel,
                question=redacted,
                redacted_kinds=kinds,
                lang=lang,
                session_id=session_id[:100],
            ), True
    except IntegrityError:
        return Turn.objects.get(idempotency_key=key), False


def turn_ask(
    *,
    question: str,
    channel: str = Channel.CLI,
    lang: str | None = None,
    idempotency_key: str | None = None,
    question_id: str | None = None,
    log: bool = True,
    chosen_faq: int | None = None,
    session_id: str = "",
    site_url: str = "",
) -> dict[str, Any]:
    """Answer one question and log it exactly once (`log=False`: evaluation runs that leave no row).

    `site_url` is the base of the links to this site's own pages in the answer (the asking request's origin);
    settings.SITE_URL when empty.

    Raises IdempotencyConflict when the key was used for another question;
    for any question text it never raises otherwise.
    """
    started = time.perf_counter()
    text = question if isinstance(question, str) else ""
    redaction = redact(text[: settings.CHAT_MAX_QUESTION_CHARS * 4])
    redacted_ms = (time.perf_counter() - started) * 1000
    problem = question_problem(text, lang)
    turn_lang = question_lang(text, lang) if problem != "lang" else "ja"
    key = idempotency_key or f"{channel}:{uuid.uuid4()}"
    if log:
        # NUL cannot be stored in a PostgreSQL text column (the question is refused anyway).
        turn, created = _claim(
            key, channel, redaction.text.replace("\x00", ""), list(redaction.kinds), turn_lang, session_id
        )
        if not created:
            if turn.question != redaction.text.replace("\x00", ""):
                raise IdempotencyConflict(turn)
            return _replay(turn)
    else:
        turn = Turn(idempotency_key=key, channel=channel)
    step = Step(
        question=text,
        lang=turn_lang,
        latency_ms={"redact": round(redacted_ms, 2)},
        chosen_faq=chosen_faq,
        redacted=redaction.text,
        site_url=site_url,
    )
    versions: list[int] = []
    try:
        if problem:
            step.outcome, step.failure_class = Outcome.REJECTED, FailureClass.INVALID_INPUT
            limit = settings.CHAT_MAX_QUESTION_CHARS
            step.message = messages.text(problem, turn_lang, limit=limit)
        if not step.outcome:
            _retrieve(step)
        if not step.outcome:
            _gate(step)
        response, versions = _compose(step, question_id, turn)
    except Exception:
        logger.exception("turn %s failed; handing the question off", turn.pk)
        step.outcome, step.failure_class = Outcome.HANDOFF, FailureClass.INTERNAL_ERROR
        step.department = department_general_reception()
        response = _fault_response(question_id, str(turn.pk), turn_lang, step.department)
    total = round((time.perf_counter() - started) * 1000, 2)
    response["failure_class"] = step.failure_class or None
    if not log:
        return response
    Turn.objects.filter(pk=turn.pk, status=TurnStatus.PENDING).update(
        status=TurnStatus.COMPLETED,
        completed_at=timezone.now(),
        outcome=step.outcome,
        failure_class=step.failure_class,
        department=step.department,
        gate=step.gate,
        candidates=_logged_candidates(step),
        gate_features=step.features,
        faq_versions=versions,
        answer=response.get("answer") or "",
        composer=step.composed.composer if step.composed else "",
        prompt_version=step.composed.prompt_version if step.composed else None,
        llm=step.composed.llm if step.composed else {},
        latency_ms=step.latency_ms,
        total_ms=total,
        response=response,
    )
    return response


def _logged_candidates(step: Step) -> list[dict[str, Any]]:
    if not step.result:
        return []
    return [
        {
            "faq_id": c.faq_id,
            "score": round(c.score, 4),
            "fused": round(c.fused, 4),
            "signals": {name: round(value, 4) for name, value in c.signals.items()},
        }
        for c in step.result.candidates
    ]


def _replay(turn: Turn) -> dict[str, Any]:
    """The stored response of a repeated idempotency key (waiting briefly if the first is still running)."""
    for _attempt in range(50):
        if turn.status != TurnStatus.PENDING:
            break
        time.sleep(0.1)
        turn.refresh_from_db()
    if turn.status == TurnStatus.COMPLETED and turn.response:
        return dict(turn.response)
    response = _fault_response(None, str(turn.pk), turn.lang or "ja", department_general_reception())
    return response | {"failure_class": FailureClass.INTERNAL_ERROR}


def turns_reap(*, older_than_minutes: int = 10) -> int:
    """Mark turns still pending after the limit as abandoned (a crash mid-turn); returns how many."""
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    return Turn.objects.filter(status=TurnStatus.PENDING, created_at__lt=cutoff).update(status=TurnStatus.ABANDONED)


@transaction.atomic
def gate_config_create(
    *,
    kind: str,
    parameters: dict[str, Any],
    calibration: dict[str, Any],
    note: str = "",
    user: Any = None,
    activate: bool = True,
) -> GateConfig:
    """A new gate version; activating it retires the active one (turns keep pointing at the version they used)."""
    config = GateConfig.objects.create(
        kind=kind, parameters=parameters, calibration=calibration, note=note[:500], created_by=user
    )
    if activate:
        gate_config_activate(config=config)
    return config


@transaction.atomic
def prompt_version_activate(*, version: PromptVersion) -> None:
    """Make one prompt version the active one (the next LLM reply uses it)."""
    PromptVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    PromptVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=timezone.now())
    version.is_active = True


@transaction.atomic
def gate_config_activate(*, config: GateConfig) -> None:
    """Make this version the one every new turn uses (also how an older version is restored)."""
    GateConfig.objects.select_for_update().filter(is_active=True).exclude(pk=config.pk).update(is_active=False)
    GateConfig.objects.filter(pk=config.pk).update(is_active=True)
    config.is_active = True

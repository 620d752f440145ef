"""The runner: the steps in order, each timed, each able to end the turn; the turn logged exactly once.

The turn row is written once as *pending* (redacted question only) before any slow work, in its own
transaction, under the idempotency key; a repeated key gets the stored response and never a second row.
"""

import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from chatbot.api.serializers import render_response
from chatbot.models import Channel, FailureClass, Outcome, Turn, TurnStatus
from chatbot.pipeline import steps
from chatbot.pipeline.compose import compose, fault_response
from chatbot.pipeline.config import LIVE, PipelineConfig
from chatbot.pipeline.state import Step, TurnState
from faq.selectors import department_general_reception

logger = logging.getLogger(__name__)

# Before the turn is recorded: what the question is, and its redacted text (both always run).
INTAKE: tuple[Step, ...] = (
    Step("validate", steps.validate, after_outcome=True),
    Step("redact", steps.redact, after_outcome=True),
)
# After: a step that sets an outcome ends the turn; composing the reply always runs.
ANSWER: tuple[Step, ...] = (
    Step("retrieve", steps.retrieve),
    Step("gate", steps.gate),
    Step("compose", compose, after_outcome=True),
)


def run_steps(pipeline: Sequence[Step], state: TurnState, config: PipelineConfig) -> None:
    """Run the steps in order, recording each one's latency; skip those an outcome made pointless."""
    for step in pipeline:
        if state.outcome and not step.after_outcome:
            continue
        started = time.perf_counter()
        try:
            step.run(state, config)
        finally:
            state.latency_ms[step.name] = round((time.perf_counter() - started) * 1000, 2)


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different question."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(f"idempotency key already used by turn {turn.pk}")
        self.turn = turn


def _claim(state: TurnState, key: str, channel: str, session_id: str) -> tuple[Turn, bool]:
    """The pending row, in its own transaction; (existing turn, False) when the key was seen before."""
    try:
        with transaction.atomic():
            return Turn.objects.create(
                idempotency_key=key,
                channel=channel,
                # NUL cannot be stored in a PostgreSQL text column (the question is refused anyway).
                question=state.redacted.replace("\x00", ""),
                redacted_kinds=state.redacted_kinds,
                lang=state.lang,
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
    config: PipelineConfig = LIVE,
) -> dict[str, Any]:
    """Answer one question and log it exactly once (`log=False`: evaluation runs that leave no row).

    `site_url` is the base of the links to this site's own pages in the answer (the asking request's origin);
    settings.SITE_URL when empty. `config`: what to answer with (the live configuration by default).

    Raises IdempotencyConflict when the key was used for another question;
    for any question text it never raises otherwise.
    """
    started = time.perf_counter()
    state = TurnState(
        question=question if isinstance(question, str) else "",
        lang_asked=lang,
        chosen_faq=chosen_faq,
        site_url=site_url,
        question_id=question_id,
    )
    run_steps(INTAKE, state, config)
    key = idempotency_key or f"{channel}:{uuid.uuid4()}"
    if log:
        state.turn, created = _claim(state, key, channel, session_id)
        if not created:
            if state.turn.question != state.redacted.replace("\x00", ""):
                raise IdempotencyConflict(state.turn)
            return _replay(state.turn)
    else:
        state.turn = Turn(idempotency_key=key, channel=channel)
    try:
        run_steps(ANSWER, state, config)
        response = state.response
    except Exception:
        logger.exception("turn %s failed; handing the question off", state.turn.pk)
        state.outcome, state.failure_class = Outcome.HANDOFF, FailureClass.INTERNAL_ERROR
        state.department = department_general_reception()
        state.faq_versions = []
        response = fault_response(question_id, str(state.turn.pk), state.lang, state.department)
    response["failure_class"] = state.failure_class or None
    response = render_response(response)
    if log:
        _log(state, response, total_ms=round((time.perf_counter() - started) * 1000, 2))
    return response


def _log(state: TurnState, response: dict[str, Any], *, total_ms: float) -> None:
    """Complete the pending row: everything the turn was decided and answered with."""
    assert state.turn is not None
    composed = state.composed
    Turn.objects.filter(pk=state.turn.pk, status=TurnStatus.PENDING).update(
        status=TurnStatus.COMPLETED,
        completed_at=timezone.now(),
        outcome=state.outcome,
        failure_class=state.failure_class,
        department=state.department,
        gate=state.gate,
        candidates=_logged_candidates(state),
        gate_features=state.features,
        faq_versions=state.faq_versions,
        untranslated_faqs=state.untranslated,
        answer=response.get("answer") or "",
        composer=composed.composer if composed else "",
        prompt_version=composed.prompt_version if composed else None,
        llm=composed.llm if composed else {},
        latency_ms=state.latency_ms,
        total_ms=total_ms,
        response=response,
    )


def _logged_candidates(state: TurnState) -> list[dict[str, Any]]:
    if not state.result:
        return []
    return [
        {
            "faq_id": c.faq_id,
            "score": round(c.score, 4),
            "fused": round(c.fused, 4),
            "signals": {name: round(value, 4) for name, value in c.signals.items()},
        }
        for c in state.result.candidates
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
    response = fault_response(None, str(turn.pk), turn.lang or "ja", department_general_reception())
    return render_response(response | {"failure_class": FailureClass.INTERNAL_ERROR})

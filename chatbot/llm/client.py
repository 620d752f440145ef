"""The one way out to the LLM: the `openai` client with short timeouts, one retry, a concurrency cap and a breaker.

- Each attempt has LLM_TIMEOUT_SECONDS, and all attempts together stay within
  LLM_DEADLINE_SECONDS: a retry happens only when the remaining time allows it
  and the error is worth retrying (timeout, connection, 429, 5xx).
- At most LLM_MAX_CONCURRENCY calls run at once per process; a turn that would
  exceed it does not wait, it gets the FAQ's own text (`llm_busy`).
- A circuit breaker (the `circuitbreaker` package) opens after
  LLM_BREAKER_FAILURES consecutive failed calls: no request goes out for
  LLM_BREAKER_COOLDOWN_SECONDS, then one call probes (`llm_circuit_open`).
- No tools, functions or streaming are ever requested.
"""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from circuitbreaker import CircuitBreaker
from django.conf import settings

from chatbot.models import FailureClass


class LlmFailure(Exception):
    """A call that produced no usable reply; `failure_class` is one of the llm_* failure classes."""

    def __init__(self, failure_class: str, detail: str, *, attempts: int = 0) -> None:
        super().__init__(detail)
        self.failure_class = failure_class
        self.detail = detail
        self.attempts = attempts


class _Transport(Exception):
    """A failed request (timeout, connection, HTTP error): counts against the breaker."""

    def __init__(self, failure_class: str, detail: str, *, retry: bool) -> None:
        super().__init__(detail)
        self.failure_class = failure_class
        self.detail = detail
        self.retry = retry


@dataclass
class Reply:
    text: str
    model: str
    attempts: int
    ms: float
    usage: dict[str, Any] = field(default_factory=dict)


def configured() -> bool:
    return bool(settings.LLM_BASE_URL and settings.LLM_MODEL)


@dataclass
class _State:
    key: tuple[Any, ...]
    client: openai.OpenAI
    breaker: CircuitBreaker
    slots: threading.BoundedSemaphore


_lock = threading.Lock()
_state: _State | None = None


def _current() -> _State:
    """The client, breaker and slots for the current settings (rebuilt when they change)."""
    global _state
    key = (
        settings.LLM_BASE_URL,
        settings.LLM_API_KEY,
        settings.LLM_MAX_CONCURRENCY,
        settings.LLM_BREAKER_FAILURES,
        settings.LLM_BREAKER_COOLDOWN_SECONDS,
    )
    with _lock:
        if _state is None or _state.key != key:
            client = openai.OpenAI(
                base_url=settings.LLM_BASE_URL,
                api_key=settings.LLM_API_KEY or "not-needed",
                max_retries=0,  # retries are ours, inside the turn's deadline
                timeout=settings.LLM_TIMEOUT_SECONDS,
            )
            breaker = CircuitBreaker(
                failure_threshold=settings.LLM_BREAKER_FAILURES,
                recovery_timeout=settings.LLM_BREAKER_COOLDOWN_SECONDS,
                expected_exception=_Transport,
                name="llm",
            )
            _state = _State(key, client, breaker, threading.BoundedSemaphore(settings.LLM_MAX_CONCURRENCY))
        return _state


def reset() -> None:
    """Forget the client and the breaker's state (tests, and after changing settings at run time)."""
    global _state
    with _lock:
        _state = None


def breaker_state() -> str:
    state = _current().breaker
    return "open" if state.opened else str(state.state)


def _request(state: _State, messages: list[dict[str, str]], timeout: float, max_tokens: int) -> Any:
    try:
        return state.client.chat.completions.create(
            model=settings.LLM_MODEL,
            messages=messages,  # type: ignore[arg-type]
            temperature=settings.LLM_TEMPERATURE,
            max_tokens=max_tokens,
            timeout=timeout,
            stream=False,
        )
    except openai.APITimeoutError as error:
        raise _Transport(FailureClass.LLM_TIMEOUT, "timeout", retry=True) from error
    except openai.APIConnectionError as error:
        raise _Transport(FailureClass.LLM_HTTP_ERROR, f"connection: {error.__class__.__name__}", retry=True) from error
    except openai.APIStatusError as error:
        status = error.status_code
        retry = status == 429 or status >= 500
        raise _Transport(FailureClass.LLM_HTTP_ERROR, f"http {status}", retry=retry) from error
    except (openai.APIResponseValidationError, ValueError, httpx.DecodingError) as error:
        # A body that is not a chat completion (garbled JSON, an event stream, ...).
        raise _Transport(
            FailureClass.LLM_INVALID_OUTPUT, f"unreadable body: {error.__class__.__name__}", retry=False
        ) from error


def chat(messages: list[dict[str, str]], *, deadline: float | None = None, max_tokens: int = 600) -> Reply:
    """One completion within the deadline (seconds from now); LlmFailure otherwise."""
    if not configured():
        raise LlmFailure(FailureClass.LLM_HTTP_ERROR, "not configured")
    state = _current()
    budget = settings.LLM_DEADLINE_SECONDS if deadline is None else deadline
    started = time.monotonic()
    if state.breaker.opened:
        raise LlmFailure(FailureClass.LLM_CIRCUIT_OPEN, "breaker open")
    if not state.slots.acquire(blocking=False):
        raise LlmFailure(FailureClass.LLM_BUSY, f"{settings.LLM_MAX_CONCURRENCY} calls already running")
    attempts = 0
    try:
        while True:
            remaining = budget - (time.monotonic() - started)
            timeout = min(settings.LLM_TIMEOUT_SECONDS, remaining)
            if timeout <= 0.05:
                raise LlmFailure(FailureClass.LLM_TIMEOUT, "deadline reached", attempts=attempts)
            if attempts and state.breaker.opened:
                raise LlmFailure(FailureClass.LLM_CIRCUIT_OPEN, "breaker opened", attempts=attempts)
            attempts += 1
            try:
                completion = state.breaker.call(_request, state, messages, timeout, max_tokens)
            except _Transport as error:
                remaining = budget - (time.monotonic() - started)
                if attempts >= 2 or not error.retry or remaining < 0.5:
                    raise LlmFailure(error.failure_class, error.detail, attempts=attempts) from error
                continue
            try:
                text = _text_of(completion)
            except LlmFailure as failure:
                failure.attempts = attempts
                raise
            return Reply(
                text=text,
                model=str(getattr(completion, "model", "") or settings.LLM_MODEL),
                attempts=attempts,
                ms=round((time.monotonic() - started) * 1000, 1),
                usage=_usage(completion),
            )
    finally:
        state.slots.release()


def _text_of(completion: Any) -> str:
    try:
        content = completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError) as error:
        raise LlmFailure(FailureClass.LLM_INVALID_OUTPUT, "no message in the reply", attempts=1) from error
    if not isinstance(content, str):
        raise LlmFailure(FailureClass.LLM_INVALID_OUTPUT, "no text in the reply", attempts=1)
    return content


def _usage(completion: Any) -> dict[str, Any]:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return {}
    return {
        key: value
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
        if isinstance(value := getattr(usage, key, None), int)
    }

"""Shared helpers for the API fuzzing, property and limit tests of the public chat API.

The fixtures of tests/chatbot/conftest.py (`town`, `indexed_town`, `reception`,
`builtin_gate`) are re-exported here: a test module imports them from this
module to use them in tests/security.
"""

import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client

from chatbot.api.views import stored_idempotency_key
from chatbot.models import Turn, TurnStatus
from tests.chatbot.conftest import builtin_gate, indexed_town, reception, town

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

__all__ = [
    "CHAT",
    "FEEDBACK",
    "SCHEMA",
    "FuzzTally",
    "TransactionSafeWSGIApp",
    "TurnLedger",
    "builtin_gate",
    "error_envelope_problem",
    "indexed_town",
    "new_key",
    "post_chat",
    "post_feedback",
    "reception",
    "record_fuzz",
    "town",
]

CHAT = "/api/v1/chat"
FEEDBACK = "/api/v1/feedback"
SCHEMA = "/api/v1/schema"
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "security"
FUZZ_REPORT = ARTIFACTS / "fuzz.json"


def new_key() -> str:
    return f"sec-{uuid.uuid4().hex}"


def post_chat(
    client: Client, body: Any, *, key: str | None = None, content_type: str = "application/json", **extra: Any
) -> "TestResponse":
    """POST /api/v1/chat; `body` is JSON-encoded unless it is already str or bytes; a fresh key unless given."""
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    extra["HTTP_IDEMPOTENCY_KEY"] = new_key() if key is None else key
    return client.post(CHAT, data=data, content_type=content_type, **extra)


def post_feedback(client: Client, body: Any, **extra: Any) -> "TestResponse":
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(FEEDBACK, data=data, content_type="application/json", **extra)


def error_envelope_problem(status: int, content_type: str, content: bytes) -> str | None:
    """What is wrong with an error response (None when it is the documented JSON envelope).

    CONTRACTS section 4: `{"error": {"code": "...", "message": "..."}}`, JSON,
    never an HTML page or a traceback.
    """
    if not content_type.startswith("application/json"):
        return f"{status} with Content-Type {content_type!r}: {content[:200]!r}"
    lowered = content.lower()
    if b"<html" in lowered or b"<!doctype" in lowered or b"traceback" in lowered:
        return f"{status} looks like an HTML page or a traceback: {content[:200]!r}"
    try:
        body = json.loads(content)
    except ValueError:
        return f"{status} body is not JSON: {content[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return f"{status} body has no error object: {body!r:.300}"
    code, message = error.get("code"), error.get("message")
    if not (isinstance(code, str) and code and isinstance(message, str) and message):
        return f"{status} error object lacks a code or a message: {error!r:.300}"
    return None


class TransactionSafeWSGIApp:
    """Django's real WSGI application, usable inside a test's transaction.

    The WSGI handler closes the database connection when a request starts
    and ends (`close_old_connections`); inside a test that drops the test's
    transaction. Like Django's own test client, each request runs with those
    two receivers disconnected, and the response is read and closed before
    they are connected again.
    """

    def __init__(self) -> None:
        self.handler: WSGIHandler = get_wsgi_application()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()  # fires request_finished
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@dataclass
class FuzzTally:
    """What one fuzzed operation was sent and how it answered."""

    operation: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)

    def add(self, status: int, content: bytes) -> None:
        self.requests += 1
        self.statuses[status] += 1
        if status >= 400:
            try:
                body = json.loads(content)
                self.codes[str(body["error"]["code"])] += 1
            except (ValueError, KeyError, TypeError):
                self.codes["<not the envelope>"] += 1

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "server_errors": self.server_errors,
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "error_codes": dict(sorted(self.codes.items())),
        }


def record_fuzz(tally: FuzzTally, extra: dict[str, Any] | None = None) -> None:
    """Print the `FUZZ:` line (seen with -s) and merge this operation's figures into fuzz.json."""
    figures = tally.as_dict() | (extra or {})
    print(f"FUZZ: {tally.operation}: {tally.requests} generated requests, {tally.server_errors} server errors")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        report = json.loads(FUZZ_REPORT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = {}
    if not isinstance(report, dict):
        report = {}
    report[tally.operation] = figures
    FUZZ_REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@dataclass
class TurnLedger:
    """What the API said about turns: each idempotency key that wrote one, and the turn it wrote."""

    turns: dict[str, str] = field(default_factory=dict)
    answered: int = 0  # 200 with a new key
    refused_with_turn: int = 0  # 400 invalid_question with a new key (logged as a rejected turn)
    replays: int = 0
    conflicts: int = 0

    def observe(self, key: str | None, status: int, content: bytes) -> None:
        body = json.loads(content)
        if status == 409:
            assert key in self.turns, f"409 for a key never used before: {key!r}"
            self.conflicts += 1
            if body.get("turn") is not None:
                assert body["turn"]["turn_id"] == self.turns[key]
            return
        refused = status == 400 and body["error"]["code"] == "invalid_question"
        if status != 200 and not refused:
            return
        turn_id = body["turn_id"]
        assert key is not None
        if key in self.turns:
            assert turn_id == self.turns[key], f"key {key!r} answered with two turns"
            self.replays += 1
            return
        self.turns[key] = turn_id
        if refused:
            self.refused_with_turn += 1
        else:
            self.answered += 1

    def figures(self) -> dict[str, int]:
        return {
            "turns": len(self.turns),
            "answered": self.answered,
            "refused_with_turn": self.refused_with_turn,
            "replays": self.replays,
            "conflicts": self.conflicts,
        }

    def assert_matches_the_database(self) -> None:
        stored = {str(pk): key for pk, key in Turn.objects.values_list("pk", "idempotency_key")}
        assert len(stored) == len(self.turns) == self.answered + self.refused_with_turn
        assert set(stored) == set(self.turns.values()), "turn rows differ from the turns the API reported"
        for key, turn_id in self.turns.items():
            assert stored[turn_id] == stored_idempotency_key(key)
        assert not Turn.objects.exclude(status=TurnStatus.COMPLETED).exists(), "a turn was left pending"

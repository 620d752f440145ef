"""Fuzzing the public API from its own OpenAPI schema (schemathesis over Django's real WSGI application).

Every request schemathesis generates for POST /api/v1/chat and POST
/api/v1/feedback (its coverage cases, then positive and negative examples)
goes through the real middleware, views, database and answer pipeline. Each
answer must be no 5xx, conform to the schema where schemathesis checks it, and
every error must be the JSON envelope `{"error": {"code", "message"}}`. After
the chat run, every turn the API reported exists exactly once and nothing else
was written. `-s` prints a `FUZZ:` line per operation; the figures are also
written to var/test-artifacts/security/fuzz.json.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from chatbot.models import Feedback, Turn
from chatbot.pipeline import question_problem
from tests.security.support_api import (  # noqa: F401  (fixtures re-exported for this directory)
    CHAT,
    FEEDBACK,
    SCHEMA,
    FuzzTally,
    TransactionSafeWSGIApp,
    TurnLedger,
    builtin_gate,
    error_envelope_problem,
    indexed_town,
    post_chat,
    reception,
    record_fuzz,
    town,
)

KEY = "Idempotency-Key"
PLACEHOLDER_KEY = "placeholder-key-000"
REUSED_KEYS = ("fuzz-reused-key-a", "fuzz-reused-key-b")
CHAT_FIELDS = {"question", "session_id", "lang", "faq_id"}  # ChatRequest's properties
# What schemathesis checks on every answer: its checks that apply to a stateless API without auth, minus
# positive_data_acceptance, which is a test of its own (test_schema_valid_chat_requests_are_accepted).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
]
FUZZ_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def api_schema(settings: SettingsWrapper) -> Iterator[Any]:
    """The schema the app serves, loaded over its WSGI application; no rate limit while fuzzing."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    cache.clear()
    yield schemathesis.openapi.from_wsgi(SCHEMA, TransactionSafeWSGIApp())
    cache.clear()


def both_modes(operation: Any, **fixed: Any) -> Any:
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, **fixed),
        operation.as_strategy(GenerationMode.NEGATIVE, **fixed),
    )


def coverage_cases(schema: Any, operation: Any) -> list[Any]:
    """Schemathesis' deterministic boundary cases: missing header, wrong types, other methods and media types."""
    return list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation),
        )
    )


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return isinstance(value, str)


def only_header_negated(case: Any) -> bool:
    """A negative case whose only schema violation was in the headers (then replaced by a valid key)."""
    if case.meta is None:
        return False
    negated = {location for location, info in case.meta.components.items() if info.mode.is_negative}
    return bool(negated) and negated <= {ParameterLocation.HEADER}


def check_answer(case: Any, response: Any, tally: FuzzTally, *, excluded: tuple[Callable[..., Any], ...] = ()) -> None:
    tally.add(response.status_code, response.content)
    problem = None
    if response.status_code >= 400:
        content_type = ", ".join(response.headers.get("content-type", []))
        problem = error_envelope_problem(response.status_code, content_type, response.content)
    assert problem is None, f"{case.method} {case.path} {case.headers} {case.body!r:.300}: {problem}"
    case.validate_response(response, checks=[check for check in CHECKS if check not in excluded])


@pytest.mark.django_db
@pytest.mark.usefixtures("indexed_town")
def test_fuzz_chat_from_the_schema_no_server_error_and_no_lost_turn(api_schema: Any) -> None:
    operation = api_schema[CHAT]["POST"]
    tally = FuzzTally("POST /api/v1/chat")
    ledger = TurnLedger()

    def send(case: Any, key: str | None, excluded: tuple[Callable[..., Any], ...] = ()) -> None:
        response = case.call()
        check_answer(case, response, tally, excluded=excluded)
        if case.method == "POST":
            ledger.observe(key, response.status_code, response.content)

    try:
        for case in coverage_cases(api_schema, operation):
            send(case, case.headers.get(KEY) if case.headers else None)

        reuse = st.sampled_from(["", "", "", "", *REUSED_KEYS])  # "": a fresh key

        # 1. As the schema describes the request, the Idempotency-Key too (which then rarely passes).
        @settings(FUZZ_SETTINGS, max_examples=50)
        @given(case=both_modes(operation))
        def as_documented(case: Any) -> None:
            send(case, case.headers.get(KEY) if case.headers else None)

        # 2. Schema-valid bodies, within what the server takes (only ChatRequest's properties, lang ja or en:
        # the schema says less, see test_schema_valid_chat_requests_are_accepted), with a valid key of ours,
        # fresh or reused: they reach the answer pipeline and the idempotency store.
        @settings(FUZZ_SETTINGS, max_examples=80)
        @given(case=operation.as_strategy(GenerationMode.POSITIVE, headers={KEY: PLACEHOLDER_KEY}), reuse=reuse)
        def valid_bodies(case: Any, reuse: str) -> None:
            key = reuse or f"fuzz-chat-{tally.requests:06d}"
            case.headers = {**(case.headers or {}), KEY: key}
            if isinstance(case.body, dict):
                case.body = {
                    name: value
                    for name, value in case.body.items()
                    if name in CHAT_FIELDS and (name != "lang" or value in ("ja", "en", ""))
                }
            send(case, key)

        # 3. Schema-invalid bodies with a valid key: refused before any turn is written.
        @settings(FUZZ_SETTINGS, max_examples=40)
        @given(case=operation.as_strategy(GenerationMode.NEGATIVE, headers={KEY: PLACEHOLDER_KEY}), reuse=reuse)
        def invalid_bodies(case: Any, reuse: str) -> None:
            key = reuse or f"fuzz-chat-{tally.requests:06d}"
            case.headers = {**(case.headers or {}), KEY: key}
            send(case, key, excluded=(negative_data_rejection,) if only_header_negated(case) else ())

        as_documented()
        valid_bodies()
        invalid_bodies()
    finally:
        record_fuzz(tally, dict(ledger.figures()))

    assert tally.server_errors == 0
    ledger.assert_matches_the_database()
    # The fuzz reached the pipeline and the idempotency store, not only the front door.
    assert ledger.answered >= 10, ledger.figures()
    assert len(ledger.turns) >= 25, ledger.figures()
    assert ledger.replays + ledger.conflicts >= 3, ledger.figures()


@pytest.mark.django_db
@pytest.mark.usefixtures("town")
def test_fuzz_feedback_from_the_schema_no_server_error_and_last_feedback_counts(api_schema: Any) -> None:
    client = Client()
    turn_ids = []
    for question in ("粗大ごみの収集を申し込みたい", "住民票の写しを取りたい", "Where can I park a spaceship?"):
        response = post_chat(client, {"question": question})
        assert response.status_code == 200
        turn_ids.append(response.json()["turn_id"])
    turns_before = Turn.objects.count()
    operation = api_schema[FEEDBACK]["POST"]
    tally = FuzzTally("POST /api/v1/feedback")
    last_helpful: dict[str, bool] = {}

    def send(case: Any) -> None:
        response = case.call()
        check_answer(case, response, tally)
        if case.method == "POST" and response.status_code == 200:
            body = response.json()
            assert body["ok"] is True
            last_helpful[body["turn_id"]] = case.body["helpful"]

    try:
        for case in coverage_cases(api_schema, operation):
            send(case)

        @FUZZ_SETTINGS
        @given(case=both_modes(operation), existing=st.one_of(st.none(), st.sampled_from(turn_ids)))
        def fuzz(case: Any, existing: str | None) -> None:
            # Generated feedback names turns that do not exist: point half of it at real turns. A well-formed
            # turn_id is never what a negative case negated, so the case stays as valid or invalid as it was.
            if existing and isinstance(case.body, dict) and is_uuid(case.body.get("turn_id")):
                case.body = {**case.body, "turn_id": existing}
            send(case)

        fuzz()
    finally:
        record_fuzz(tally, {"feedback_stored": len(last_helpful)})

    assert tally.server_errors == 0
    assert Turn.objects.count() == turns_before
    stored = dict(Feedback.objects.values_list("turn_id", "helpful"))
    assert {str(turn_id): helpful for turn_id, helpful in stored.items()} == last_helpful
    assert len(last_helpful) >= 2, tally.as_dict()


@pytest.mark.django_db
@pytest.mark.usefixtures("town")
@pytest.mark.parametrize("generated", ["header", "body"])
def test_schema_valid_chat_requests_are_accepted(api_schema: Any, generated: str) -> None:
    """A request the published schema calls valid is answered, or refused only for its question's text.

    Schemathesis' positive_data_acceptance, for the Idempotency-Key header
    (with a plain body) and for the body (with a valid key) in turn. Whether a
    question has letters, or control characters, cannot be said in JSON
    Schema: refusing such a question (`invalid_question`, or `invalid_body`
    for a NUL) is fine here. Any other refusal means the schema promises more
    than the server takes.
    """
    operation = api_schema[CHAT]["POST"]
    if generated == "header":
        strategy = operation.as_strategy(GenerationMode.POSITIVE, body={"question": "住民票の写しを取りたい"})
    else:
        strategy = operation.as_strategy(GenerationMode.POSITIVE, headers={KEY: PLACEHOLDER_KEY})
    refused: Counter[str] = Counter()
    examples: dict[str, str] = {}
    sent = [0]

    @settings(FUZZ_SETTINGS, max_examples=40)
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        sent[0] += 1
        if generated == "body":
            case.headers = {**(case.headers or {}), KEY: f"accept-{sent[0]:06d}"}
        response = case.call()
        assert response.status_code < 500
        if response.status_code == 200:
            return
        body = case.body if isinstance(case.body, dict) else {}
        reason = response.json()["error"]["code"]
        question = body.get("question")
        if (
            reason in ("invalid_question", "invalid_body")
            and isinstance(question, str)
            and question_problem(question, None)
        ):
            return  # a control character, NUL, no letters, too long: the text, not the request's shape
        if reason == "invalid_question":
            reason = "invalid_question for lang (the schema gives lang no enum)"
        elif reason == "unknown_field":
            reason = "unknown_field (the schema allows additional properties)"
        elif reason == "idempotency_key":
            reason = "idempotency_key (the schema gives the header no pattern or length)"
        refused[reason] += 1
        examples.setdefault(reason, f"{KEY}={case.headers.get(KEY)!r} body={body!r:.160}")

    fuzz()
    assert not refused, f"{sum(refused.values())} schema-valid requests refused: {dict(refused)}; e.g. {examples}"


@pytest.mark.django_db
def test_fuzz_schema_endpoint_query_and_accept_never_server_error() -> None:
    tally = FuzzTally("GET /api/v1/schema")
    client = Client()
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)

    @settings(FUZZ_SETTINGS, max_examples=60)
    @given(
        query=st.dictionaries(st.sampled_from(["format", "lang", "version", "x"]) | text, text, max_size=3),
        accept=st.sampled_from(["", "*/*", "application/json", "application/yaml", "text/html", "image/png"]) | text,
    )
    def fuzz(query: dict[str, str], accept: str) -> None:
        extra: dict[str, Any] = {"HTTP_ACCEPT": accept} if accept else {}
        response = client.get(SCHEMA, query, **extra)
        tally.add(response.status_code, response.content)
        assert response.status_code < 500, (query, accept, response.content[:300])
        assert b"<html" not in response.content.lower()

    try:
        fuzz()
    finally:
        record_fuzz(tally)
    assert tally.server_errors == 0
    assert tally.statuses[200] >= 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "query", "accept"),
    [
        pytest.param("get", {"format": "bogus"}, "", id="unknown-format"),
        pytest.param("post", {}, "", id="post"),
        pytest.param("get", {}, "text/html", id="accept-html"),
    ],
)
@pytest.mark.usefixtures("reception")
def test_schema_endpoint_errors_use_the_json_error_envelope(method: str, query: dict[str, str], accept: str) -> None:
    """CONTRACTS section 4: every error under /api/v1/ is `{"error": {"code", "message"}}` as JSON."""
    extra: dict[str, Any] = {"HTTP_ACCEPT": accept} if accept else {}
    response = getattr(Client(), method)(SCHEMA, query, **extra)

    assert response.status_code in {404, 405, 406}
    assert error_envelope_problem(response.status_code, response["Content-Type"], response.content) is None

"""The public chat API (CONTRACTS section 4) over real HTTP requests: contract, idempotency, hostile input, limits."""

import datetime
import json
import re
import threading
import uuid
import zoneinfo
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
import yaml
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.models import Channel, Feedback, Outcome, Turn, TurnStatus
from chatbot.pipeline import turn_ask
from faq.models import Department, Faq
from tests.chatbot.chat_support import assert_contract

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

CHAT = "/api/v1/chat"
FEEDBACK = "/api/v1/feedback"
JST = zoneinfo.ZoneInfo("Asia/Tokyo")
KANA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ALLOWED_SITE = "https://www.town.example.lg.jp"
ERROR_STATUSES = {400, 403, 409, 413, 415, 429, 503}


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> Iterator[None]:
    """Rate-limit counters live in the process-wide cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def new_key() -> str:
    return f"test-{uuid.uuid4().hex}"


def post_chat(
    client: Client, body: Any, *, key: str | None = "key-00000001", content_type: str = "application/json", **extra: Any
) -> "TestResponse":
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(CHAT, data=data, content_type=content_type, **extra)


def post_feedback(client: Client, body: Any, **extra: Any) -> "TestResponse":
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(FEEDBACK, data=data, content_type="application/json", **extra)


def assert_error(response: "TestResponse", status: int, code: str, lang: str = "ja") -> dict[str, Any]:
    """The documented error envelope, as JSON (never an HTML page), in the resident's language."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert message
    assert "Traceback" not in message
    if lang == "ja":
        assert KANA.search(message), message
    else:
        assert not KANA.search(message), message
    return body


# 1. the happy path ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chat_answers_with_the_contract_object_logged_as_an_api_turn(indexed_town: dict[str, Faq]) -> None:
    faq = indexed_town["R-001"]

    response = post_chat(Client(), {"question": "粗大ごみの収集を申し込みたい", "session_id": "s-1", "lang": "ja"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_contract(body)
    assert body["outcome"] == Outcome.ANSWER
    assert body["answer"] == faq.answer
    assert body["sources"][0]["external_id"] == "R-001"
    assert body["lang"] == "ja"
    turn = Turn.objects.get()
    assert str(turn.pk) == body["turn_id"]
    assert turn.channel == Channel.API
    assert turn.status == TurnStatus.COMPLETED
    assert turn.response == body


@pytest.mark.django_db
def test_chat_sets_no_cookie_and_creates_no_session(indexed_town: dict[str, Faq]) -> None:
    response = post_chat(Client(), {"question": "住民票の写しを取りたい"})

    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_chat_from_the_widget_is_logged_as_web(indexed_town: dict[str, Faq]) -> None:
    response = post_chat(Client(), {"question": "印鑑登録をしたい"}, HTTP_X_CHAT_CLIENT="widget")

    assert response.status_code == 200
    assert Turn.objects.get(pk=response.json()["turn_id"]).channel == Channel.WEB


@pytest.mark.django_db
def test_chat_handoff_carries_contact_details(indexed_town: dict[str, Faq], reception: Department) -> None:
    response = post_chat(Client(), {"question": "Where can I park my spaceship overnight?", "lang": "en"})

    assert response.status_code == 200
    body = response.json()
    assert_contract(body)
    assert body["outcome"] == Outcome.HANDOFF
    assert body["lang"] == "en"
    assert body["handoff"]["phone"] == reception.phone


# 2. idempotency ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_same_key_same_question_returns_the_stored_response_and_one_row(indexed_town: dict[str, Faq]) -> None:
    client = Client()
    first = post_chat(client, {"question": "水道の使用を開始したい"}, key="retry-key-0001")
    second = post_chat(client, {"question": "水道の使用を開始したい"}, key="retry-key-0001")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert Turn.objects.count() == 1


@pytest.mark.django_db
def test_same_key_different_question_is_a_conflict_with_the_stored_turn(indexed_town: dict[str, Faq]) -> None:
    client = Client()
    first = post_chat(client, {"question": "水道の使用を開始したい"}, key="reused-key-01")

    second = post_chat(client, {"question": "児童手当を申請したい"}, key="reused-key-01")

    body = assert_error(second, 409, "idempotency_conflict")
    assert body["turn"] == first.json()
    assert Turn.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("length", [8, 128])
def test_idempotency_key_length_limits_are_accepted_and_stored_whole(town: dict[str, Faq], length: int) -> None:
    key = "k" * length
    first = post_chat(Client(), {"question": "住民票の写しを取りたい"}, key=key)
    second = post_chat(Client(), {"question": "住民票の写しを取りたい"}, key=key)

    assert first.status_code == 200
    assert second.json() == first.json()
    turn = Turn.objects.get()
    # A key longer than the column would fail on PostgreSQL (SQLite does not enforce it).
    column = Turn._meta.get_field("idempotency_key").max_length
    assert column is not None
    assert len(turn.idempotency_key) <= column


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_with_one_key_write_one_row_and_agree(indexed_town: dict[str, Faq]) -> None:
    responses: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def ask() -> None:
        try:
            start.wait()
            response = post_chat(Client(), {"question": "印鑑登録をしたい"}, key="concurrent-key-1")
            responses.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(responses) == 10
    assert {status for status, _body in responses} == {200}
    assert all(body == responses[0][1] for _status, body in responses)
    turn = Turn.objects.get()
    assert responses[0][1]["turn_id"] == str(turn.pk)
    assert responses[0][1]["sources"][0]["external_id"] == "R-009"


# 3. bad input --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"question": "住民票"', id="truncated"),
        pytest.param("question=住民票", id="form-text"),
        pytest.param('{"question": NaN}', id="nan"),
        pytest.param("[" * 10_000, id="deep-within-size-limit"),
    ],
)
def test_non_json_body_is_invalid_json(reception: Department, raw: str) -> None:
    assert_error(post_chat(Client(), raw), 400, "invalid_json")
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_absurdly_deep_json_is_a_400_not_a_crash(reception: Department, settings: SettingsWrapper) -> None:
    settings.CHAT_MAX_BODY_BYTES = 300_000

    assert_error(post_chat(Client(), "[" * 100_000), 400, "invalid_json")
    assert_error(post_chat(Client(), '{"question": ' + "[" * 100_000 + "]" * 100_000 + "}"), 400, "invalid_json")
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_absurdly_deep_json_over_the_size_limit_is_too_large(reception: Department) -> None:
    assert_error(post_chat(Client(), "[" * 100_000), 413, "too_large")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        pytest.param("application/x-www-form-urlencoded", "question=%E4%BD%8F%E6%B0%91%E7%A5%A8", id="form"),
        pytest.param("text/plain", '{"question": "住民票"}', id="text"),
        pytest.param("multipart/form-data; boundary=BoUnDaRy", "--BoUnDaRy--", id="multipart"),
    ],
)
def test_wrong_content_type_is_415(reception: Department, content_type: str, data: str) -> None:
    assert_error(post_chat(Client(), data, content_type=content_type), 415, "unsupported_media_type")
    assert not Turn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("short12", id="seven-chars"),
        pytest.param("k" * 129, id="129-chars"),
        pytest.param("has space 123", id="space"),
        pytest.param("key/with+slash=", id="punctuation"),
        pytest.param("http:key-12345", id="colon"),
    ],
)
def test_bad_idempotency_key_is_refused_before_any_turn(reception: Department, key: str | None) -> None:
    assert_error(post_chat(Client(), {"question": "住民票の写しを取りたい"}, key=key), 400, "idempotency_key")
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_unknown_fields_are_named_in_the_error(reception: Department) -> None:
    body = assert_error(post_chat(Client(), {"question": "住民票", "zeta": 1, "alpha": "x"}), 400, "unknown_field")

    assert "alpha, zeta" in body["error"]["message"]
    assert not Turn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"question": 123}, id="int"),
        pytest.param({"question": 1.5}, id="float"),
        pytest.param({"question": True}, id="bool"),
        pytest.param({"question": None}, id="null"),
        pytest.param({"question": ["住民票"]}, id="list"),
        pytest.param({"question": {"text": "住民票"}}, id="object"),
        pytest.param({}, id="missing"),
        pytest.param(["住民票"], id="top-level-list"),
        pytest.param("住民票", id="top-level-string"),
        pytest.param(None, id="top-level-null"),
        pytest.param({"question": "住民票", "lang": ["en"]}, id="lang-list"),
        pytest.param({"question": "住民票", "session_id": "s" * 101}, id="session-id-too-long"),
    ],
)
def test_body_of_the_wrong_shape_is_invalid_body_without_a_turn(reception: Department, body: Any) -> None:
    assert_error(post_chat(Client(), json.dumps(body)), 400, "invalid_body")
    assert not Turn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "question",
    [
        pytest.param("", id="empty"),
        pytest.param(" \u3000\n ", id="whitespace"),
        pytest.param("😀😀😀", id="emoji-only"),
        pytest.param("あ" * 501, id="501-chars"),
        pytest.param("ごみ\x07の日", id="control-char"),
    ],
)
def test_refused_question_is_400_invalid_question_with_one_rejected_turn(reception: Department, question: str) -> None:
    response = post_chat(Client(), {"question": question})

    body = assert_error_with_turn(response)
    turn = Turn.objects.get()
    assert body["turn_id"] == str(turn.pk)
    assert turn.outcome == Outcome.REJECTED
    assert turn.channel == Channel.API


def assert_error_with_turn(response: "TestResponse", lang: str = "ja") -> dict[str, Any]:
    """invalid_question: the envelope plus the turn it was logged as."""
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "turn_id"}
    assert body["error"]["code"] == "invalid_question"
    assert (KANA.search(body["error"]["message"]) is not None) == (lang == "ja"), body
    return body


@pytest.mark.django_db
def test_question_of_exactly_the_limit_is_accepted(town: dict[str, Faq]) -> None:
    response = post_chat(Client(), {"question": "あ" * 500})

    assert response.status_code == 200
    assert response.json()["outcome"] != Outcome.REJECTED


@pytest.mark.django_db
def test_unknown_lang_is_refused(reception: Department) -> None:
    body = assert_error_with_turn(post_chat(Client(), {"question": "住民票の写しが欲しい", "lang": "fr"}))

    assert Turn.objects.get().pk == uuid.UUID(body["turn_id"])


@pytest.mark.django_db
def test_refused_question_in_english_when_asked_in_english(reception: Department) -> None:
    assert_error_with_turn(post_chat(Client(), {"question": "", "lang": "en"}), lang="en")


@pytest.mark.django_db
def test_one_megabyte_body_is_413_and_writes_no_turn(reception: Department) -> None:
    body = json.dumps({"question": "a" * 1_000_000})

    assert_error(post_chat(Client(), body), 413, "too_large")
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_body_just_over_the_configured_limit_is_413(reception: Department, settings: SettingsWrapper) -> None:
    settings.CHAT_MAX_BODY_BYTES = 100
    body = json.dumps({"question": "a" * 90})
    assert len(body.encode()) > 100

    assert_error(post_chat(Client(), body), 413, "too_large")
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_disallowed_origin_is_403_and_writes_no_turn(reception: Department) -> None:
    response = post_chat(Client(), {"question": "住民票の写しを取りたい"}, HTTP_ORIGIN="https://evil.example.com")

    assert_error(response, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_the_sites_own_origin_is_allowed(town: dict[str, Faq]) -> None:
    response = post_chat(Client(), {"question": "住民票の写しを取りたい"}, HTTP_ORIGIN="http://testserver")

    assert response.status_code == 200


def allow_site(settings: SettingsWrapper) -> None:
    # Both lists are the same environment variable at start-up; an override has to set both.
    settings.CHAT_ALLOWED_ORIGINS = [ALLOWED_SITE]
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED_SITE]


@pytest.mark.django_db
def test_allowed_embedding_site_gets_an_answer_with_cors_header(
    town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    allow_site(settings)

    response = post_chat(Client(), {"question": "住民票の写しを取りたい"}, HTTP_ORIGIN=ALLOWED_SITE)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED_SITE
    assert "Access-Control-Allow-Credentials" not in response
    assert Turn.objects.count() == 1


@pytest.mark.django_db
def test_cors_preflight_from_allowed_site_allows_the_idempotency_key_header(settings: SettingsWrapper) -> None:
    allow_site(settings)

    response = Client().options(
        CHAT,
        HTTP_ORIGIN=ALLOWED_SITE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, idempotency-key",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED_SITE
    allowed_headers = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"idempotency-key", "content-type"} <= allowed_headers
    assert "POST" in response["Access-Control-Allow-Methods"]


@pytest.mark.django_db
def test_cors_preflight_from_another_site_is_not_allowed(settings: SettingsWrapper) -> None:
    allow_site(settings)

    response = Client().options(CHAT, HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
def test_get_is_method_not_allowed_in_json(reception: Department) -> None:
    assert_error(Client().get(CHAT), 405, "method_not_allowed")


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_any_accept_header_gets_the_json_answer(town: dict[str, Faq], accept: str) -> None:
    response = post_chat(Client(), {"question": "住民票の写しを取りたい"}, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_contract(response.json())


@pytest.mark.django_db
def test_format_query_parameter_does_not_change_the_answer(town: dict[str, Faq]) -> None:
    response = Client().post(
        f"{CHAT}?format=xml",
        data=json.dumps({"question": "住民票の写しを取りたい"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )

    assert response.status_code == 200
    assert_contract(response.json())


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404() -> None:
    response = Client().post("/api/v1/chat/", data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "extra", "lang"),
    [
        pytest.param({"question": "x", "nope": 1, "lang": "en"}, {}, "en", id="body-lang-en"),
        pytest.param({"question": "x", "nope": 1}, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "en", id="browser-en"),
        pytest.param(
            {"question": "x", "nope": 1, "lang": "ja"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, "ja", id="body-beats-browser"
        ),
        pytest.param({"question": "x", "nope": 1}, {"HTTP_ACCEPT_LANGUAGE": "ja,en;q=0.5"}, "ja", id="browser-ja"),
        pytest.param({"question": "x", "nope": 1}, {}, "ja", id="default-ja"),
    ],
)
def test_errors_speak_the_residents_language(
    reception: Department, body: dict[str, Any], extra: dict[str, str], lang: str
) -> None:
    assert_error(post_chat(Client(), body, **extra), 400, "unknown_field", lang=lang)


@pytest.mark.django_db
def test_errors_before_the_body_is_read_follow_the_browser_language(reception: Department) -> None:
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert_error(post_chat(Client(), "{", **english), 400, "invalid_json", lang="en")
    assert_error(post_chat(Client(), "x", content_type="text/plain", **english), 415, "unsupported_media_type", "en")
    assert_error(post_chat(Client(), {"question": "x"}, key=None, **english), 400, "idempotency_key", lang="en")
    assert_error(
        post_chat(Client(), {"question": "x"}, HTTP_ORIGIN="https://evil.example", **english),
        403,
        "origin_not_allowed",
        lang="en",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        '{"question": "\\ud800"}',
        '{"question": "住民票\\u0000"}',
        '{"question": "住民票", "lang": null}',
        '{"question": "住民票", "session_id": null}',
        '{"question": "' + "\\u3042" * 2000 + '"}',
        "1e999999",
        '"\\udfff"',
        "{}" * 3,
        "\ufeff{}",
        "",
        "null",
        '{"question": "a"}' + " " * 20_000,
    ],
)
def test_hostile_json_never_gets_a_server_error(town: dict[str, Faq], raw: str) -> None:
    response = post_chat(Client(), raw.encode("utf-8", "surrogatepass"))

    assert response.status_code in {200, *ERROR_STATUSES}
    assert response["Content-Type"].startswith("application/json")
    assert Turn.objects.count() <= 1


# 4. rate limit -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rate_limit_per_client_per_minute(town: dict[str, Faq], settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 3
    client = Client()
    question = {"question": "住民票の写しを取りたい"}

    with time_machine.travel(datetime.datetime(2025, 4, 1, 10, 0, 15, tzinfo=JST), tick=False) as traveller:
        for _ in range(3):
            assert post_chat(client, question, key=new_key()).status_code == 200

        limited = post_chat(client, question, key=new_key())

        assert_error(limited, 429, "rate_limited")
        assert limited["Retry-After"] == "45"
        assert Turn.objects.count() == 3

        # Another client is not affected, and a forged proxy header does not make a new client.
        assert post_chat(client, question, key=new_key(), REMOTE_ADDR="192.0.2.7").status_code == 200
        spoofed = post_chat(client, question, key=new_key(), HTTP_X_FORWARDED_FOR="198.51.100.9")
        assert spoofed.status_code == 429

        traveller.move_to(datetime.datetime(2025, 4, 1, 10, 1, 0, tzinfo=JST))
        assert post_chat(client, question, key=new_key()).status_code == 200

    assert Turn.objects.count() == 5


@pytest.mark.django_db
def test_rate_limited_retry_after_is_a_number_of_seconds_within_the_minute(
    reception: Department, settings: SettingsWrapper
) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 1
    client = Client()
    post_chat(client, {"question": ""}, key=new_key())

    response = post_chat(client, {"question": ""}, key=new_key(), HTTP_ACCEPT_LANGUAGE="en")

    assert_error(response, 429, "rate_limited", lang="en")
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_rate_limit_behind_a_trusted_proxy_counts_the_forwarded_client(
    town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 1
    settings.RATE_LIMIT_TRUST_PROXY = True
    client = Client()
    question = {"question": "住民票の写しを取りたい"}

    with time_machine.travel(datetime.datetime(2025, 4, 1, 10, 0, 1, tzinfo=JST), tick=False):
        assert post_chat(client, question, key=new_key(), HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 200
        assert post_chat(client, question, key=new_key(), HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200
        limited = post_chat(client, question, key=new_key(), HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.1")
        assert limited.status_code == 429


# 5. feedback ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def api_turn(indexed_town: dict[str, Faq]) -> Turn:
    response = post_chat(Client(), {"question": "犬を飼い始めたときの登録をしたい"}, key=new_key())
    assert response.status_code == 200
    return Turn.objects.get(pk=response.json()["turn_id"])


@pytest.mark.django_db
def test_feedback_is_stored_with_the_comment_redacted(api_turn: Turn) -> None:
    response = post_feedback(
        Client(),
        {"turn_id": str(api_turn.pk), "helpful": True, "comment": "助かりました。折り返しは090-1234-5678まで"},
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True, "turn_id": str(api_turn.pk)}
    feedback = Feedback.objects.get()
    assert feedback.turn == api_turn
    assert feedback.helpful is True
    assert "1234" not in feedback.comment
    assert "5678" not in feedback.comment
    assert feedback.comment.startswith("助かりました。")


@pytest.mark.django_db
def test_second_feedback_replaces_the_first(api_turn: Turn) -> None:
    client = Client()
    post_feedback(client, {"turn_id": str(api_turn.pk), "helpful": True, "comment": "よかった"})

    response = post_feedback(client, {"turn_id": str(api_turn.pk), "helpful": False})

    assert response.status_code == 200
    feedback = Feedback.objects.get()
    assert feedback.helpful is False
    assert feedback.comment == ""


@pytest.mark.django_db
def test_feedback_on_a_widget_turn_is_accepted(indexed_town: dict[str, Faq]) -> None:
    turn_id = post_chat(Client(), {"question": "印鑑登録をしたい"}, HTTP_X_CHAT_CLIENT="widget").json()["turn_id"]

    assert post_feedback(Client(), {"turn_id": turn_id, "helpful": True}).status_code == 200
    assert Feedback.objects.get().turn_id == uuid.UUID(turn_id)


@pytest.mark.django_db
def test_feedback_for_an_unknown_turn_is_refused(reception: Department) -> None:
    assert_error(post_feedback(Client(), {"turn_id": str(uuid.uuid4()), "helpful": True}), 400, "unknown_turn")
    assert not Feedback.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.CLI, Channel.EVAL])
def test_feedback_for_a_staff_channel_turn_is_an_unknown_turn(reception: Department, channel: str) -> None:
    turn_id = turn_ask(question="住民票の写しを取りたい", channel=channel)["turn_id"]

    assert_error(post_feedback(Client(), {"turn_id": turn_id, "helpful": False}), 400, "unknown_turn")
    assert not Feedback.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"turn_id": "not-a-uuid", "helpful": True}, "invalid_body", id="bad-uuid"),
        pytest.param({"turn_id": 12, "helpful": True}, "unknown_turn", id="number-uuid"),
        pytest.param({"helpful": True}, "invalid_body", id="no-turn"),
        pytest.param({"turn_id": "TURN", "helpful": "maybe"}, "invalid_body", id="bad-helpful"),
        pytest.param({"turn_id": "TURN", "helpful": True, "comment": "あ" * 1001}, "invalid_body", id="long-comment"),
        pytest.param({"turn_id": "TURN", "helpful": True, "rating": 5}, "unknown_field", id="unknown-field"),
    ],
)
def test_bad_feedback_is_refused_and_stores_nothing(api_turn: Turn, body: dict[str, Any], code: str) -> None:
    if body.get("turn_id") == "TURN":
        body["turn_id"] = str(api_turn.pk)

    assert_error(post_feedback(Client(), body), 400, code)
    assert not Feedback.objects.exists()


# 6. faults -----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_locked_database_is_503_with_retry_after_and_the_towns_phone(
    reception: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(**kwargs: Any) -> dict[str, Any]:
        raise OperationalError("database is locked")

    monkeypatch.setattr("chatbot.api.views.turn_ask", locked)

    response = post_chat(Client(), {"question": "住民票の写しを取りたい"})

    body = assert_error(response, 503, "unavailable")
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert reception.phone in body["error"]["message"]
    assert "locked" not in body["error"]["message"]


@pytest.mark.django_db
def test_unexpected_error_is_503_in_english_for_an_english_resident(
    reception: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("chatbot.api.views.turn_ask", broken)

    response = post_chat(Client(), {"question": "Can I get a copy of my residence record?", "lang": "en"})

    body = assert_error(response, 503, "unavailable", lang="en")
    message = body["error"]["message"]
    assert reception.phone in message
    assert reception.name_en in message
    assert "secret" not in message
    assert response["Retry-After"].isdigit()


# 7. schema -----------------------------------------------------------------------------------------------------------


def idempotency_header(operation: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"), None
    )


@pytest.mark.django_db
def test_openapi_schema_documents_chat_and_feedback() -> None:
    response = Client().get("/api/v1/schema")

    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert str(document["openapi"]).startswith("3.")
    assert {"/api/v1/chat", "/api/v1/feedback"} <= set(document["paths"])
    chat = document["paths"]["/api/v1/chat"]["post"]
    header = idempotency_header(chat)
    assert header is not None
    assert header["required"] is True
    assert {"200", "400", "409", "413", "415", "429", "503"} <= set(chat["responses"])
    assert "post" in document["paths"]["/api/v1/feedback"]


@pytest.mark.django_db
def test_openapi_schema_as_json() -> None:
    response = Client().get("/api/v1/schema", {"format": "json"})

    assert response.status_code == 200
    document = response.json()
    assert idempotency_header(document["paths"]["/api/v1/chat"]["post"]) is not None
    request_schema = document["components"]["schemas"]["ChatRequest"]
    assert "question" in request_schema["required"]


# a choice picked from "Did you mean" ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_chat_picked_choice_is_answered_with_that_faq_and_session_kept(indexed_town: dict[str, Faq]) -> None:
    """Re-gating the chosen FAQ's own wording could clarify again; the resident's pick is answered."""
    picked = indexed_town["R-002"]

    response = post_chat(
        Client(),
        {"question": picked.question, "faq_id": picked.pk, "session_id": "conversation-1"},
        key=new_key(),
    )

    body = response.json()
    assert response.status_code == 200
    assert body["outcome"] == Outcome.ANSWER
    assert body["answer"] == picked.answer
    assert body["sources"][0]["faq_id"] == picked.pk
    turn = Turn.objects.get(pk=body["turn_id"])
    assert turn.session_id == "conversation-1"
    assert turn.gate_features == {"chosen_by_resident": 1.0}
    # The answered FAQ's department is the turn's, as for any answer (the monthly figures per department).
    assert turn.department == picked.department


@pytest.mark.django_db
def test_chat_picked_choice_that_is_no_longer_public_is_gated_as_usual(indexed_town: dict[str, Faq]) -> None:
    withdrawn = indexed_town["R-002"]
    Faq.objects.filter(pk=withdrawn.pk).update(status="withdrawn")

    body = post_chat(Client(), {"question": withdrawn.question, "faq_id": withdrawn.pk}, key=new_key()).json()

    assert body["outcome"] != Outcome.ANSWER or body["sources"][0]["faq_id"] != withdrawn.pk
    assert "chosen_by_resident" not in Turn.objects.get(pk=body["turn_id"]).gate_features


@pytest.mark.django_db
@pytest.mark.parametrize("faq_id", ["12", 0, -1, 1.5, True], ids=["string", "zero", "negative", "float", "bool"])
def test_chat_malformed_faq_id_is_refused(town: dict[str, Faq], faq_id: Any) -> None:
    response = post_chat(Client(), {"question": "住民票", "faq_id": faq_id}, key=new_key())

    assert_error(response, 400, "invalid_body")
    assert Turn.objects.count() == 0

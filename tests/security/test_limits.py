"""Limits of the public chat API: the per-client rate limit, proxy headers, body and question size, media type,
and a burst of concurrent retries with one Idempotency-Key.

A request over any limit gets the JSON error envelope and writes no turn (a
question over the length limit is the exception: it is logged as one rejected
turn, with a message that names the limit).
"""

import datetime
import json
import os
import subprocess
import sys
import threading
import zoneinfo
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.models import Feedback, Outcome, Turn, TurnStatus
from tests.security.support_api import (  # noqa: F401  (fixtures re-exported for this directory)
    CHAT,
    FEEDBACK,
    builtin_gate,
    error_envelope_problem,
    indexed_town,
    new_key,
    post_chat,
    post_feedback,
    reception,
    town,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
QUESTION = {"question": "住民票の写しを取りたい"}
# 15 seconds into a minute: the fixed one-minute window has 45 seconds left.
IN_A_MINUTE = datetime.datetime(2025, 4, 1, 10, 0, 15, tzinfo=JST)


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> Iterator[None]:
    """Rate-limit counters live in the process-wide cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_minute() -> Iterator[None]:
    with time_machine.travel(IN_A_MINUTE, tick=False):
        yield


def assert_refused(response: "TestResponse", status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    problem = error_envelope_problem(response.status_code, response["Content-Type"], response.content)
    assert problem is None, problem
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code
    return body


def assert_rate_limited(response: "TestResponse") -> None:
    assert_refused(response, 429, "rate_limited")
    assert response["Retry-After"] == "45"


# ---------------------------------------------------------------------------------------------- (a) burst


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_burst_over_the_limit_gets_429_with_retry_after_and_writes_no_turn(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 5
    client = Client()
    keys = [new_key() for _ in range(12)]

    responses = [post_chat(client, QUESTION, key=key) for key in keys]

    assert [response.status_code for response in responses] == [200] * 5 + [429] * 7
    for response in responses[5:]:
        assert_rate_limited(response)
    assert Turn.objects.count() == 5
    assert set(Turn.objects.values_list("idempotency_key", flat=True)) == {f"http:{key}" for key in keys[:5]}
    # A retry of an answered question is limited too: the limit is checked before anything else.
    assert_rate_limited(post_chat(client, QUESTION, key=keys[0]))
    # Every kind of request counts, refused ones too, and an error in any language keeps its Retry-After.
    english = post_chat(client, "{", key=new_key(), HTTP_ACCEPT_LANGUAGE="en")
    assert_rate_limited(english)
    assert english.json()["error"]["message"].isascii()
    assert Turn.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_rate_limit_window_ends_at_the_minute(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    client = Client()
    for _ in range(2):
        assert post_chat(client, QUESTION).status_code == 200
    assert_rate_limited(post_chat(client, QUESTION))

    with time_machine.travel(IN_A_MINUTE + datetime.timedelta(seconds=45), tick=False):
        assert post_chat(client, QUESTION).status_code == 200

    assert Turn.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("indexed_town", "frozen_minute")
def test_feedback_burst_over_the_limit_stores_only_the_allowed_ones(settings: SettingsWrapper) -> None:
    turn_id = post_chat(Client(), QUESTION).json()["turn_id"]
    cache.clear()
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 3
    client = Client()

    statuses = [
        post_feedback(client, {"turn_id": turn_id, "helpful": helpful}).status_code
        for helpful in (True, False, True, False, False)
    ]

    assert statuses == [200, 200, 200, 429, 429]
    assert_rate_limited(post_feedback(client, {"turn_id": turn_id, "helpful": False}))
    assert Feedback.objects.get().helpful is True  # the third one, the last allowed


# ---------------------------------------------------------------------------------------------- (b) proxies


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 3
    settings.RATE_LIMIT_TRUST_PROXY = False
    client = Client()
    for number in range(3):
        response = post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
        assert response.status_code == 200

    for number in range(10, 16):  # a new forged address each time does not make a new client
        forged = f"198.51.100.{number}, 203.0.113.{number}"
        assert_rate_limited(post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=forged))

    # Another connection is another client.
    assert post_chat(client, QUESTION, REMOTE_ADDR="192.0.2.44").status_code == 200
    assert Turn.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_behind_a_trusted_proxy_the_limit_follows_the_address_the_proxy_added(settings: SettingsWrapper) -> None:
    """The proxy appends the peer it saw; whatever the client put before that entry is not trusted."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    settings.RATE_LIMIT_TRUST_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    client = Client()
    resident = "203.0.113.7"

    for _ in range(2):
        assert post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=resident, **proxy).status_code == 200
    # The same resident through the proxy, with any forged entries of its own in front: still limited.
    for forged in ("198.51.100.1", "198.51.100.2, 198.51.100.3", "unknown", "203.0.113.8"):
        spoofed = post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=f"{forged}, {resident}", **proxy)
        assert_rate_limited(spoofed)
    # ...also when the proxy's own address changes (another proxy instance).
    assert_rate_limited(post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=resident, REMOTE_ADDR="10.0.0.3"))

    # Other residents behind the same proxy each have their own limit.
    for neighbour in ("203.0.113.8", "2001:db8::1"):
        assert post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=neighbour, **proxy).status_code == 200
    # A forged left-most entry naming a fresh address does not help the limited resident either.
    again = post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=f"192.0.2.99,{resident}", **proxy)
    assert_rate_limited(again)
    assert Turn.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_trusted_proxy_without_forwarded_for_limits_by_the_connection(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 1
    settings.RATE_LIMIT_TRUST_PROXY = True
    client = Client()

    assert post_chat(client, QUESTION, REMOTE_ADDR="192.0.2.10").status_code == 200
    assert_rate_limited(post_chat(client, QUESTION, REMOTE_ADDR="192.0.2.10"))
    assert post_chat(client, QUESTION, REMOTE_ADDR="192.0.2.11").status_code == 200


# ---------------------------------------------------------------------------------------------- (c) sizes, types


@pytest.mark.django_db
@pytest.mark.usefixtures("town")
@pytest.mark.parametrize("path", [CHAT, FEEDBACK])
def test_body_over_the_byte_limit_is_413_json_and_writes_nothing(settings: SettingsWrapper, path: str) -> None:
    settings.CHAT_MAX_BODY_BYTES = 1000
    padding = "x" * (1000 - len(json.dumps({"question": ""})))
    at_limit = json.dumps({"question": padding}).encode()
    over = json.dumps({"question": padding + "x"}).encode()
    assert (len(at_limit), len(over)) == (1000, 1001)

    response = Client().post(path, over, content_type="application/json", HTTP_IDEMPOTENCY_KEY=new_key())

    assert_refused(response, 413, "too_large")
    assert not Turn.objects.exists()
    assert not Feedback.objects.exists()
    if path == CHAT:  # exactly at the limit is read (and then refused for its question's length)
        within = Client().post(path, at_limit, content_type="application/json", HTTP_IDEMPOTENCY_KEY=new_key())
        assert within.status_code == 400
        assert within.json()["error"]["code"] == "invalid_question"


@pytest.mark.django_db
@pytest.mark.usefixtures("town")
@pytest.mark.parametrize(
    ("declared", "status"),
    [
        pytest.param("10", 400, id="claims-fewer-bytes"),
        pytest.param("abc", 400, id="not-a-number"),
        pytest.param("-1", 400, id="negative"),
        pytest.param("999999999999", 413, id="claims-huge"),
    ],
)
def test_a_lying_content_length_never_reads_past_the_limit(declared: str, status: int) -> None:
    """The size check trusts Content-Length; the body is never read past it, so a lie cannot smuggle bytes in.

    Claiming fewer bytes (or none) leaves a truncated or empty body: a plain 400.
    """
    body = json.dumps({"question": "住民票" * 20_000}).encode()

    response = Client().generic(
        "POST",
        CHAT,
        body,
        content_type="application/json",
        CONTENT_LENGTH=declared,
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )

    assert response.status_code == status, response.content[:300]
    assert error_envelope_problem(response.status_code, response["Content-Type"], response.content) is None
    expected = {"too_large"} if status == 413 else {"invalid_json", "invalid_body"}
    assert response.json()["error"]["code"] in expected
    assert not Turn.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("town")
@pytest.mark.parametrize(("lang", "message"), [("ja", "質問は50文字以内"), ("en", "under 50 characters")])
def test_question_over_the_character_limit_is_one_rejected_turn_naming_the_limit(
    settings: SettingsWrapper, lang: str, message: str
) -> None:
    settings.CHAT_MAX_QUESTION_CHARS = 50
    client = Client()

    longest = post_chat(client, {"question": "住" * 50, "lang": lang})
    too_long = post_chat(client, {"question": "住" * 51, "lang": lang})

    assert longest.status_code == 200
    assert longest.json()["outcome"] != Outcome.REJECTED
    body = assert_refused(too_long, 400, "invalid_question")
    assert message in body["error"]["message"]
    rejected = Turn.objects.get(pk=body["turn_id"])
    assert rejected.outcome == Outcome.REJECTED
    assert rejected.status == TurnStatus.COMPLETED
    assert rejected.candidates == []  # refused before any retrieval
    assert Turn.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("town")
@pytest.mark.parametrize("path", [CHAT, FEEDBACK])
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/javascript",
        "",
    ],
)
def test_wrong_content_type_is_415_json_and_writes_nothing(path: str, content_type: str) -> None:
    body = json.dumps(QUESTION | {"turn_id": "00000000-0000-4000-8000-000000000000", "helpful": True})

    response = Client().post(path, body, content_type=content_type, HTTP_IDEMPOTENCY_KEY=new_key())

    assert_refused(response, 415, "unsupported_media_type")
    assert not Turn.objects.exists()


# ---------------------------------------------------------------------------------------------- (d) concurrency


def race(count: int, request: Callable[[int], "TestResponse"]) -> list[tuple[int, dict[str, Any]]]:
    """`count` threads send at once (a barrier); each thread closes its own database connection."""
    results: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)
    lock = threading.Lock()

    def run(number: int) -> None:
        try:
            start.wait()
            response = request(number)
            with lock:
                results.append((response.status_code, json.loads(response.content)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == count
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("town")
def test_twenty_concurrent_posts_with_one_key_write_one_turn(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    key = new_key()

    results = race(20, lambda _number: post_chat(Client(), QUESTION, key=key))

    assert {status for status, _body in results} == {200}
    assert all(body == results[0][1] for _status, body in results)
    turn = Turn.objects.get()
    assert str(turn.pk) == results[0][1]["turn_id"]
    assert turn.status == TurnStatus.COMPLETED
    assert turn.idempotency_key == f"http:{key}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("town")
def test_twenty_concurrent_posts_with_one_key_and_two_questions_write_one_turn(settings: SettingsWrapper) -> None:
    """Whichever question wins the key, the others with it replay it and the rest get 409: never a second row."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    key = new_key()
    questions = ["住民票の写しを取りたい", "粗大ごみの収集を申し込みたい"]

    results = race(20, lambda number: post_chat(Client(), {"question": questions[number % 2]}, key=key))

    turn = Turn.objects.get()
    winners = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status != 200]
    assert len(winners) == 10
    assert all(body == winners[0] for body in winners)
    assert winners[0]["turn_id"] == str(turn.pk)
    assert len(losers) == 10
    assert all(body["error"]["code"] == "idempotency_conflict" for body in losers)
    assert {status for status, _body in results} == {200, 409}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("town", "frozen_minute")
def test_concurrent_burst_over_the_rate_limit_lets_exactly_the_limit_through(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 5

    results = race(20, lambda _number: post_chat(Client(), QUESTION))

    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * 5 + [429] * 15
    assert Turn.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_behind_two_proxies_the_limit_follows_the_address_the_outer_proxy_saw(settings: SettingsWrapper) -> None:
    """A load balancer then nginx, each appending the peer it saw: `client-written..., resident, balancer`."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    settings.RATE_LIMIT_TRUST_PROXY = False
    settings.RATE_LIMIT_PROXY_COUNT = 2
    nginx = {"REMOTE_ADDR": "10.0.0.2"}
    client = Client()
    resident, balancer = "203.0.113.7", "10.0.1.5"

    for _ in range(2):
        assert post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=f"{resident}, {balancer}", **nginx).status_code == 200
    # Entries the resident forged in front, or another balancer instance: still the same resident.
    for forwarded in (f"198.51.100.1, {resident}, {balancer}", f"{resident}, 10.0.1.6", f"x, y, {resident}, 10.0.1.7"):
        assert_rate_limited(post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=forwarded, **nginx))
    # Other residents behind the same balancer each have their own limit: with one trusted proxy they
    # would all have shared the balancer's.
    for neighbour in ("203.0.113.8", "203.0.113.9", "2001:db8::1"):
        assert post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR=f"{neighbour}, {balancer}", **nginx).status_code == 200
    # A request that skipped the balancer has one entry, written by nginx: that peer is the client.
    assert post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR="198.51.100.50", **nginx).status_code == 200
    assert Turn.objects.count() == 6


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "frozen_minute")
def test_with_one_trusted_proxy_residents_behind_a_second_proxy_share_its_address(
    settings: SettingsWrapper,
) -> None:
    """What RATE_LIMIT_PROXY_COUNT is for: counted as one proxy, two residents behind a balancer are one client."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 1
    settings.RATE_LIMIT_TRUST_PROXY = True
    settings.RATE_LIMIT_PROXY_COUNT = 0
    client = Client()

    assert post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.1.5").status_code == 200
    assert_rate_limited(post_chat(client, QUESTION, HTTP_X_FORWARDED_FOR="203.0.113.8, 10.0.1.5"))


def test_a_negative_proxy_count_is_refused_at_start() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='chatbot.project.settings'; django.setup()",
        ],
        env={**os.environ, "RATE_LIMIT_PROXY_COUNT": "-1", "DJANGO_SETTINGS_MODULE": "chatbot.project.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "RATE_LIMIT_PROXY_COUNT must be 0 or more" in done.stderr

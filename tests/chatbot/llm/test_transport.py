"""Transport faults: each gives the FAQ's own text within the deadline, with the failure class that says why."""

import json
import socket
import time
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm.fake import Behaviour, FakeLlm, completion
from chatbot.models import Composer, FailureClass, Outcome, Turn
from chatbot.pipeline import turn_ask
from faq.models import Faq

QUESTION = "住民票の写しを取りたい"
GROUNDED = "住民票の写しは住民課の窓口で請求できます。"


def ask() -> tuple[dict[str, Any], Turn, float]:
    started = time.monotonic()
    response = turn_ask(question=QUESTION)
    elapsed = time.monotonic() - started
    return response, Turn.objects.get(pk=response["turn_id"]), elapsed


def assert_faq_text(response: dict[str, Any], turn: Turn, faq: Faq, failure_class: str) -> None:
    assert response["outcome"] == Outcome.ANSWER
    assert response["answer"] == faq.answer
    assert response["composer"] == Composer.EXTRACTIVE
    assert response["failure_class"] == failure_class
    assert (turn.failure_class, turn.composer, turn.answer) == (failure_class, Composer.EXTRACTIVE, faq.answer)
    assert response["contact"]["department"] == "住民課"


@pytest.mark.django_db
def test_slow_model_times_out_retries_once_and_stays_within_the_deadline(
    town: dict[str, Faq], llm: FakeLlm, settings: SettingsWrapper
) -> None:
    settings.LLM_TIMEOUT_SECONDS = 0.5
    settings.LLM_DEADLINE_SECONDS = 1.2
    llm.script(Behaviour(delay=3.0), Behaviour(delay=3.0))

    response, turn, elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_TIMEOUT)
    assert llm.calls == 2
    assert turn.llm["attempts"] == 2
    assert turn.llm["error"] == "timeout"
    assert elapsed < settings.LLM_DEADLINE_SECONDS + 0.5
    assert turn.latency_ms["llm"] < (settings.LLM_DEADLINE_SECONDS + 0.3) * 1000


@pytest.mark.django_db
def test_deadline_shorter_than_the_timeout_bounds_the_call(
    town: dict[str, Faq], llm: FakeLlm, settings: SettingsWrapper
) -> None:
    settings.LLM_TIMEOUT_SECONDS = 5.0
    settings.LLM_DEADLINE_SECONDS = 0.6
    llm.script(Behaviour(delay=3.0), Behaviour(delay=3.0))

    response, turn, elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_TIMEOUT)
    assert elapsed < settings.LLM_DEADLINE_SECONDS + 0.5
    # No time left for a second attempt.
    assert llm.calls == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retryable_http_error_is_retried_once_then_faq_text(town: dict[str, Faq], llm: FakeLlm, status: int) -> None:
    llm.script(Behaviour(status=status), Behaviour(status=status))

    response, turn, _elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_HTTP_ERROR)
    assert llm.calls == 2
    assert turn.llm["attempts"] == 2
    assert turn.llm["error"] == f"http {status}"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [429, 500, 503])
def test_one_retryable_error_then_a_good_reply_is_an_llm_answer(
    town: dict[str, Faq], llm: FakeLlm, status: int
) -> None:
    llm.script(Behaviour(status=status))

    response, turn, _elapsed = ask()

    assert response["composer"] == Composer.LLM
    assert response["answer"] == GROUNDED
    assert response["failure_class"] is None
    assert llm.calls == 2
    assert turn.llm["attempts"] == 2
    assert turn.failure_class == ""


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_error_is_not_retried(town: dict[str, Faq], llm: FakeLlm, status: int) -> None:
    llm.script(Behaviour(status=status), Behaviour(status=status))

    response, turn, _elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_HTTP_ERROR)
    assert llm.calls == 1
    assert turn.llm["attempts"] == 1
    assert turn.llm["error"] == f"http {status}"


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.django_db
def test_connection_refused_gives_faq_text(town: dict[str, Faq], llm: FakeLlm, settings: SettingsWrapper) -> None:
    settings.LLM_BASE_URL = f"http://127.0.0.1:{closed_port()}/v1"

    response, turn, elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_HTTP_ERROR)
    assert turn.llm["error"].startswith("connection")
    assert turn.llm["attempts"] == 2  # a connection error is worth one retry
    assert elapsed < settings.LLM_DEADLINE_SECONDS + 0.5
    assert llm.calls == 0


NULL_CONTENT = json.dumps(completion("x", "fake") | {"choices": [{"index": 0, "message": {"role": "assistant"}}]})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(raw=b"{not json"),
        Behaviour(raw=b"<html><body>Bad gateway</body></html>", content_type="text/html"),
        Behaviour(stream=True),
        Behaviour(raw=json.dumps(completion("x", "fake") | {"choices": []}).encode()),
        Behaviour(raw=NULL_CONTENT.encode()),
        Behaviour(raw=json.dumps(completion("x", "fake")).replace('"x"', "null").encode()),
        Behaviour(raw=json.dumps(completion("x", "fake")).replace('"x"', "42").encode()),
        Behaviour(text=""),
    ],
    ids=["garbled-json", "html-page", "event-stream", "no-choices", "no-content", "null-content", "number", "empty"],
)
def test_unreadable_or_empty_reply_is_invalid_output(town: dict[str, Faq], llm: FakeLlm, behaviour: Behaviour) -> None:
    llm.script(behaviour, behaviour)

    response, turn, _elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_INVALID_OUTPUT)
    assert llm.calls == 1  # not worth a retry
    assert turn.llm["error"]


@pytest.mark.django_db
def test_attempts_count_every_request_even_when_the_last_reply_is_unusable(town: dict[str, Faq], llm: FakeLlm) -> None:
    llm.script(Behaviour(status=429), Behaviour(raw=NULL_CONTENT.encode()))

    response, turn, _elapsed = ask()

    assert_faq_text(response, turn, town["R-003"], FailureClass.LLM_INVALID_OUTPUT)
    assert llm.calls == 2
    assert turn.llm["attempts"] == 2


@pytest.mark.django_db
def test_faults_never_raise_and_every_turn_is_completed(town: dict[str, Faq], llm: FakeLlm) -> None:
    llm.script(Behaviour(status=400), Behaviour(raw=b"\x00\xff"), Behaviour(status=404), Behaviour(text="NO_ANSWER"))

    responses = [ask()[0] for _ in range(4)]

    assert [r["outcome"] for r in responses] == [Outcome.ANSWER] * 4
    assert all(r["answer"] == town["R-003"].answer for r in responses)
    assert set(Turn.objects.values_list("status", flat=True)) == {"completed"}

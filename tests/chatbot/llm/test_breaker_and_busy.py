"""The circuit breaker (no request while open, one probe after the cool-down) and the concurrency cap."""

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm import client
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.models import Channel, Composer, FailureClass, Outcome, PromptVersion, Turn
from chatbot.pipeline import turn_ask
from faq.models import Faq

QUESTION = "住民票の写しを取りたい"
GROUNDED = "住民票の写しは住民課の窓口で請求できます。"


def readiness() -> dict[str, Any]:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/readyz")  # a monitor on this machine sees the components
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def wait_for_cooldown(seconds: float) -> None:
    time.sleep(seconds + 0.15)


@pytest.mark.django_db
def test_breaker_opens_after_consecutive_failures_sends_nothing_while_open_and_closes_after_a_good_probe(
    town: dict[str, Faq], llm: FakeLlm, prompt_v1: PromptVersion, settings: SettingsWrapper
) -> None:
    faq = town["R-003"]
    failures = settings.LLM_BREAKER_FAILURES
    assert failures == 3
    llm.script(*[Behaviour(status=400) for _ in range(failures)])

    failed = [turn_ask(question=QUESTION) for _ in range(failures)]

    assert [r["failure_class"] for r in failed] == [FailureClass.LLM_HTTP_ERROR] * failures
    assert llm.calls == failures
    assert client.breaker_state() == "open"
    body = readiness()
    assert body["components"]["llm"] == {
        "status": "degraded",
        "model": "fake",
        "prompt_version": prompt_v1.pk,
        "breaker": "open",
    }
    assert body["status"] == "degraded"

    # While open: the FAQ's own text at once, and not one request to the model.
    started = time.monotonic()
    while_open = [turn_ask(question=QUESTION) for _ in range(3)]

    assert time.monotonic() - started < 1.0
    for response in while_open:
        assert response["outcome"] == Outcome.ANSWER
        assert response["answer"] == faq.answer
        assert response["composer"] == Composer.EXTRACTIVE
        assert response["failure_class"] == FailureClass.LLM_CIRCUIT_OPEN
        assert Turn.objects.get(pk=response["turn_id"]).failure_class == FailureClass.LLM_CIRCUIT_OPEN
    assert llm.calls == failures

    # After the cool-down one probe goes out; it fails, so the breaker opens again.
    wait_for_cooldown(settings.LLM_BREAKER_COOLDOWN_SECONDS)
    assert client.breaker_state() == "half_open"
    llm.script(Behaviour(status=400))

    probe = turn_ask(question=QUESTION)

    assert probe["answer"] == faq.answer
    assert probe["failure_class"] == FailureClass.LLM_HTTP_ERROR
    assert llm.calls == failures + 1
    reopened = turn_ask(question=QUESTION)
    assert reopened["failure_class"] == FailureClass.LLM_CIRCUIT_OPEN
    assert llm.calls == failures + 1
    assert readiness()["components"]["llm"]["breaker"] == "open"

    # After the next cool-down a good probe closes it: LLM answers again.
    wait_for_cooldown(settings.LLM_BREAKER_COOLDOWN_SECONDS)

    recovered = [turn_ask(question=QUESTION) for _ in range(2)]

    assert [r["composer"] for r in recovered] == [Composer.LLM, Composer.LLM]
    assert [r["answer"] for r in recovered] == [GROUNDED, GROUNDED]
    assert [r["failure_class"] for r in recovered] == [None, None]
    assert llm.calls == failures + 3
    assert client.breaker_state() == "closed"
    assert readiness()["components"]["llm"] == {
        "status": "ok",
        "model": "fake",
        "prompt_version": prompt_v1.pk,
        "breaker": "closed",
    }


@pytest.mark.django_db
def test_a_success_resets_the_count_of_consecutive_failures(town: dict[str, Faq], llm: FakeLlm) -> None:
    llm.script(Behaviour(status=400), Behaviour(status=400), Behaviour(), Behaviour(status=400), Behaviour(status=400))

    responses = [turn_ask(question=QUESTION) for _ in range(6)]

    assert [r["composer"] for r in responses] == [
        Composer.EXTRACTIVE,
        Composer.EXTRACTIVE,
        Composer.LLM,
        Composer.EXTRACTIVE,
        Composer.EXTRACTIVE,
        Composer.LLM,
    ]
    assert FailureClass.LLM_CIRCUIT_OPEN not in [r["failure_class"] for r in responses]
    assert llm.calls == 6


@pytest.mark.django_db
def test_timeouts_count_against_the_breaker(town: dict[str, Faq], llm: FakeLlm, settings: SettingsWrapper) -> None:
    settings.LLM_TIMEOUT_SECONDS = 0.3
    settings.LLM_DEADLINE_SECONDS = 0.4  # no time for a retry: one request per turn
    llm.script(*[Behaviour(delay=1.0) for _ in range(3)])

    timed_out = [turn_ask(question=QUESTION)["failure_class"] for _ in range(3)]
    after = turn_ask(question=QUESTION)

    assert timed_out == [FailureClass.LLM_TIMEOUT] * 3
    assert after["failure_class"] == FailureClass.LLM_CIRCUIT_OPEN
    assert llm.calls == 3


@pytest.mark.django_db(transaction=True)
def test_turn_over_the_concurrency_cap_gets_the_faq_text_at_once(
    town: dict[str, Faq], llm: FakeLlm, settings: SettingsWrapper
) -> None:
    faq = town["R-003"]
    settings.LLM_MAX_CONCURRENCY = 1
    settings.LLM_TIMEOUT_SECONDS = 4.0
    settings.LLM_DEADLINE_SECONDS = 5.0
    delay = 1.5
    turn_ask(question=QUESTION)  # warm up retrieval, so that both turns reach the composer together
    before = llm.calls
    llm.script(Behaviour(delay=delay))
    results: list[tuple[dict[str, Any], float]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def ask(key: str) -> None:
        try:
            start.wait()
            began = time.monotonic()
            response = turn_ask(question=QUESTION, channel=Channel.WEB, idempotency_key=key)
            results.append((response, time.monotonic() - began))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(f"web:busy-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2
    by_composer = {response["composer"]: (response, elapsed) for response, elapsed in results}
    assert set(by_composer) == {Composer.LLM, Composer.EXTRACTIVE}
    slow, slow_elapsed = by_composer[Composer.LLM]
    busy, busy_elapsed = by_composer[Composer.EXTRACTIVE]
    assert slow["answer"] == GROUNDED
    assert slow_elapsed >= delay
    assert busy["answer"] == faq.answer
    assert busy["failure_class"] == FailureClass.LLM_BUSY
    assert busy_elapsed < delay - 0.3  # did not wait for the slot
    assert Turn.objects.get(pk=busy["turn_id"]).failure_class == FailureClass.LLM_BUSY
    assert llm.calls == before + 1  # the busy turn sent nothing

    # The slot is free again afterwards.
    assert turn_ask(question=QUESTION)["composer"] == Composer.LLM

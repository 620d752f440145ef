"""GET /metrics with LLM replies on: the switch, the circuit breaker and the LLM's failures as residents met them."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm import client
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.models import Channel, Composer, FailureClass, LlmSwitch, PromptVersion
from chatbot.pipeline import turn_ask
from faq.models import Faq

QUESTION = "住民票の写しを取りたい"


def scrape() -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    response = Client().get("/metrics")
    assert response.status_code == 200
    return {
        family.name: {tuple(sorted(sample.labels.items())): sample.value for sample in family.samples}
        for family in text_string_to_metric_families(response.content.decode())
    }


def value(found: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str, **labels: str) -> float:
    return found[name][tuple(sorted(labels.items()))]


def llm_figures(channel: str) -> dict[str, float]:
    found = scrape()
    figures = {
        "enabled": value(found, "townfaq_llm_enabled"),
        "circuit_open": value(found, "townfaq_llm_circuit_open"),
        "replies": value(found, "townfaq_llm_replies_last_15m", channel=channel),
        "prompt": value(found, "townfaq_prompt_active_version"),
    }
    for failure in (FailureClass.LLM_HTTP_ERROR, FailureClass.LLM_CIRCUIT_OPEN):
        figures[failure] = value(found, "townfaq_turn_failures_last_15m", channel=channel, failure_class=failure)
    return figures


@pytest.mark.django_db
def test_llm_replies_failures_and_the_open_breaker_are_reported(
    town: dict[str, Faq],
    llm: FakeLlm,
    prompt_v1: PromptVersion,
    llm_switch: LlmSwitch,
    settings: SettingsWrapper,
) -> None:
    settings.METRICS_TOKEN = ""
    # Long enough that the breaker is still open when the metrics are read, however slow the machine.
    settings.LLM_BREAKER_COOLDOWN_SECONDS = 60.0
    assert llm_figures(Channel.WEB) == {
        "enabled": 1,
        "circuit_open": 0,
        "replies": 0,
        "prompt": prompt_v1.pk,
        FailureClass.LLM_HTTP_ERROR: 0,
        FailureClass.LLM_CIRCUIT_OPEN: 0,
    }

    # One good reply, then as many failures as open the breaker, then one question while it is open.
    failures = settings.LLM_BREAKER_FAILURES
    llm.script(Behaviour(), *[Behaviour(status=400) for _ in range(failures)])
    responses = [turn_ask(question=QUESTION, channel=Channel.WEB) for _ in range(failures + 2)]

    assert [r["composer"] for r in responses] == [Composer.LLM] + [Composer.EXTRACTIVE] * (failures + 1)
    assert client.breaker_state() == "open"
    assert llm_figures(Channel.WEB) == {
        "enabled": 1,
        "circuit_open": 1,
        "replies": 1,
        "prompt": prompt_v1.pk,
        FailureClass.LLM_HTTP_ERROR: failures,
        FailureClass.LLM_CIRCUIT_OPEN: 1,
    }

    # Staff switch LLM replies off: off, and no breaker to speak of; the turns already logged still count.
    LlmSwitch.objects.filter(pk=llm_switch.pk).update(enabled=False)
    assert llm_figures(Channel.WEB) == {
        "enabled": 0,
        "circuit_open": 0,
        "replies": 1,
        "prompt": prompt_v1.pk,
        FailureClass.LLM_HTTP_ERROR: failures,
        FailureClass.LLM_CIRCUIT_OPEN: 1,
    }

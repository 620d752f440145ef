"""Without an LLM (nothing configured, or staff's switch off) every answer is the FAQ's own text."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm.composer import ExtractiveComposer, LlmComposer, composer
from chatbot.llm.fake import FakeLlm
from chatbot.models import Composer, LlmSwitch, Outcome, PromptVersion, Turn
from chatbot.pipeline import turn_ask
from faq.models import Faq

QUESTION = "住民票の写しを取りたい"


def llm_component() -> dict[str, Any]:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/readyz")  # a monitor on this machine sees the components
    assert response.status_code == 200
    component: dict[str, Any] = response.json()["components"]["llm"]
    return component


def assert_faq_text(response: dict[str, Any], faq: Faq) -> Turn:
    assert response["outcome"] == Outcome.ANSWER
    assert response["answer"] == faq.answer
    assert response["composer"] == Composer.EXTRACTIVE
    assert response["failure_class"] is None
    assert response["sources"][0]["external_id"] == faq.external_id
    turn = Turn.objects.get(pk=response["turn_id"])
    assert turn.composer == Composer.EXTRACTIVE
    assert turn.answer == faq.answer
    assert turn.failure_class == ""
    assert turn.llm == {}
    return turn


@pytest.mark.django_db
def test_with_nothing_configured_the_faqs_own_text_is_the_answer(
    indexed_town: dict[str, Faq], fake: FakeLlm, prompt_v1: PromptVersion
) -> None:
    # The shipped default: no LLM endpoint, the extractive composer.
    assert settings.LLM_BASE_URL == ""
    assert settings.LLM_MODEL == ""
    assert settings.ANSWER_COMPOSER == "chatbot.llm.composer.ExtractiveComposer"
    assert isinstance(composer(), ExtractiveComposer)

    response = turn_ask(question=QUESTION)

    turn = assert_faq_text(response, indexed_town["R-003"])
    assert turn.prompt_version is None
    assert "llm" not in turn.latency_ms
    assert fake.calls == 0
    assert llm_component()["status"] == "disabled"


@pytest.mark.django_db
def test_llm_composer_without_an_endpoint_still_gives_the_faqs_own_text(
    town: dict[str, Faq], fake: FakeLlm, prompt_v1: PromptVersion, settings: SettingsWrapper
) -> None:
    settings.ANSWER_COMPOSER = "chatbot.llm.composer.LlmComposer"
    settings.LLM_MODEL = "fake"  # a model but no base URL: not configured
    assert isinstance(composer(), LlmComposer)

    response = turn_ask(question=QUESTION)

    assert_faq_text(response, town["R-003"])
    assert fake.calls == 0
    component = llm_component()
    assert component["status"] == "disabled"
    assert "LLM_BASE_URL" in component["detail"]


@pytest.mark.django_db
def test_staff_switch_off_gives_faq_text_without_any_request_and_on_again_takes_effect_at_once(
    indexed_town: dict[str, Faq], llm: FakeLlm, llm_switch: LlmSwitch, prompt_v1: PromptVersion
) -> None:
    faq = indexed_town["R-003"]
    LlmSwitch.objects.filter(pk=1).update(enabled=False)

    off = turn_ask(question=QUESTION)

    assert_faq_text(off, faq)
    assert llm.calls == 0
    component = llm_component()
    assert component["status"] == "disabled"
    assert "switched off" in component["detail"]

    LlmSwitch.objects.filter(pk=1).update(enabled=True)  # no restart, no cache to clear

    on = turn_ask(question=QUESTION)

    assert on["composer"] == Composer.LLM
    assert on["answer"] == "住民票の写しは住民課の窓口で請求できます。"
    assert llm.calls == 1
    assert Turn.objects.get(pk=on["turn_id"]).prompt_version == prompt_v1
    component = llm_component()
    assert component == {"status": "ok", "model": "fake", "prompt_version": prompt_v1.pk, "breaker": "closed"}

    LlmSwitch.objects.filter(pk=1).update(enabled=False)

    assert_faq_text(turn_ask(question=QUESTION), faq)
    assert llm.calls == 1


@pytest.mark.django_db
def test_missing_switch_row_means_on(town: dict[str, Faq], llm: FakeLlm) -> None:
    LlmSwitch.objects.all().delete()

    response = turn_ask(question=QUESTION)

    assert response["composer"] == Composer.LLM
    assert llm.calls == 1

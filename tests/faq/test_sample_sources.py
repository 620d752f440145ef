"""The sample town claims no source pages of its own: an answer from a sample FAQ cites the FAQ's page on this
site, which opens; an FAQ staff gave a real source page cites that page."""

import json
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.models import Outcome
from chatbot.pipeline import turn_ask
from faq.models import Faq
from faq.sample import sample_town_load
from faq.services import faq_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample_town(isolated_index: Path) -> None:
    cache.clear()  # rate-limit counters live in the process-wide cache
    sample_town_load()


def ask_api(faq: Faq, client: Client) -> dict[str, object]:
    """The chat API's answer when a resident picks this FAQ from the choices offered."""
    response = client.post(
        "/api/v1/chat",
        data=json.dumps({"question": faq.question, "faq_id": faq.pk}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"test-{uuid.uuid4().hex}",
    )
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["outcome"] == Outcome.ANSWER
    [source] = body["sources"]
    assert source["faq_id"] == faq.pk
    return source


def test_sample_faqs_claim_no_source_page(sample_town: None) -> None:
    assert Faq.objects.count() == 165
    assert list(Faq.objects.exclude(source_url="").values_list("external_id", "source_url")) == []


def test_chat_answer_from_a_sample_faq_cites_the_faqs_own_page_which_opens(sample_town: None) -> None:
    faq = Faq.objects.get(external_id="B-007")
    client = Client()

    source = ask_api(faq, client)

    assert source["source_url"] == f"http://testserver/faq/{faq.pk}/"
    page = client.get(f"http://testserver/faq/{faq.pk}/")
    assert page.status_code == 200
    assert faq.question in page.content.decode()


def test_chat_answer_cites_the_address_the_api_was_asked_on(sample_town: None, settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = ["faq.town.example.jp"]
    faq = Faq.objects.get(external_id="A-001")

    source = ask_api(faq, Client(HTTP_HOST="faq.town.example.jp"))

    assert source["source_url"] == f"http://faq.town.example.jp/faq/{faq.pk}/"


def test_command_line_answer_cites_the_faqs_page_on_site_url(sample_town: None, settings: SettingsWrapper) -> None:
    settings.SITE_URL = "http://127.0.0.1:8123/"
    faq = Faq.objects.get(external_id="C-001")

    response = turn_ask(question=faq.question, chosen_faq=faq.pk)

    assert response["outcome"] == Outcome.ANSWER
    assert response["sources"][0]["source_url"] == f"http://127.0.0.1:8123/faq/{faq.pk}/"


def test_faq_with_a_real_source_page_cites_that_page(sample_town: None) -> None:
    faq = Faq.objects.get(external_id="B-007")
    faq.source_url = "https://www.town.example.lg.jp/kurashi/gomi/sodai.html"
    faq_save(faq=faq, reason="出典ページを設定")

    source = ask_api(faq, Client())

    assert source["source_url"] == "https://www.town.example.lg.jp/kurashi/gomi/sodai.html"

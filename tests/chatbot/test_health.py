"""Liveness and readiness for monitors (CONTRACTS section 4), and the Content-Security-Policy on every page."""

import datetime
import shutil
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from faq.models import Faq
from faq.retrieval import vectorstore
from faq.retrieval.snapshot import forget_loaded_index
from tests.factories import FaqFactory

ENCODERS = {path.rsplit(".", 1)[-1] for path in settings.RETRIEVAL_ENCODERS}


def ready() -> dict[str, Any]:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/readyz")  # a monitor on this machine sees the components
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def schedules_on_time() -> None:
    """The task cluster is keeping its schedules (the migrations' schedules may be overdue in a long test run)."""
    Schedule.objects.update(next_run=timezone.now() + datetime.timedelta(minutes=1))


def test_healthz_is_ok_without_touching_anything() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_get_only() -> None:
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_with_a_built_index_reports_every_component_ok(indexed_town: dict[str, Faq]) -> None:
    schedules_on_time()

    body = ready()

    components = body["components"]
    assert body["status"] == "ok"
    assert set(components) == {"database", "lexical_index", "vector_index", "encoder", "llm", "task_cluster"}
    assert components["database"]["status"] == "ok"
    assert components["lexical_index"]["status"] == "ok"
    assert components["lexical_index"]["documents"] == len(indexed_town)
    assert components["vector_index"]["status"] == "ok"
    vectors = components["vector_index"]["vectors"]
    assert len(vectors) == len(ENCODERS)
    # Every FAQ has at least its question embedded by each encoder.
    assert all(count >= len(indexed_town) for count in vectors.values()), vectors
    assert components["encoder"] == {
        "status": "ok",
        "encoders": [p.rsplit(".", 1)[-1] for p in settings.RETRIEVAL_ENCODERS],
    }
    assert components["llm"]["status"] == "disabled"
    assert "LLM_BASE_URL" in components["llm"]["detail"]
    assert components["task_cluster"] == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_without_any_index_is_degraded_but_still_ready(town: dict[str, Faq]) -> None:
    schedules_on_time()

    body = ready()

    assert body["status"] == "degraded"
    components = body["components"]
    assert components["database"]["status"] == "ok"
    assert components["lexical_index"]["status"] == "degraded"
    assert "rebuild_index" in components["lexical_index"]["detail"]
    assert components["vector_index"]["status"] == "degraded"


@pytest.mark.django_db
@pytest.mark.embedded_only
def test_readyz_with_the_vector_store_deleted_is_degraded_and_creates_nothing(indexed_town: dict[str, Faq]) -> None:
    schedules_on_time()
    path = settings.CHROMA_PATH
    shutil.rmtree(path)
    vectorstore.forget_client(path)
    forget_loaded_index()

    body = ready()

    assert body["status"] == "degraded"
    components = body["components"]
    assert components["lexical_index"]["status"] == "ok"
    assert components["vector_index"]["status"] == "degraded"
    assert "vector store" in components["vector_index"]["detail"]
    # Checking readiness never creates an empty collection in place of the lost one.
    assert vectorstore.client().list_collections() == []


@pytest.mark.django_db
def test_readyz_reports_a_stopped_task_cluster_without_failing(town: dict[str, Faq]) -> None:
    schedules_on_time()
    overdue = Schedule.objects.order_by("pk").first()
    assert overdue is not None, "the migrations schedule the reaper and publication"
    Schedule.objects.filter(pk=overdue.pk).update(next_run=timezone.now() - datetime.timedelta(minutes=10))

    body = ready()

    assert body["status"] == "degraded"
    cluster = body["components"]["task_cluster"]
    assert cluster["status"] == "stopped"
    assert overdue.name in cluster["detail"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> None:
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(connection, "cursor", down)

    response = Client(REMOTE_ADDR="127.0.0.1").get("/readyz")  # a monitor on this machine sees the components

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["components"]["database"] == {"status": "error", "detail": "OperationalError"}


# Content-Security-Policy -------------------------------------------------------------------------------------------


def assert_strict_csp(response: Any) -> None:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = {
        name: values
        for name, _sep, values in (
            directive.strip().partition(" ") for directive in response["Content-Security-Policy"].split(";")
        )
    }
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_home_page_has_a_strict_content_security_policy() -> None:
    assert_strict_csp(Client().get("/"))


@pytest.mark.django_db
def test_faq_page_has_a_strict_content_security_policy() -> None:
    faq = FaqFactory.create()

    assert_strict_csp(Client().get(f"/faq/{faq.pk}/"))


@pytest.mark.django_db
def test_admin_login_has_a_strict_content_security_policy() -> None:
    assert_strict_csp(Client().get("/admin/login/"))

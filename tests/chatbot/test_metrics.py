"""GET /metrics: every figure for Prometheus, read from the database at scrape time, and who may read them."""

import datetime
import importlib.metadata
import json
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.gate import DEFAULT_THRESHOLDS
from chatbot.models import (
    Channel,
    Composer,
    EvaluationRun,
    FailureClass,
    GateConfig,
    Monitor,
    Outcome,
    PromptVersion,
    RunStatus,
    RunTrigger,
    Turn,
    TurnStatus,
)
from chatbot.quality import exposition, metrics
from chatbot.services import gate_config_create, prompt_version_activate
from faq.models import Faq, FaqStatus
from faq.retrieval.index import index_sync_faqs
from faq.services import faq_confirm_reviewed, faq_save, faq_set_status
from tests.factories import FaqFactory

NOW = datetime.datetime(2031, 5, 20, 1, 0, tzinfo=datetime.UTC)
TOKEN = "metrics-token-0123456789abcdef"
Samples = dict[tuple[tuple[str, str], ...], float]

CHANNELS = ("web", "api", "cli", "eval")
OUTCOMES = ("answer", "clarify", "handoff", "rejected")
FAILURES = (
    "invalid_input",
    "no_candidates",
    "low_confidence",
    "close_candidates",
    "out_of_date",
    "vector_store_unavailable",
    "retrieval_error",
    "internal_error",
    "llm_timeout",
    "llm_http_error",
    "llm_invalid_output",
    "llm_circuit_open",
    "llm_busy",
)


@pytest.fixture(autouse=True)
def no_rate_limit(settings: SettingsWrapper) -> None:
    """Feedback goes through the public API; its per-minute limit is not what these tests are about."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    settings.METRICS_TOKEN = ""


def scrape(client: Client | None = None, **extra: Any) -> dict[str, Samples]:
    """The metrics as Prometheus reads them: family name -> {sorted label pairs: value}."""
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    families: dict[str, Samples] = {}
    for family in text_string_to_metric_families(response.content.decode("utf-8")):
        assert family.name.startswith("townfaq_"), family.name
        assert family.documentation, f"{family.name} has no HELP text"
        assert family.name not in families, f"{family.name} twice"
        families[family.name] = {tuple(sorted(sample.labels.items())): sample.value for sample in family.samples}
    return families


def one(families: dict[str, Samples], name: str) -> float:
    """The value of a family with a single unlabelled sample."""
    assert list(families[name]) == [()], families[name]
    return families[name][()]


def by(families: dict[str, Samples], name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """A labelled family as {label values in the order given: value}."""
    result = {}
    for key, value in families[name].items():
        pairs = dict(key)
        assert set(pairs) == set(labels), (name, pairs)
        result[tuple(pairs[label] for label in labels)] = value
    return result


def grid(non_zero: dict[tuple[str, ...], float], *axes: tuple[str, ...]) -> dict[tuple[str, ...], float]:
    """Every combination of the axes, zero unless given."""
    keys: list[tuple[str, ...]] = [()]
    for axis in axes:
        keys = [(*key, value) for key in keys for value in axis]
    assert set(non_zero) <= set(keys)
    return {key: non_zero.get(key, 0.0) for key in keys}


def turn(
    moment: datetime.datetime,
    channel: str,
    outcome: str = "",
    failure: str = "",
    total_ms: float | None = None,
    *,
    status: str = TurnStatus.COMPLETED,
    composer: str = "",
) -> Turn:
    """One logged turn asked at `moment`, as the pipeline leaves it (exact latencies instead of measured ones)."""
    with time_machine.travel(moment, tick=False):
        return Turn.objects.create(
            idempotency_key=f"{channel}:metrics-{uuid.uuid4()}",
            channel=channel,
            status=status,
            question="粗大ごみを出したい",
            lang="ja",
            outcome=outcome,
            failure_class=failure,
            composer=composer,
            total_ms=total_ms,
            completed_at=moment if status == TurnStatus.COMPLETED else None,
        )


def give_feedback(client: Client, target: Turn, helpful: bool) -> None:
    response = client.post(
        "/api/v1/feedback",
        data=json.dumps({"turn_id": str(target.pk), "helpful": helpful}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def minutes(count: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=count)


# The figures -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_turn_and_feedback_figures_count_exactly_the_turns_of_their_windows() -> None:
    client = Client()
    # The last 15 minutes (the first at exactly 15 minutes counts).
    web_answers = [
        turn(NOW - minutes(1), Channel.WEB, Outcome.ANSWER, total_ms=100),
        turn(NOW - minutes(2), Channel.WEB, Outcome.ANSWER, total_ms=200, composer=Composer.LLM),
        turn(NOW - minutes(3), Channel.WEB, Outcome.ANSWER, total_ms=300),
    ]
    turn(NOW - minutes(4), Channel.API, Outcome.ANSWER, FailureClass.LLM_TIMEOUT, 400, composer=Composer.EXTRACTIVE)
    turn(NOW - minutes(5), Channel.WEB, Outcome.CLARIFY, FailureClass.CLOSE_CANDIDATES, 500)
    api_handoff = turn(NOW - minutes(6), Channel.API, Outcome.HANDOFF, FailureClass.LOW_CONFIDENCE, 600)
    turn(NOW - minutes(7), Channel.API, Outcome.HANDOFF, FailureClass.NO_CANDIDATES, 700)
    turn(NOW - minutes(8), Channel.WEB, Outcome.REJECTED, FailureClass.INVALID_INPUT, 5)
    turn(NOW - minutes(15), Channel.WEB, Outcome.HANDOFF, FailureClass.LOW_CONFIDENCE, 800)
    # Not residents: counted by channel, left out of the answer rate and the latency.
    turn(NOW - minutes(9), Channel.CLI, Outcome.ANSWER, total_ms=9000)
    turn(NOW - minutes(10), Channel.EVAL, Outcome.HANDOFF, FailureClass.LOW_CONFIDENCE, 8000)
    # Before the window.
    turn(NOW - minutes(15) - datetime.timedelta(seconds=1), Channel.WEB, Outcome.ANSWER, total_ms=10_000)
    yesterday = turn(NOW - datetime.timedelta(hours=20), Channel.WEB, Outcome.ANSWER, total_ms=120)
    # Pending: one being answered now, one stuck for 3 hours (the reaper is not running), one outside the 24 hours.
    turn(NOW - datetime.timedelta(seconds=30), Channel.WEB, status=TurnStatus.PENDING)
    turn(NOW - datetime.timedelta(hours=3), Channel.API, status=TurnStatus.PENDING)
    turn(NOW - datetime.timedelta(hours=25), Channel.API, status=TurnStatus.PENDING)
    # Abandoned: two asked within the hour, one before it.
    turn(NOW - minutes(20), Channel.WEB, status=TurnStatus.ABANDONED)
    turn(NOW - minutes(59), Channel.API, status=TurnStatus.ABANDONED)
    turn(NOW - minutes(61), Channel.WEB, status=TurnStatus.ABANDONED)
    # Feedback through the public API: three given now (one on yesterday's answer), one 25 hours ago.
    old_answer = turn(NOW - datetime.timedelta(hours=26), Channel.WEB, Outcome.ANSWER, total_ms=90)
    with time_machine.travel(NOW - datetime.timedelta(hours=25), tick=False):
        give_feedback(client, old_answer, helpful=True)
    with time_machine.travel(NOW, tick=False):
        give_feedback(client, web_answers[0], helpful=True)
        give_feedback(client, web_answers[1], helpful=True)
        give_feedback(client, api_handoff, helpful=False)
        give_feedback(client, yesterday, helpful=False)

        found = scrape(client)

    assert by(found, "townfaq_turns_last_15m", "channel", "outcome") == grid(
        {
            ("web", "answer"): 3,
            ("web", "clarify"): 1,
            ("web", "handoff"): 1,
            ("web", "rejected"): 1,
            ("api", "answer"): 1,
            ("api", "handoff"): 2,
            ("cli", "answer"): 1,
            ("eval", "handoff"): 1,
        },
        CHANNELS,
        OUTCOMES,
    )
    # Residents' questions the gate decided: 4 answered of 4 + 1 clarified + 3 handed off.
    assert one(found, "townfaq_answer_rate_last_15m") == 0.5
    assert by(found, "townfaq_turn_failures_last_15m", "channel", "failure_class") == grid(
        {
            ("web", "invalid_input"): 1,
            ("web", "close_candidates"): 1,
            ("web", "low_confidence"): 1,
            ("api", "llm_timeout"): 1,
            ("api", "low_confidence"): 1,
            ("api", "no_candidates"): 1,
            ("eval", "low_confidence"): 1,
        },
        CHANNELS,
        FAILURES,
    )
    assert by(found, "townfaq_llm_replies_last_15m", "channel") == grid({("web",): 1}, CHANNELS)
    assert one(found, "townfaq_turns_pending") == 2
    assert one(found, "townfaq_turns_abandoned_last_1h") == 2
    # Residents' latencies: 5, 100, 200, ..., 800 ms. p50 is the fifth of nine; p95 lies 0.6 of the way from
    # 700 to 800 (linear interpolation, like the monthly analytics).
    assert by(found, "townfaq_turn_latency_last_15m_seconds", "quantile") == {("0.5",): 0.4, ("0.95",): 0.76}
    assert by(found, "townfaq_feedback_last_24h", "rating") == {("helpful",): 2, ("not_helpful",): 2}
    assert by(found, "townfaq_metrics_source_failed", "source") == {(source.__name__,): 0 for source in metrics.SOURCES}


@pytest.mark.django_db
def test_without_any_turn_the_counts_are_zero_and_the_rates_not_a_number() -> None:
    found = scrape()

    assert set(by(found, "townfaq_turns_last_15m", "channel", "outcome").values()) == {0}
    assert len(found["townfaq_turns_last_15m"]) == len(CHANNELS) * len(OUTCOMES)
    assert set(by(found, "townfaq_turn_failures_last_15m", "channel", "failure_class").values()) == {0}
    assert len(found["townfaq_turn_failures_last_15m"]) == len(CHANNELS) * len(FAILURES)
    assert math.isnan(one(found, "townfaq_answer_rate_last_15m"))
    latency = by(found, "townfaq_turn_latency_last_15m_seconds", "quantile")
    assert set(latency) == {("0.5",), ("0.95",)}
    assert all(math.isnan(value) for value in latency.values())
    assert one(found, "townfaq_turns_pending") == 0
    assert one(found, "townfaq_turns_abandoned_last_1h") == 0
    assert by(found, "townfaq_feedback_last_24h", "rating") == {("helpful",): 0, ("not_helpful",): 0}


@pytest.mark.django_db
def test_real_questions_through_the_api_are_counted_as_the_turn_log_has_them(
    indexed_town: dict[str, Faq], reception: Any
) -> None:
    client = Client()

    def ask(question: str, **headers: Any) -> dict[str, Any]:
        response = client.post(
            "/api/v1/chat",
            data=json.dumps({"question": question}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"metrics-{uuid.uuid4().hex}",
            **headers,
        )
        assert response.status_code in (200, 400), response.content
        body: dict[str, Any] = response.json()
        return body

    answered = ask("粗大ごみの収集を申し込みたい", HTTP_X_CHAT_CLIENT="widget")
    handed_off = ask("明日の天気は？")
    refused = ask("   ")

    assert answered["outcome"] == Outcome.ANSWER
    assert handed_off["outcome"] == Outcome.HANDOFF
    assert refused["error"]["code"] == "invalid_question"
    handoff_class = Turn.objects.get(pk=handed_off["turn_id"]).failure_class
    assert handoff_class in (FailureClass.LOW_CONFIDENCE, FailureClass.NO_CANDIDATES)
    totals = sorted(float(total) for total in Turn.objects.values_list("total_ms", flat=True) if total is not None)
    assert len(totals) == 3

    found = scrape(client)

    turns = by(found, "townfaq_turns_last_15m", "channel", "outcome")
    assert {key: value for key, value in turns.items() if value} == {
        ("web", "answer"): 1,
        ("api", "handoff"): 1,
        ("api", "rejected"): 1,
    }
    failures = by(found, "townfaq_turn_failures_last_15m", "channel", "failure_class")
    assert {key: value for key, value in failures.items() if value} == {
        ("api", handoff_class): 1,
        ("api", "invalid_input"): 1,
    }
    assert one(found, "townfaq_answer_rate_last_15m") == 0.5
    assert one(found, "townfaq_turns_pending") == 0
    # Three latencies: the median is the middle one.
    assert by(found, "townfaq_turn_latency_last_15m_seconds", "quantile")[("0.5",)] == round(totals[1], 1) / 1000
    assert one(found, "townfaq_faqs_published") == len(indexed_town)
    assert one(found, "townfaq_index_active") == 1
    assert one(found, "townfaq_index_faqs_stale") == 0


@pytest.mark.django_db
def test_the_index_is_stale_exactly_while_a_published_faqs_texts_are_not_in_it(
    indexed_town: dict[str, Faq], django_capture_on_commit_callbacks: Any
) -> None:
    published = len(indexed_town)

    def index_figures() -> tuple[float, float, float]:
        found = scrape()
        return (
            one(found, "townfaq_faqs_published"),
            one(found, "townfaq_index_faqs_stale"),
            one(found, "townfaq_index_faqs_unpublished"),
        )

    assert index_figures() == (published, 0, 0)

    # An edited answer, before its index update has run (it runs when the change commits): stale until it has.
    edited = indexed_town["R-001"]
    edited.answer += "（令和13年4月から）"
    faq_save(faq=edited, reason="answer edited")
    assert index_figures() == (published, 1, 0)
    index_sync_faqs([edited.pk])
    assert index_figures() == (published, 0, 0)

    # A new alternate question is indexed text too; with the update run on commit, nothing is stale.
    other = indexed_town["R-002"]
    other.alternate_questions = [*other.alternate_questions, "燃えるごみの日はいつ"]
    faq_save(faq=other, reason="alternate added")
    assert index_figures() == (published, 1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        faq_save(faq=other, reason="saved again")
    assert index_figures() == (published, 0, 0)

    # A confirmed review date is a new version that changes no indexed text: not stale.
    faq_confirm_reviewed(faqs=[indexed_town["R-003"]], review_by=datetime.date(2032, 3, 31), reason="reviewed")
    assert index_figures() == (published, 0, 0)

    # A new published FAQ the index has not taken in yet, and a withdrawn FAQ it still holds.
    new = FaqFactory.create(department=edited.department, question="犬の登録をしたい", answer="環境課で登録します。")
    faq_set_status(faqs=[indexed_town["R-004"]], status=FaqStatus.WITHDRAWN, reason="withdrawn")
    assert index_figures() == (published, 1, 1)
    index_sync_faqs([new.pk, indexed_town["R-004"].pk])
    assert index_figures() == (published, 0, 0)


@pytest.mark.django_db
def test_without_an_index_every_published_faq_is_stale(town: dict[str, Faq]) -> None:
    FaqFactory.create(status=FaqStatus.DRAFT)

    found = scrape()

    assert one(found, "townfaq_faqs_published") == len(town)
    assert one(found, "townfaq_index_active") == 0
    assert one(found, "townfaq_index_faqs_stale") == len(town)
    assert one(found, "townfaq_index_faqs_unpublished") == 0


@pytest.mark.django_db
def test_active_gate_and_prompt_versions() -> None:
    gate = gate_config_create(
        kind="thresholds", parameters=dict(DEFAULT_THRESHOLDS), calibration={}, note="metrics test"
    )
    prompt = PromptVersion.objects.create(text="FAQの内容だけで答えてください。", note="metrics test")
    prompt_version_activate(version=prompt)

    found = scrape()

    assert one(found, "townfaq_gate_active_version") == gate.pk
    assert one(found, "townfaq_prompt_active_version") == prompt.pk
    assert GateConfig.objects.filter(is_active=True).get() == gate

    GateConfig.objects.update(is_active=False)
    PromptVersion.objects.update(is_active=False)
    found = scrape()

    assert one(found, "townfaq_gate_active_version") == 0
    assert one(found, "townfaq_prompt_active_version") == 0


@pytest.mark.django_db
def test_llm_is_reported_off_without_an_endpoint() -> None:
    found = scrape()

    assert one(found, "townfaq_llm_enabled") == 0
    assert one(found, "townfaq_llm_circuit_open") == 0


def _run(trigger: str, status: str, started: datetime.datetime, **measures: float) -> EvaluationRun:
    run = EvaluationRun.objects.create(
        trigger=trigger, status=status, cases_label="golden set", metrics=measures, results=[{"id": "c1"}]
    )
    finished = started + minutes(4) if status != RunStatus.RUNNING else None
    EvaluationRun.objects.filter(pk=run.pk).update(started_at=started, finished_at=finished)
    run.refresh_from_db()
    return run


@pytest.mark.django_db
def test_latest_completed_evaluation_run_and_its_time() -> None:
    found = scrape()
    for name in (
        "townfaq_evaluation_resolved",
        "townfaq_evaluation_wrong_answer_rate",
        "townfaq_evaluation_timestamp_seconds",
    ):
        assert found[name] == {}, "no sample before the first run"

    _run(
        RunTrigger.NIGHTLY, RunStatus.COMPLETED, NOW - datetime.timedelta(days=2), resolved=0.62, wrong_answer_rate=0.03
    )
    latest = _run(
        RunTrigger.COMMAND, RunStatus.COMPLETED, NOW - datetime.timedelta(days=1), resolved=0.64, wrong_answer_rate=0.0
    )
    # Later, but not the live configuration's figures or not finished.
    _run(RunTrigger.REGRESSION, RunStatus.COMPLETED, NOW - minutes(120), resolved=0.1, wrong_answer_rate=0.5)
    _run(RunTrigger.ADMIN, RunStatus.FAILED, NOW - minutes(60))
    _run(RunTrigger.NIGHTLY, RunStatus.RUNNING, NOW - minutes(10))

    found = scrape()

    assert one(found, "townfaq_evaluation_resolved") == 0.64
    assert one(found, "townfaq_evaluation_wrong_answer_rate") == 0.0
    assert latest.finished_at is not None
    assert one(found, "townfaq_evaluation_timestamp_seconds") == latest.finished_at.timestamp()
    assert (
        one(found, "townfaq_evaluation_timestamp_seconds")
        == (NOW - datetime.timedelta(days=1) + minutes(4)).timestamp()
    )


@pytest.mark.django_db
def test_build_info_names_the_installed_version() -> None:
    found = scrape()

    assert found["townfaq_build_info"] == {(("version", importlib.metadata.version("town-faq-chatbot")),): 1}


# One function per figure ------------------------------------------------------------------------------------------


@pytest.fixture
def extra_source() -> Iterator[list[metrics.MetricSource]]:
    """Sources a test adds with @metric_source, removed again afterwards."""
    added: list[metrics.MetricSource] = []
    yield added
    for source in added:
        metrics.SOURCES.remove(source)


@pytest.mark.django_db
def test_a_figure_is_added_with_one_function_and_a_failing_one_leaves_the_others(
    extra_source: list[metrics.MetricSource],
) -> None:
    @metrics.metric_source
    def example(now: datetime.datetime) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "townfaq_example_figure", "A figure added for this test.", value=Turn.objects.count() + 3
        )

    @metrics.metric_source
    def broken(now: datetime.datetime) -> Iterator[Metric]:
        yield GaugeMetricFamily("townfaq_half_done", "Never served: its source fails.", value=1)
        raise RuntimeError("this figure cannot be read")

    extra_source += [example, broken]

    found = scrape()

    assert one(found, "townfaq_example_figure") == 3
    assert "townfaq_half_done" not in found
    failed = by(found, "townfaq_metrics_source_failed", "source")
    assert failed[("broken",)] == 1
    assert failed[("example",)] == 0
    assert failed[("turns_recent",)] == 0
    assert one(found, "townfaq_faqs_published") == 0


# Who may read them -----------------------------------------------------------------------------------------------


def error_of(response: Any) -> dict[str, str]:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    error: dict[str, str] = body["error"]
    return error


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "127.0.0.53", "::ffff:127.0.0.1"])
def test_without_a_token_this_machine_may_scrape(address: str) -> None:
    response = Client(REMOTE_ADDR=address).get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    names = [family.name for family in text_string_to_metric_families(response.content.decode())]
    assert "townfaq_turns_last_15m" in names


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["203.0.113.7", "10.0.0.5", "2001:db8::1", "::ffff:192.0.2.1", ""])
def test_without_a_token_other_addresses_are_refused_in_japanese_first(address: str) -> None:
    response = Client(REMOTE_ADDR=address).get("/metrics")

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "metrics_local_only"
    assert error["message"].startswith("メトリクスはこのサーバー上からのみ取得できます")
    english = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en").get("/metrics")
    assert error_of(english)["message"].startswith("The metrics are served on this machine only")
    assert "townfaq" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_X_FORWARDED_PROTO"]
)
def test_without_a_token_a_request_forwarded_by_a_proxy_on_this_machine_is_refused(header: str) -> None:
    """Behind nginx on the same machine every visitor arrives from 127.0.0.1; the proxy's header gives it away."""
    forwarded: dict[str, Any] = {header: "203.0.113.7"}
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", **forwarded)

    assert response.status_code == 403
    assert error_of(response)["code"] == "metrics_local_only"


@pytest.mark.django_db
def test_a_staff_session_does_not_open_the_metrics() -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(User.objects.create_superuser("metrics-admin", "metrics-admin@example.jp", "pw-metrics-123"))

    assert client.get("/metrics").status_code == 403


@pytest.mark.django_db
def test_with_a_token_only_the_right_bearer_token_is_served(settings: SettingsWrapper) -> None:
    settings.METRICS_TOKEN = TOKEN
    remote = Client(REMOTE_ADDR="203.0.113.7")
    local = Client(REMOTE_ADDR="127.0.0.1")

    refused = [
        remote.get("/metrics"),
        remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x"),
        remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}"),
        remote.get("/metrics", HTTP_AUTHORIZATION="Bearer "),
        remote.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}"),
        remote.get("/metrics", HTTP_AUTHORIZATION=TOKEN),
        # With a token set, this machine needs it too.
        local.get("/metrics"),
    ]

    for response in refused:
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        error = error_of(response)
        assert error["code"] == "metrics_token"
        assert error["message"] == "メトリクスの取得には正しいトークン（Authorization: Bearer）が必要です。"
        assert "townfaq" not in response.content.decode()
    assert scrape(remote, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")["townfaq_build_info"]
    assert scrape(local, HTTP_AUTHORIZATION=f"bearer  {TOKEN} ")["townfaq_build_info"]
    # Behind a reverse proxy the token is what counts.
    forwarded = remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forwarded.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete", "head"])
def test_get_only(method: str) -> None:
    response = getattr(Client(), method)("/metrics")

    assert response.status_code == 405
    assert response["Allow"] == "GET"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("::1%lo", True),
        ("128.0.0.1", False),
        ("::ffff:10.1.2.3", False),
        ("fe80::1", False),
        ("localhost", False),
        ("", False),
    ],
)
def test_is_loopback(address: str, loopback: bool) -> None:
    assert exposition.is_loopback(address) is loopback


# Incidents and monitors ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_incidents_and_the_latest_reading_of_each_monitor() -> None:
    from chatbot.models import Incident, MonitorCheck

    assert by(scrape(), "townfaq_incidents_open", "monitor") == {(name,): 0.0 for name in Monitor.values}
    assert by(scrape(), "townfaq_monitor_breached", "monitor") == {}
    Incident.objects.create(monitor="canary", title="t", symptom="quality", suspected_cause="index")
    Incident.objects.create(
        monitor="latency", title="t", symptom="performance", suspected_cause="unknown", status="closed"
    )
    MonitorCheck.objects.create(monitor="canary", breached=False)
    MonitorCheck.objects.create(monitor="canary", breached=True)
    MonitorCheck.objects.create(monitor="latency", breached=True)
    MonitorCheck.objects.create(monitor="latency", breached=False)

    found = scrape()

    assert by(found, "townfaq_incidents_open", "monitor") == {
        (name,): 1.0 if name == "canary" else 0.0 for name in Monitor.values
    }
    assert by(found, "townfaq_monitor_breached", "monitor") == {("canary",): 1.0, ("latency",): 0.0}


# Documentation ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_metric_explains_itself_and_the_token_is_in_the_example_configuration() -> None:
    """Prometheus shows each family's HELP text (`scrape` checks every one has it); the example configuration
    names the token that protects the endpoint."""
    served = scrape()
    env_example = (Path(settings.BASE_DIR) / ".env.example").read_text(encoding="utf-8")

    assert len(served) >= 10
    assert "METRICS_TOKEN=" in env_example

"""The figures served at `GET /metrics`, each read from the database when Prometheus scrapes."""

# The site runs as several web worker processes beside a separate task cluster, so a counter kept in one process's
# memory would see only that process's share. Every figure here is computed at scrape time from the database, over
# recent windows of indexed columns (a turn's `created_at`, the FAQ status index), and rendered with a registry of
# its own, not prometheus_client's global one (`chatbot.quality.exposition`). The one exception is the LLM circuit
# breaker, which lives in each web process: `townfaq_llm_circuit_open` is the breaker of the process that served the
# scrape.
#
# Adding a figure is one function: it takes the scrape's moment and yields metric families, and `@metric_source`
# adds it to every scrape. A function that fails is logged and reported as
# `townfaq_metrics_source_failed{source="<function>"} 1`; the others are still served. For example:
#
#     @metric_source
#     def golden_cases(now: datetime.datetime) -> Iterator[Metric]:
#         count = GoldenCase.objects.filter(active=True).count()
#         yield GaugeMetricFamily("townfaq_golden_cases", "Golden cases in use.", value=count)

import datetime
import importlib.metadata
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from django.db.models import Count, Q
from prometheus_client.metrics_core import GaugeMetricFamily, InfoMetricFamily, Metric

from chatbot.models import (
    Channel,
    Composer,
    EvaluationRun,
    FailureClass,
    Feedback,
    GateConfig,
    Incident,
    IncidentStatus,
    Monitor,
    MonitorCheck,
    Outcome,
    PromptVersion,
    RunStatus,
    RunTrigger,
    Turn,
    TurnStatus,
)
from faq.models import Faq, FaqStatus, IndexGeneration, IndexStatus
from faq.retrieval.index import index_lag

RECENT = datetime.timedelta(minutes=15)
ABANDONED_WINDOW = datetime.timedelta(hours=1)
# Pending turns are normally seconds old (the reaper marks them abandoned after 10 minutes); the window keeps the
# count on the created_at index, since the status column has none.
PENDING_WINDOW = datetime.timedelta(hours=24)
FEEDBACK_WINDOW = datetime.timedelta(hours=24)
# Residents' questions, as in the monthly analytics: command-line and evaluation turns are left out of the rates.
RESIDENT_CHANNELS = (Channel.WEB, Channel.API)
# The answer rate's denominator: what the gate decided (refused input never reached it).
GATED = (Outcome.ANSWER, Outcome.CLARIFY, Outcome.HANDOFF)
LATENCY_QUANTILES = (0.5, 0.95)
FAILURE_CLASSES = [value for value in FailureClass.values if value]

MetricSource = Callable[[datetime.datetime], Iterable[Metric]]
SOURCES: list[MetricSource] = []


def metric_source(source: MetricSource) -> MetricSource:
    """Add `source` to every scrape (in the order of definition)."""
    SOURCES.append(source)
    return source


def _grid(declared: Iterable[str], seen: Iterable[str]) -> list[str]:
    """Every declared label value (so that a zero is a sample, not a missing series), then any others found."""
    values = list(declared)
    return values + sorted(set(seen) - set(values))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


# Turns -------------------------------------------------------------------------------------------------------------


@metric_source
def turns_recent(now: datetime.datetime) -> Iterator[Metric]:
    """Completed turns of the last 15 minutes by channel and outcome, failure class and composer (one query)."""
    rows = (
        Turn.objects.filter(created_at__gte=now - RECENT, status=TurnStatus.COMPLETED)
        .order_by()
        .values("channel", "outcome", "failure_class", "composer")
        .annotate(n=Count("pk"))
    )
    outcomes: Counter[tuple[str, str]] = Counter()
    failures: Counter[tuple[str, str]] = Counter()
    llm_replies: Counter[str] = Counter()
    for row in rows:
        channel, count = row["channel"], row["n"]
        outcomes[channel, row["outcome"]] += count
        if row["failure_class"]:
            failures[channel, row["failure_class"]] += count
        if row["composer"] == Composer.LLM:
            llm_replies[channel] += count
    channels = _grid(Channel.values, [channel for channel, _outcome in outcomes])
    outcome_values = _grid(Outcome.values, [outcome for _channel, outcome in outcomes])
    failure_values = _grid(FAILURE_CLASSES, [failure for _channel, failure in failures])

    family = GaugeMetricFamily(
        "townfaq_turns_last_15m",
        "Completed turns (questions) asked in the last 15 minutes, by channel and outcome.",
        labels=["channel", "outcome"],
    )
    for channel in channels:
        for outcome in outcome_values:
            family.add_metric([channel, outcome], outcomes[channel, outcome])
    yield family

    resident = Counter({outcome: sum(outcomes[channel, outcome] for channel in RESIDENT_CHANNELS) for outcome in GATED})
    answered = resident[Outcome.ANSWER]
    gated = sum(resident.values())
    yield GaugeMetricFamily(
        "townfaq_answer_rate_last_15m",
        "Share of residents' questions (web and api channels) of the last 15 minutes answered with an FAQ, "
        "of those answered, clarified or handed off (refused input not counted); NaN without any.",
        value=_share(answered, gated),
    )

    family = GaugeMetricFamily(
        "townfaq_turn_failures_last_15m",
        "Completed turns of the last 15 minutes by channel and failure class (llm_* classes: the LLM failed "
        "and the resident got the FAQ text).",
        labels=["channel", "failure_class"],
    )
    for channel in channels:
        for failure in failure_values:
            family.add_metric([channel, failure], failures[channel, failure])
    yield family

    family = GaugeMetricFamily(
        "townfaq_llm_replies_last_15m",
        "Completed turns of the last 15 minutes answered with a checked LLM reply, by channel.",
        labels=["channel"],
    )
    for channel in channels:
        family.add_metric([channel], llm_replies[channel])
    yield family


@metric_source
def turn_states(now: datetime.datetime) -> Iterator[Metric]:
    counts = Turn.objects.filter(created_at__gte=now - PENDING_WINDOW).aggregate(
        pending=Count("pk", filter=Q(status=TurnStatus.PENDING)),
        abandoned=Count("pk", filter=Q(status=TurnStatus.ABANDONED, created_at__gte=now - ABANDONED_WINDOW)),
    )
    yield GaugeMetricFamily(
        "townfaq_turns_pending",
        "Turns still being answered (asked in the last 24 hours); one pending for over 10 minutes is marked "
        "abandoned by the task cluster's reaper.",
        value=counts["pending"],
    )
    yield GaugeMetricFamily(
        "townfaq_turns_abandoned_last_1h",
        "Turns asked in the last hour that were marked abandoned (never completed, e.g. a worker crashed).",
        value=counts["abandoned"],
    )


@metric_source
def turn_latency(now: datetime.datetime) -> Iterator[Metric]:
    turns = Turn.objects.filter(
        created_at__gte=now - RECENT, channel__in=RESIDENT_CHANNELS, status=TurnStatus.COMPLETED, total_ms__isnull=False
    )
    values = [float(value) for value in turns.values_list("total_ms", flat=True) if value is not None]
    family = GaugeMetricFamily(
        "townfaq_turn_latency_last_15m_seconds",
        "Total time of residents' completed turns (web and api) of the last 15 minutes, by quantile (linear "
        "interpolation, as in the monthly analytics); NaN without any.",
        labels=["quantile"],
    )
    for quantile in LATENCY_QUANTILES:
        # Rounded to 0.1 ms like the monthly analytics.
        value = round(float(np.percentile(values, quantile * 100)), 1) / 1000 if values else math.nan
        family.add_metric([str(quantile)], value)
    yield family


@metric_source
def feedback(now: datetime.datetime) -> Iterator[Metric]:
    # The API takes feedback on residents' (web and api) turns only, so every row is a resident's.
    counts = dict(
        Feedback.objects.filter(created_at__gte=now - FEEDBACK_WINDOW)
        .order_by()
        .values_list("helpful")
        .annotate(n=Count("pk"))
    )
    family = GaugeMetricFamily(
        "townfaq_feedback_last_24h",
        "Residents' feedback given in the last 24 hours, by rating (helpful, not_helpful).",
        labels=["rating"],
    )
    family.add_metric(["helpful"], counts.get(True, 0))
    family.add_metric(["not_helpful"], counts.get(False, 0))
    yield family


# FAQs and the search index -----------------------------------------------------------------------------------------


@metric_source
def faqs_and_index(now: datetime.datetime) -> Iterator[Metric]:
    published = Faq.objects.filter(status=FaqStatus.PUBLISHED)
    generation = IndexGeneration.objects.filter(status=IndexStatus.ACTIVE).first()
    yield GaugeMetricFamily("townfaq_faqs_published", "Published FAQs.", value=published.count())
    yield GaugeMetricFamily(
        "townfaq_index_active",
        "1 when a search index generation is active; 0: none was built, answers come from a lexical index "
        "rebuilt from the database (run rebuild_index).",
        value=int(generation is not None),
    )
    stale_ids, unpublished_ids = index_lag()
    stale, unpublished = len(stale_ids), len(unpublished_ids)
    yield GaugeMetricFamily(
        "townfaq_index_faqs_stale",
        "Published FAQs whose current question, alternate questions or answer the active search index does not "
        "hold (missing, or indexed from an older text); all published FAQs when no index is active. The index is "
        "updated right after each change commits, so a non-zero value that lasts minutes means it fell behind.",
        value=stale,
    )
    yield GaugeMetricFamily(
        "townfaq_index_faqs_unpublished",
        "FAQs no longer published that the active search index still holds (never shown: status is checked "
        "when a question is answered).",
        value=unpublished,
    )


# LLM, versions, evaluation, build --------------------------------------------------------------------------------


@metric_source
def llm(now: datetime.datetime) -> Iterator[Metric]:
    from chatbot.llm.composer import llm_status

    status = llm_status()
    yield GaugeMetricFamily(
        "townfaq_llm_enabled",
        "1 when LLM replies are on (an endpoint configured and staff's switch on), else 0.",
        value=int(status["status"] != "disabled"),
    )
    yield GaugeMetricFamily(
        "townfaq_llm_circuit_open",
        "1 while the LLM circuit breaker is open in the web process that served this scrape (each process has "
        "its own breaker), else 0.",
        value=int(status.get("breaker") == "open"),
    )


@metric_source
def versions(now: datetime.datetime) -> Iterator[Metric]:
    gate = GateConfig.objects.filter(is_active=True).values_list("pk", flat=True).first()
    prompt = PromptVersion.objects.filter(is_active=True).values_list("pk", flat=True).first()
    yield GaugeMetricFamily(
        "townfaq_gate_active_version",
        "Version (id) of the active confidence gate configuration; 0 when none is active.",
        value=gate or 0,
    )
    yield GaugeMetricFamily(
        "townfaq_prompt_active_version",
        "Version (id) of the active LLM prompt (used while LLM replies are on); 0 when none is active.",
        value=prompt or 0,
    )


@metric_source
def evaluation(now: datetime.datetime) -> Iterator[Metric]:
    """The latest completed evaluation run; regression checks are left out (they evaluate versions not yet live)."""
    run = (
        EvaluationRun.objects.filter(status=RunStatus.COMPLETED)
        .exclude(trigger=RunTrigger.REGRESSION)
        .order_by("-started_at", "-pk")
        .values("metrics", "started_at", "finished_at")
        .first()
    )
    resolved = GaugeMetricFamily(
        "townfaq_evaluation_resolved",
        "Resolved share (answered right or clarified with a right choice, of answerable cases) of the latest "
        "completed evaluation run (no sample before the first run).",
    )
    wrong = GaugeMetricFamily(
        "townfaq_evaluation_wrong_answer_rate",
        "Wrong-answer rate (answered wrong, of answered) of the latest completed evaluation run.",
    )
    finished = GaugeMetricFamily(
        "townfaq_evaluation_timestamp_seconds",
        "When the latest completed evaluation run finished (Unix time).",
    )
    if run is not None:
        measures = run["metrics"] if isinstance(run["metrics"], dict) else {}
        resolved.add_metric([], _number(measures.get("resolved")))
        wrong.add_metric([], _number(measures.get("wrong_answer_rate")))
        finished.add_metric([], (run["finished_at"] or run["started_at"]).timestamp())
    yield from (resolved, wrong, finished)


@metric_source
def incidents(now: datetime.datetime) -> Iterator[Metric]:
    """Open incidents by monitor, and each monitor's latest reading (1 breached, 0 normal)."""
    open_by_monitor = Counter(
        Incident.objects.filter(status=IncidentStatus.OPEN).values_list("monitor", flat=True).order_by()
    )
    opened = GaugeMetricFamily(
        "townfaq_incidents_open", "Incidents open now (opened by a sustained monitor breach).", labels=["monitor"]
    )
    breached = GaugeMetricFamily(
        "townfaq_monitor_breached",
        "1 when the monitor's latest reading breached its limit, 0 when normal (no sample before its first reading).",
        labels=["monitor"],
    )
    for monitor in Monitor.values:
        opened.add_metric([monitor], open_by_monitor.get(monitor, 0))
        latest = MonitorCheck.objects.filter(monitor=monitor).order_by("-checked_at", "-pk").values("breached").first()
        if latest is not None:
            breached.add_metric([monitor], int(latest["breached"]))
    yield from (opened, breached)


def _version() -> str:
    try:
        return importlib.metadata.version("town-faq-chatbot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


VERSION = _version()


@metric_source
def build(now: datetime.datetime) -> Iterator[Metric]:
    yield InfoMetricFamily("townfaq_build", "The running software's version.", value={"version": VERSION})

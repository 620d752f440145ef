"""Running the monitors every 5 minutes and the canary (golden questions through the pipeline) every 15."""

# Each monitor takes one reading (a `MonitorCheck`): the canary asks a handful of golden questions through the whole
# pipeline; the others read the resident turns (answer rate, handoffs, not-helpful feedback, latency, LLM errors) and
# whether the search index matches the published FAQs (`chatbot.quality.readings`). When the last
# `MONITOR_SUSTAINED_CHECKS` readings of a monitor are all breaches, an `Incident` opens (one blip opens none), the
# administrators are e-mailed, and the incident stays open, with its timeline, until staff close it with a
# resolution note (`chatbot.quality.incidents`).

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chatbot.models import (
    EvaluationRun,
    Incident,
    Monitor,
    MonitorCheck,
    RunStatus,
    RunTrigger,
    SuspectedCause,
    Symptom,
)
from chatbot.quality.incidents import record
from chatbot.quality.readings import MONITORS, PIPELINE_FAILURES, Reading

logger = logging.getLogger(__name__)


def canary_cases() -> list[Any]:
    """The golden cases tagged "canary"; else CANARY_CASES cases spread over those the last evaluation of the whole
    golden set handled right (a canary watches for change: a case that already went wrong would only cry wolf).
    Evaluations taken while a canary incident was open are passed over. With no such evaluation yet, one is run
    and stored first (a fault already present then goes unnoticed by the canary)."""
    from chatbot.quality.evalruns import golden_run
    from chatbot.quality.golden import golden_cases

    tagged = golden_cases(["canary"])
    if tagged:
        return tagged
    every = {case.case_id: case for case in golden_cases()}
    if not every:
        return []
    runs = EvaluationRun.objects.filter(status=RunStatus.COMPLETED, cases_label="golden set").order_by("-started_at")
    usable = (run for run in runs[:20] if not run.tags and not _during_canary_incident(run.started_at))
    run = next(usable, None) or golden_run(trigger=RunTrigger.CANARY)
    good = [every[item["id"]] for item in (run.results if run else []) if item.get("right") and item["id"] in every]
    step = max(1, len(good) // max(1, settings.CANARY_CASES))
    return good[::step][: settings.CANARY_CASES]


def _during_canary_incident(moment: datetime.datetime) -> bool:
    """Whether a canary incident was open and not yet back to normal then: an evaluation taken during an outage
    would pick cases that pass even while the fault lasts."""
    return (
        Incident.objects.filter(monitor=Monitor.CANARY, opened_at__lte=moment)
        .filter(
            Q(recovered_at__gte=moment)
            | Q(recovered_at__isnull=True, closed_at__gte=moment)
            | Q(recovered_at__isnull=True, closed_at__isnull=True)
        )
        .exists()
    )


def canary_reading() -> Reading | None:
    """A handful of golden questions through the whole pipeline without logging a turn; breached when one is
    handled wrong or a step failed. None without cases."""
    from chatbot.quality.evaluation import evaluate_cases

    cases = canary_cases()
    if not cases:
        return None
    results: list[dict[str, Any]] = []
    evaluate_cases(cases, log=False, judge=False, details=results)
    wrong = [item for item in results if not item["right"]]
    failures = sorted({item["failure_class"] for item in results if item["failure_class"] in PIPELINE_FAILURES})
    bad = [item for item in results if not item["right"] or item["failure_class"] in PIPELINE_FAILURES]
    cause, symptom = SuspectedCause.UNKNOWN, Symptom.QUALITY
    if any(name.startswith("llm_") for name in failures):
        cause = SuspectedCause.LLM
    elif "vector_store_unavailable" in failures or "retrieval_error" in failures:
        cause = SuspectedCause.INDEX
    elif "internal_error" in failures:
        cause, symptom = SuspectedCause.INFRASTRUCTURE, Symptom.UNAVAILABLE
    elif wrong:
        cause = SuspectedCause.CONTENT if _content_changed_recently() else SuspectedCause.INDEX
    n = len(results)
    return Reading(
        breached=bool(bad),
        value=float(len(bad)),
        threshold=0.0,
        symptom=symptom,
        cause=cause,
        message=lambda: (
            _("%(bad)d of %(n)d canary questions went wrong (wrong: %(wrong)d; failed steps: %(failures)s).")
            % {"bad": len(bad), "n": n, "wrong": len(wrong), "failures": ", ".join(failures) or "-"}
            if bad
            else _("All %(n)d canary questions were handled right.") % {"n": n}
        ),
        details={
            "n": n,
            "cases": [
                {key: item.get(key) for key in ("id", "query", "outcome", "answered_with", "right", "failure_class")}
                for item in bad
            ],
        },
    )


def _content_changed_recently() -> bool:
    from faq.models import Faq

    return Faq.objects.filter(updated_at__gte=timezone.now() - datetime.timedelta(days=1)).exists()


def run_monitors(names: list[str] | None = None) -> list[MonitorCheck]:
    """Take one reading of each monitor (a failing monitor is logged and skipped, the others still run)."""
    checks = []
    for name, read in MONITORS.items():
        if names and name not in names:
            continue
        try:
            reading = read()
        except Exception:
            logger.exception("monitor %s failed to take a reading", name)
            continue
        if reading is not None:
            checks.append(record(name, reading))
    return checks


def run_canary() -> MonitorCheck | None:
    """Ask the canary questions once; a pipeline that raises counts as a breach (unavailability)."""
    try:
        reading = canary_reading()
    except Exception as exc:
        logger.exception("the canary could not run")
        error = type(exc).__name__
        reading = Reading(
            breached=True,
            symptom=Symptom.UNAVAILABLE,
            cause=SuspectedCause.INFRASTRUCTURE,
            message=lambda: _("The canary could not run: %(error)s") % {"error": error},
            details={"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
    if reading is None:
        logger.info("canary skipped: the golden set has no cases in use")
        return None
    return record(Monitor.CANARY, reading)

"""Stored evaluation runs: the measures of a set of cases, with the configuration they were taken under, kept as
a history (command line, nightly schedule, or on demand from admin)."""

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from chatbot.gate.observations import Case
from chatbot.models import EvaluationRun, RunStatus, RunTrigger
from chatbot.pipeline import LIVE, PipelineConfig
from chatbot.quality.evaluation import evaluate_cases
from chatbot.quality.golden import golden_cases
from faq.models import Faq, FaqStatus, IndexGeneration, IndexStatus

logger = logging.getLogger(__name__)


def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


def run_configuration(config: PipelineConfig = LIVE) -> dict[str, Any]:
    """What the answers depended on: encoders, fusion and re-ranker weights, gate version, prompt version and
    LLM, and the FAQ snapshot (published FAQs, last change, the active index generation)."""
    from chatbot.llm.composer import llm_enabled

    gate = config.gate_version()
    prompt = config.prompt_version() if llm_enabled() else None
    published = Faq.objects.filter(status=FaqStatus.PUBLISHED)
    generation = IndexGeneration.objects.filter(status=IndexStatus.ACTIVE).order_by("-pk").first()
    last_change = published.aggregate(last=Max("updated_at"))["last"]
    # FAQs as a change request would leave them (checked before approval).
    proposed = config.faqs
    published_count = published.exclude(pk__in=list(proposed)).count() + sum(
        1 for faq in proposed.values() if faq.status == FaqStatus.PUBLISHED
    )
    if proposed:
        moments = [last_change, *(faq.updated_at for faq in proposed.values())]
        last_change = max(moment for moment in moments if moment)
    return {
        "encoders": list(settings.RETRIEVAL_ENCODERS),
        "ranker": {"path": Path(settings.RETRIEVAL_RANKER).name, "sha256": _file_digest(settings.RETRIEVAL_RANKER)},
        "gate_version": gate.pk if gate else None,
        "gate_kind": gate.kind if gate else None,
        "composer": settings.ANSWER_COMPOSER.rsplit(".", 1)[-1],
        "llm_model": settings.LLM_MODEL if llm_enabled() else None,
        "prompt_version": prompt.pk if prompt else None,
        "faqs_published": published_count,
        "faqs_last_changed": last_change.isoformat(timespec="seconds") if last_change else None,
        "index_generation": generation.pk if generation else None,
        "index_revision": getattr(generation, "revision", None),
    } | ({"faqs_as_proposed": sorted(proposed)} if proposed else {})


def evaluation_run(
    cases: list[Case],
    *,
    trigger: str,
    label: str,
    tags: list[str] | None = None,
    log: bool = False,
    judge: bool = True,
    progress: Callable[[int], None] | None = None,
    config: PipelineConfig = LIVE,
) -> EvaluationRun:
    """Evaluate `cases` and store the run. A failure is stored as a failed run (and raised again).

    `config`: what the cases are answered with (a gate or prompt version, or FAQs as a change would leave them,
    before it is made); the live configuration by default."""
    run = EvaluationRun.objects.create(trigger=trigger, cases_label=label[:300], tags=list(tags or []))
    details: list[dict[str, Any]] = []
    try:
        run.configuration = run_configuration(config)
        metrics = evaluate_cases(cases, log=log, progress=progress, judge=judge, details=details, config=config)
    except Exception as exc:
        EvaluationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    run.metrics = metrics
    run.results = details
    run.status = RunStatus.COMPLETED
    run.finished_at = timezone.now()
    run.save(update_fields=["configuration", "metrics", "results", "status", "finished_at"])
    return run


def golden_run(trigger: str = RunTrigger.NIGHTLY, tags: list[str] | None = None) -> EvaluationRun | None:
    """Evaluate the golden set's cases in use and store the run; None when the set has no cases."""
    cases = golden_cases(tags or [])
    if not cases:
        logger.info("evaluation skipped: the golden set has no cases in use")
        return None
    return evaluation_run(cases, trigger=trigger, label="golden set", tags=tags)

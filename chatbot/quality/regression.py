"""The regression gate: a change that would go live (a gate version, a prompt version, a change request's FAQ
texts) is first evaluated on the golden set against what is live now, and blocked when answers get worse beyond
the configured tolerance. An administrator may override a failed check with a recorded reason. A change request's
check runs in the task cluster (see `changeflow.approval`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chatbot.gate.observations import Case
from chatbot.models import EvaluationRun, GateConfig, PromptVersion, RegressionCheck, RunTrigger
from chatbot.pipeline import PipelineConfig
from chatbot.quality.evalruns import evaluation_run
from chatbot.quality.golden import golden_cases


def passed_message(check: RegressionCheck) -> str:
    """What a passed check found, for the person who made the change."""
    from django.utils.translation import gettext

    return gettext(
        "Regression check passed: resolved %(before)s -> %(after)s, wrong answers %(wrong_before)s -> %(wrong)s."
    ) % {
        "before": check.baseline.metrics.get("resolved"),
        "after": check.candidate.metrics.get("resolved"),
        "wrong_before": check.baseline.metrics.get("wrong_answer_rate"),
        "wrong": check.candidate.metrics.get("wrong_answer_rate"),
    }


class RegressionBlocked(Exception):
    """The change makes answers worse; `check` has the figures and the cases."""

    def __init__(self, check: RegressionCheck) -> None:
        super().__init__("; ".join(check.reasons))
        self.check = check


@dataclass
class Verdict:
    passed: bool
    reasons: list[str]
    failing: list[dict[str, Any]]


def compare(baseline: EvaluationRun, candidate: EvaluationRun) -> Verdict:
    """Failed when the wrong-answer rate rises or resolved falls beyond the tolerance; the failing cases are
    those handled right before and not after."""
    before, after = baseline.metrics, candidate.metrics
    reasons = []
    rise = float(after.get("wrong_answer_rate", 0)) - float(before.get("wrong_answer_rate", 0))
    if rise > settings.REGRESSION_MAX_WRONG_RATE_RISE + 1e-9:
        reasons.append(
            f"wrong-answer rate {before.get('wrong_answer_rate')} -> {after.get('wrong_answer_rate')} "
            f"(at most +{settings.REGRESSION_MAX_WRONG_RATE_RISE})"
        )
    drop = float(before.get("resolved", 0)) - float(after.get("resolved", 0))
    if drop > settings.REGRESSION_MAX_RESOLVED_DROP + 1e-9:
        reasons.append(
            f"resolved {before.get('resolved')} -> {after.get('resolved')} "
            f"(at most -{settings.REGRESSION_MAX_RESOLVED_DROP})"
        )
    right_before = {item["id"] for item in baseline.results if item.get("right")}
    failing = [
        {key: item.get(key) for key in ("id", "query", "outcome", "answered_with")}
        for item in candidate.results
        if item["id"] in right_before and not item.get("right")
    ]
    return Verdict(passed=not reasons, reasons=reasons, failing=failing)


def regression_check(
    *,
    action: str,
    target: str,
    candidate: PipelineConfig,
    user: Any = None,
    cases: list[Case] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RegressionCheck | None:
    """Evaluate the golden set (or `cases`) as it is live now and with `candidate` (the configuration the change
    would make live), and store the comparison. None when there are no cases. `progress` is
    called with 1 for each case asked (twice the number of cases in all)."""
    cases = golden_cases() if cases is None else cases
    if not cases:
        return None
    before = evaluation_run(
        cases, trigger=RunTrigger.REGRESSION, label=f"before: {target}", judge=False, progress=progress
    )
    after = evaluation_run(
        cases,
        trigger=RunTrigger.REGRESSION,
        label=f"after: {target}",
        judge=False,
        config=candidate,
        progress=progress,
    )
    verdict = compare(before, after)
    return RegressionCheck.objects.create(
        action=action,
        target=target[:200],
        baseline=before,
        candidate=after,
        passed=verdict.passed,
        reasons=verdict.reasons,
        failing_cases=verdict.failing,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def override_or_block(check: RegressionCheck | None, *, override_reason: str, user: Any) -> None:
    """Let a passed check (or none) through; record the override of a failed one, or raise RegressionBlocked
    when no reason is given."""
    if check is None or check.passed:
        return
    reason = override_reason.strip()
    if not reason:
        raise RegressionBlocked(check)
    check.overridden_by = user if getattr(user, "is_authenticated", False) else None
    check.override_reason = reason[:2000]
    check.save(update_fields=["overridden_by", "override_reason"])


def _activate_checked(
    *,
    action: str,
    target: str,
    live: bool,
    candidate: PipelineConfig,
    activate: Callable[[], None],
    user: Any,
    override_reason: str,
) -> RegressionCheck | None:
    """Check the change (unless it is live already), refuse it if answers get worse and no reason is given,
    then make it live."""
    check = None if live else regression_check(action=action, target=target, candidate=candidate, user=user)
    override_or_block(check, override_reason=override_reason, user=user)
    activate()
    return check


def gate_activate_checked(config: GateConfig, *, user: Any = None, override_reason: str = "") -> RegressionCheck | None:
    """Activate a gate version if the golden set does not get worse with it (or with a recorded override)."""
    from chatbot.services import gate_config_activate

    return _activate_checked(
        action=RegressionCheck.Action.GATE,
        target=f"gate version {config.pk}",
        live=config.is_active,
        candidate=PipelineConfig(gate=config),
        activate=lambda: gate_config_activate(config=config),
        user=user,
        override_reason=override_reason,
    )


def prompt_activate_checked(
    version: PromptVersion, *, user: Any = None, override_reason: str = ""
) -> RegressionCheck | None:
    """Activate a prompt version if the golden set does not get worse with it (or with a recorded override).
    Without an LLM the prompt changes no answer, and the check passes."""
    from chatbot.services import prompt_version_activate

    return _activate_checked(
        action=RegressionCheck.Action.PROMPT,
        target=f"prompt version {version.pk}",
        live=version.is_active,
        candidate=PipelineConfig(prompt=version),
        activate=lambda: prompt_version_activate(version=version),
        user=user,
        override_reason=override_reason,
    )

"""Functions the django-q2 schedules run."""

from chatbot.models import RunTrigger
from chatbot.services import turns_reap


def reap_turns() -> int:
    return turns_reap()


def evaluate_golden(trigger: str = RunTrigger.NIGHTLY) -> str:
    """Evaluate the golden set and store the run (nightly, or on demand from admin)."""
    from chatbot.quality.evalruns import golden_run

    run = golden_run(trigger=trigger)
    if run is None:
        return "the golden set has no cases in use"
    return f"evaluation run {run.pk}: {run.metrics.get('n')} cases, resolved {run.metrics.get('resolved')}"


def run_monitors() -> str:
    """One reading of every monitor over the turn log and the index (every 5 minutes)."""
    from chatbot.quality.monitors import run_monitors as run

    checks = run()
    return ", ".join(f"{check.monitor}: {'breached' if check.breached else 'ok'}" for check in checks)


def run_canary() -> str:
    """The canary questions through the whole pipeline (every 15 minutes)."""
    from chatbot.quality.monitors import run_canary as run

    check = run()
    if check is None:
        return "the golden set has no cases in use"
    return f"canary: {'breached' if check.breached else 'ok'}"

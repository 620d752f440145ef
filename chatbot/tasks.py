"""Functions the django-q2 schedules run."""

from chatbot.models import RunTrigger
from chatbot.services import turns_reap


def reap_turns() -> int:
    return turns_reap()


def evaluate_golden(trigger: str = RunTrigger.NIGHTLY) -> str:
    """Evaluate the golden set and store the run (nightly, or on demand from admin)."""
    from chatbot.evalruns import golden_run

    run = golden_run(trigger=trigger)
    if run is None:
        return "the golden set has no cases in use"
    return f"evaluation run {run.pk}: {run.metrics.get('n')} cases, resolved {run.metrics.get('resolved')}"

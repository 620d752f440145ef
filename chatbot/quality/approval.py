"""The golden-set regression check that approving a change request runs: named in the setting
`CHANGEFLOW_APPROVAL_CHECKS`, which changeflow calls (changeflow imports no chat code)."""

from collections.abc import Callable, Mapping
from typing import Any

from chatbot.gate.observations import Case
from chatbot.models import GoldenCase, RegressionCheck
from chatbot.pipeline import PipelineConfig
from chatbot.quality.golden import golden_cases
from chatbot.quality.regression import RegressionBlocked, override_or_block, passed_message, regression_check
from faq.models import Faq


class GoldenSetCheck:
    """Answers on the golden set with the change's texts must not get worse than with the live ones, unless a
    reviewer records why they approve anyway."""

    def __init__(self) -> None:
        self._cases: list[Case] | None = None

    def cases(self) -> list[Case]:
        """The golden set's cases in use, read once per check."""
        if self._cases is None:
            self._cases = golden_cases()
        return self._cases

    def in_use(self) -> bool:
        """Whether there is anything to evaluate (a golden set with cases in use)."""
        return GoldenCase.objects.filter(active=True).exists()

    def steps(self) -> int:
        """How many progress steps `run` reports (each case is asked twice: live and as proposed)."""
        return 2 * len(self.cases())

    def run(
        self, *, target: str, faqs: Mapping[int, Faq], user: Any, progress: Callable[[int], None] | None = None
    ) -> RegressionCheck | None:
        """Evaluate the golden set live and with `faqs` (the FAQs as the change would leave them); the stored
        comparison, or None when there are no cases."""
        return regression_check(
            action=RegressionCheck.Action.PUBLISH,
            target=target,
            candidate=PipelineConfig.with_faqs(faqs),
            user=user,
            cases=self.cases(),
            progress=progress,
        )

    def allows(self, result: RegressionCheck | None, *, override_reason: str, user: Any) -> bool:
        """Passed (or nothing to check); or failed with a reason, which is recorded. False: blocked."""
        try:
            override_or_block(result, override_reason=override_reason, user=user)
        except RegressionBlocked:
            return False
        return True

    def summary(self, result: RegressionCheck) -> str:
        """What a passed check found, for the reviewer."""
        return passed_message(result)

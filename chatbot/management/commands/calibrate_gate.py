import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from chatbot.calibration import DEFAULT_MARGIN, calibrate, cases_read, cases_split, limits_with_margin, observe
from chatbot.evaluation import evaluate_cases
from chatbot.golden import labelled_turn_cases
from chatbot.models import GateConfig
from chatbot.services import gate_config_create, gate_override

# Fewer labelled questions than this cannot tell a better gate from a worse one.
MIN_LABELLED = 20
COMPARED = ("resolved", "wrong_answer_rate", "answered", "clarify_share", "oos_handoff")


class Command(BaseCommand):
    help = (
        "Choose the confidence gate from labelled cases (CONTRACTS section 3): fit how likely the first "
        "candidate and the offered choices are right, then pick the thresholds that resolve the most "
        "questions while answered-but-wrong stays under the target. Prints the risk/coverage table and "
        "stores the result as a new, active gate version (unless --dry-run). With --from-turns, the cases are "
        "the turns staff labelled in the last --months months, and the result is only proposed: stored as an "
        "inactive version with its before/after figures, for staff to activate in admin (after the regression "
        "check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=Path, default=[], metavar="FILE", nargs="+")
        parser.add_argument(
            "--from-turns",
            action="store_true",
            help="Calibrate on the logged turns staff labelled (golden cases made from turns); propose, never apply.",
        )
        parser.add_argument("--months", type=int, default=3, help="With --from-turns: turns of the last N months.")
        parser.add_argument("--target-wrong-rate", type=float, default=0.05)
        parser.add_argument("--max-clarify", type=float, default=0.30, help="Largest share of clarify outcomes.")
        parser.add_argument(
            "--min-oos-handoff", type=float, default=0.85, help="Smallest share of non-answerable cases handed off."
        )
        parser.add_argument(
            "--split", choices=["all", "odd", "even"], default="all", help="Use every case, or every other line."
        )
        parser.add_argument(
            "--margin",
            type=float,
            default=DEFAULT_MARGIN,
            help="Standard errors to keep the clarify and out-of-scope shares inside their limits (0: none).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the table, store nothing.")
        parser.add_argument("--note", default="")
        parser.add_argument(
            "--folds",
            type=int,
            default=5,
            help="Choose thresholds on out-of-fold probabilities from this many folds (0: on the fitted model's own).",
        )
        parser.add_argument(
            "--if-uncalibrated", action="store_true", help="Do nothing if a calibrated gate version exists (make run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_uncalibrated"] and GateConfig.objects.filter(kind="logistic").exists():
            self.stdout.write("a calibrated gate exists; nothing to do")
            return
        target = options["target_wrong_rate"]
        if not 0.0 <= target <= 1.0:
            raise CommandError("--target-wrong-rate must be between 0 and 1")
        if not 0.0 <= options["margin"] <= 5.0:
            raise CommandError("--margin must be between 0 and 5 standard errors")
        if not options["cases"] and not options["from_turns"]:
            raise CommandError("give --cases FILE ... or --from-turns")
        cases = []
        if options["from_turns"]:
            if options["months"] < 1:
                raise CommandError("--months must be at least 1")
            cases += labelled_turn_cases(options["months"])
            if len(cases) < MIN_LABELLED:
                raise CommandError(
                    f"only {len(cases)} labelled turns in the last {options['months']} months (at least "
                    f"{MIN_LABELLED} needed): mark turns in the turn log as right or not to be answered first"
                )
        for path in options["cases"]:
            try:
                cases += cases_split(cases_read(path), options["split"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
        if not cases:
            raise CommandError("no cases")
        with tqdm(total=len(cases), desc="cases", unit="case", disable=options["verbosity"] < 1) as bar:
            observed = observe(cases, progress=bar.update)
        parameters, table = calibrate(
            observed,
            target_wrong_rate=target,
            max_clarify=options["max_clarify"],
            min_oos_handoff=options["min_oos_handoff"],
            folds=options["folds"],
            margin=options["margin"],
        )
        clarify_limit, oos_limit = limits_with_margin(
            observed, options["max_clarify"], options["min_oos_handoff"], options["margin"]
        )
        self.stdout.write(
            f"limits with a margin of {options['margin']:g} standard errors: "
            f"clarify_share <= {clarify_limit:.3f}, oos_handoff >= {oos_limit:.3f}, wrong_answer_rate <= {target:.3f}"
        )
        chosen = parameters["thresholds"]
        self.stdout.write("answer_threshold  answered  wrong_answer_rate  clarify_share  resolved  oos_handoff")
        for row in table:
            mark = " <" if row["answer_threshold"] == chosen["answer"] else ""
            self.stdout.write(
                f"{row['answer_threshold']:>16.4f}  {row['answered']:>8.3f}  {row['wrong_answer_rate']:>17.3f}  "
                f"{row['clarify_share']:>13.3f}  {row['resolved']:>8.3f}  {row['oos_handoff']:>11.3f}{mark}"
            )
        summary = next(row for row in table if row["answer_threshold"] == chosen["answer"])
        self.stdout.write(f"chosen: {json.dumps(chosen)}  {json.dumps(summary)}")
        if options["dry_run"]:
            return
        proposal = bool(options["from_turns"])
        calibration: dict[str, Any] = {}
        if proposal:
            calibration = self._before_after(cases, parameters, summary)
        config = gate_config_create(
            kind="logistic",
            parameters=parameters,
            activate=not proposal,
            calibration=calibration
            | {
                "cases": [str(path) for path in options["cases"]]
                + ([f"labelled turns, last {options['months']} months"] if proposal else []),
                "split": options["split"],
                "n": len(cases),
                "target_wrong_rate": target,
                "max_clarify": options["max_clarify"],
                "margin": options["margin"],
                "limits_used": {"clarify_share": clarify_limit, "oos_handoff": oos_limit},
                "min_oos_handoff": options["min_oos_handoff"],
                "folds": options["folds"],
                "chosen": summary,
                "table": table,
            },
            note=options["note"]
            or (
                f"proposed from {len(cases)} labelled turns (last {options['months']} months)"
                if proposal
                else f"calibrate_gate on {len(cases)} cases"
            ),
        )
        if proposal:
            self.stdout.write(
                self.style.SUCCESS(
                    f"gate version {config.pk} proposed (not active): activate it in admin after reading the "
                    "figures; the regression check on the golden set runs first"
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f"gate version {config.pk} is now active"))

    def _before_after(self, cases: list[Any], parameters: dict[str, Any], estimate: dict[str, Any]) -> dict[str, Any]:
        """The labelled questions asked through the pipeline with the live gate and with the proposal (no turn is
        logged). The proposal was fitted on these questions, so its own figures flatter it: the out-of-fold
        estimate is printed beside them."""
        before = evaluate_cases(cases, log=False, judge=False)
        candidate = GateConfig(kind="logistic", parameters=parameters)
        with gate_override(candidate):
            after = evaluate_cases(cases, log=False, judge=False)
        self.stdout.write(f"{'':<18}  {'live gate':>9}  {'proposal':>8}  {'out-of-fold':>11}")
        for key in COMPARED:
            self.stdout.write(
                f"{key:<18}  {before.get(key, 0):>9.3f}  {after.get(key, 0):>8.3f}  {estimate.get(key, 0):>11.3f}"
            )
        return {
            "proposal": True,
            "before": {key: before.get(key) for key in COMPARED},
            "after": {key: after.get(key) for key in COMPARED},
            "out_of_fold": {key: estimate.get(key) for key in COMPARED},
        }

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from chatbot.gate.calibration import calibrate
from chatbot.gate.calibration import recalibrate as recalibrate_gate
from chatbot.gate.observations import cases_read, cases_split, observe, observed_dump, observed_load, oos_share_from
from chatbot.gate.shipped import CAUTION_LEVELS, DEFAULT_CAUTION, fits_todays_features, shipped
from chatbot.models import GateConfig
from chatbot.pipeline import PipelineConfig
from chatbot.quality.evaluation import evaluate_cases
from chatbot.quality.golden import labelled_turn_cases
from chatbot.services import gate_config_create

# Fewer labelled questions than this cannot tell a better gate from a worse one.
MIN_LABELLED = 20
COMPARED = ("resolved", "wrong_answer_rate", "answered", "clarify_share", "handoff_answerable", "oos_answered")
TABLE = (
    "answered",
    "wrong_answer_rate",
    "clarify_share",
    "resolved",
    "answered_of_answerable",
    "handoff_answerable",
    "oos_answered",
    "cost",
)


def table_lines(table: list[dict[str, float]], chosen: float) -> list[str]:
    """The risk/coverage table: a header, one line per answer threshold, the chosen one marked."""
    lines = ["answer_threshold  " + "  ".join(f"{key:>{max(len(key), 6)}}" for key in TABLE)]
    for row in table:
        cells = "  ".join(f"{row[key]:>{max(len(key), 6)}.3f}" for key in TABLE)
        lines.append(f"{row['answer_threshold']:>16.4f}  {cells}" + (" <" if row["answer_threshold"] == chosen else ""))
    return lines


class Command(BaseCommand):
    help = (
        "Choose the confidence gate from labelled cases (CONTRACTS section 3): fit how likely the first "
        "candidate and the offered choices are right, then pick the thresholds with the least expected cost to "
        "residents (a wrong answer costs far more than a phone call, a call more than a click) at the expected "
        "out-of-scope share. Prints the risk/coverage table and stores the result as a new, active gate version "
        "(unless --dry-run). --shipped installs the gate that ships with the product instead. With --from-turns, "
        "the cases are the turns staff labelled in the last --months months, and the result is only proposed: "
        "stored as an inactive version with its before/after figures, for staff to activate in admin (after the "
        "regression check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=Path, default=[], metavar="FILE", nargs="+")
        parser.add_argument(
            "--from-turns",
            action="store_true",
            help="Calibrate on the logged turns staff labelled (golden cases made from turns); propose, never apply.",
        )
        parser.add_argument("--months", type=int, default=3, help="With --from-turns: turns of the last N months.")
        parser.add_argument(
            "--split", choices=["all", "odd", "even"], default="all", help="Use every case, or every other line."
        )
        parser.add_argument(
            "--caution",
            choices=list(CAUTION_LEVELS),
            default=DEFAULT_CAUTION,
            help="What a wrong answer costs: careful 20, standard 10, bold 3 phone calls.",
        )
        parser.add_argument(
            "--oos-share",
            type=float,
            default=None,
            help="Expected share of out-of-scope questions (default: settings.GATE_OOS_SHARE; with --from-turns, "
            "the labelled turns' own share once there are 50).",
        )
        parser.add_argument(
            "--observations",
            type=Path,
            default=[],
            nargs="+",
            metavar="FILE",
            help="Also pool these observations (written by --save-observations elsewhere).",
        )
        parser.add_argument("--save-observations", type=Path, metavar="FILE", help="Write the observations (numbers).")
        parser.add_argument("--shipped", action="store_true", help="Install the gate that ships with the product.")
        parser.add_argument(
            "--recalibrate",
            action="store_true",
            help="Keep the active gate's models (the shipped ones if it has none) and fit only their recalibration "
            "and the thresholds on these cases (the default with --from-turns when the active gate has models).",
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
            "--if-uncalibrated",
            action="store_true",
            help="Do nothing if a gate version fitted on today's features exists, unless the active version was "
            "fitted on features this version no longer computes (make run).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_uncalibrated"]:
            live = GateConfig.objects.filter(is_active=True).first()
            if live is not None and not fits_todays_features(live.kind, live.parameters):
                self.stdout.write(
                    f"the active gate version {live.pk} was fitted on features this version no longer computes; "
                    "it stays in the history"
                )
            elif any(fits_todays_features(c.kind, c.parameters) for c in GateConfig.objects.filter(kind="logistic")):
                self.stdout.write("a calibrated gate exists; nothing to do")
                return
        if options["shipped"]:
            parameters = shipped(options["caution"])
            config = gate_config_create(
                kind="logistic",
                parameters=parameters,
                calibration={"shipped": True, "chosen": parameters["levels"][options["caution"]]["estimate"]},
                note=options["note"] or f"shipped gate ({options['caution']})",
            )
            self.stdout.write(self.style.SUCCESS(f"gate version {config.pk} ({options['caution']}) is now active"))
            return
        oos_share = options["oos_share"]
        if oos_share is not None and not 0.0 < oos_share < 1.0:
            raise CommandError("--oos-share must be between 0 and 1")
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
            if oos_share is None:
                oos_share = oos_share_from(cases, settings.GATE_OOS_SHARE)
        for path in options["cases"]:
            try:
                cases += cases_split(cases_read(path), options["split"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
        if not cases:
            raise CommandError("no cases")
        oos_share = settings.GATE_OOS_SHARE if oos_share is None else oos_share
        with tqdm(total=len(cases), desc="cases", unit="case", disable=options["verbosity"] < 1) as bar:
            observed = observe(cases, progress=bar.update)
        if options["save_observations"]:
            options["save_observations"].write_text(json.dumps(observed_dump(observed)), encoding="utf-8")
        pooled = list(observed)
        for path in options["observations"]:
            try:
                pooled += observed_load(json.loads(path.read_text(encoding="utf-8")), path.stem)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path}: not an observations file ({exc})") from exc
        live = GateConfig.objects.filter(is_active=True).first()
        recalibrate = options["recalibrate"] or (
            options["from_turns"] and live is not None and live.kind == "logistic" and "answer" in live.parameters
        )
        if recalibrate:
            models = live.parameters if live is not None and "answer" in live.parameters else shipped()
            parameters, table = recalibrate_gate(models, pooled, oos_share=oos_share, caution=options["caution"])
            self.stdout.write(f"models kept (gate version {live.pk if live else '-'}); recalibrated on these cases")
        else:
            parameters, table = calibrate(
                pooled, oos_share=oos_share, caution=options["caution"], folds=options["folds"]
            )
        self.stdout.write(
            f"{len(pooled)} cases ({sum(not o.case.answerable for o in pooled)} out of scope), weighted to an "
            f"out-of-scope share of {oos_share:.2f}; caution {options['caution']}: a wrong answer costs "
            f"{CAUTION_LEVELS[options['caution']]:g} phone calls, a choice 0.25"
        )
        self.write_table(table, parameters)
        chosen = parameters["thresholds"]
        summary = parameters["levels"][options["caution"]]["estimate"]
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
                + [str(path) for path in options["observations"]]
                + ([f"labelled turns, last {options['months']} months"] if proposal else []),
                "split": options["split"],
                "n": len(pooled),
                "oos_share": oos_share,
                "caution": options["caution"],
                "folds": options["folds"],
                "recalibrated": bool(recalibrate),
                "chosen": summary,
                "table": table,
            },
            note=options["note"]
            or (
                f"proposed from {len(cases)} labelled turns (last {options['months']} months)"
                if proposal
                else f"calibrate_gate on {len(pooled)} cases"
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

    def write_table(self, table: list[dict[str, float]], parameters: dict[str, Any]) -> None:
        self.stdout.write("\n".join(table_lines(table, parameters["thresholds"]["answer"])))

    def _before_after(self, cases: list[Any], parameters: dict[str, Any], estimate: dict[str, Any]) -> dict[str, Any]:
        """The labelled questions asked through the pipeline with the live gate and with the proposal (no turn is
        logged). The proposal was fitted on these questions, so its own figures flatter it: the out-of-fold
        estimate is printed beside them."""
        before = evaluate_cases(cases, log=False, judge=False)
        candidate = GateConfig(kind="logistic", parameters=parameters)
        after = evaluate_cases(cases, log=False, judge=False, config=PipelineConfig(gate=candidate))
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

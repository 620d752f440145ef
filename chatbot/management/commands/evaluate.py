import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from chatbot.gate.observations import cases_read, cases_split
from chatbot.models import RunTrigger
from chatbot.pipeline import PipelineConfig
from chatbot.quality.evalruns import evaluation_run
from chatbot.quality.evaluation import evaluate_cases
from chatbot.quality.golden import golden_cases


class Command(BaseCommand):
    help = (
        "Ask every case of a JSONL case file (CONTRACTS section 3) through the answer pipeline and print "
        "retrieval and gate measures; with --json, one JSON object on the last line. Turns are logged "
        "with channel 'eval' unless --no-log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=Path, metavar="FILE", nargs="+")
        parser.add_argument(
            "--golden", action="store_true", help="Evaluate the golden set in the database (its cases in use)."
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            metavar="TAG",
            help="With --golden, only the cases with this tag (repeat for several, all must match).",
        )
        parser.add_argument(
            "--split", choices=["all", "odd", "even"], default="all", help="Use every case, or every other line."
        )
        parser.add_argument(
            "--lang", choices=["ja", "en"], help="Only the cases in this language (their 'lang'; Japanese when unset)."
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-log", action="store_true", help="Write no turn rows.")
        parser.add_argument(
            "--prompt-version",
            type=int,
            metavar="N",
            help="Compose LLM replies with this prompt version instead of the active one (LLM configured only).",
        )
        parser.add_argument(
            "--store",
            action="store_true",
            help="Store the results on the prompt version (shown in admin to compare versions).",
        )
        parser.add_argument("--no-judge", action="store_true", help="Do not grade LLM replies with the LLM judge.")
        parser.add_argument(
            "--save",
            action="store_true",
            help="Keep the run, its configuration and every case's result in the history of evaluation runs (admin).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["cases"]) == bool(options["golden"]):
            raise CommandError("give either --cases FILE ... or --golden")
        if options["tag"] and not options["golden"]:
            raise CommandError("--tag selects cases of the golden set: use it with --golden")
        try:
            cases = []
            for path in options["cases"] or []:
                cases += cases_split(cases_read(path), options["split"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["golden"]:
            cases = cases_split(golden_cases(options["tag"]), options["split"])
        if options["lang"]:
            cases = [case for case in cases if (case.lang or "ja") == options["lang"]]
        if not cases:
            raise CommandError(
                "the golden set has no cases in use" + (" with these tags" if options["tag"] else "")
                if options["golden"]
                else "no cases"
            )
        from chatbot.llm.composer import prompt_in_use
        from chatbot.models import PromptVersion

        version = None
        if options["prompt_version"] is not None:
            version = PromptVersion.objects.filter(pk=options["prompt_version"]).first()
            if version is None:
                raise CommandError(f"There is no prompt version {options['prompt_version']}.")
        config = PipelineConfig(prompt=version)
        with tqdm(total=len(cases), desc="cases", unit="case", disable=options["verbosity"] < 1) as bar:
            if options["save"]:
                label = (
                    "golden set"
                    if options["golden"]
                    else " ".join(path.name for path in options["cases"])
                    + (f" ({options['split']})" if options["split"] != "all" else "")
                )
                run = evaluation_run(
                    cases,
                    trigger=RunTrigger.COMMAND,
                    label=label,
                    tags=options["tag"],
                    log=not options["no_log"],
                    judge=not options["no_judge"],
                    progress=bar.update,
                    config=config,
                )
                metrics = run.metrics
                self.stderr.write(f"saved as evaluation run {run.pk}")
            else:
                metrics = evaluate_cases(
                    cases,
                    log=not options["no_log"],
                    progress=bar.update,
                    judge=not options["no_judge"],
                    config=config,
                )
            used = version or prompt_in_use()
        if options["store"]:
            if used is None:
                raise CommandError("No prompt version to store the results on.")
            used.evaluation = {
                "at": timezone.now().isoformat(timespec="seconds"),
                "cases": [str(path) for path in options["cases"]]
                if options["cases"]
                else ["golden set", *options["tag"]],
                "split": options["split"],
                "metrics": metrics,
            }
            used.save(update_fields=["evaluation"])
        if options["json"]:
            self.stdout.write(json.dumps(metrics, ensure_ascii=False))
            return
        for key, value in metrics.items():
            self.stdout.write(f"{key:>18}  {value}")

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from chatbot.calibration import cases_read, cases_split
from chatbot.evaluation import evaluate_cases


class Command(BaseCommand):
    help = (
        "Ask every case of a JSONL case file (CONTRACTS section 3) through the answer pipeline and print "
        "retrieval and gate measures; with --json, one JSON object on the last line. Turns are logged "
        "with channel 'eval' unless --no-log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=Path, required=True, metavar="FILE", nargs="+")
        parser.add_argument(
            "--split", choices=["all", "odd", "even"], default="all", help="Use every case, or every other line."
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-log", action="store_true", help="Write no turn rows.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cases = []
            for path in options["cases"]:
                cases += cases_split(cases_read(path), options["split"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not cases:
            raise CommandError("no cases")
        with tqdm(total=len(cases), desc="cases", unit="case", disable=options["verbosity"] < 1) as bar:
            metrics = evaluate_cases(cases, log=not options["no_log"], progress=bar.update)
        if options["json"]:
            self.stdout.write(json.dumps(metrics, ensure_ascii=False))
            return
        for key, value in metrics.items():
            self.stdout.write(f"{key:>18}  {value}")

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chatbot.quality.golden import cases_export


class Command(BaseCommand):
    help = "Write the golden set's cases in use as JSONL (CONTRACTS section 3, with each case's tags)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, metavar="FILE", help="Write to this file instead of the output.")
        parser.add_argument(
            "--tag", action="append", default=[], metavar="TAG", help="Only cases with this tag (repeatable)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = cases_export(options["tag"])
        if options["out"]:
            options["out"].write_text(text, encoding="utf-8")
            self.stderr.write(f"{text.count(chr(10))} cases written to {options['out']}")
        else:
            self.stdout.write(text, ending="")

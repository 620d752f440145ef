from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.models import GoldenCase
from chatbot.quality.golden import GoldenSetError, cases_import


class Command(BaseCommand):
    help = (
        "Import case files (JSONL, CONTRACTS section 3) into the golden set, all or nothing: every relevant id "
        "must name an FAQ of this installation. A case id already in the set is updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", type=Path, nargs="+", metavar="FILE")
        parser.add_argument(
            "--tag", action="append", default=[], metavar="TAG", help="Add this tag to every imported case."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the golden set has cases already (make run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and GoldenCase.objects.exists():
            self.stdout.write("the golden set has cases; nothing to do")
            return
        try:
            counts = cases_import(options["files"], tags=options["tag"])
        except GoldenSetError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"golden set: {counts['created']} cases added, {counts['updated']} updated")

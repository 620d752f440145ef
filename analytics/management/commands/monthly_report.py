from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.months import parse_month
from analytics.report.contents import build
from analytics.report.formats import FORMATS, render


class Command(BaseCommand):
    help = (
        "Write the monthly report (summary, charts, top unanswered questions, per-department table, FAQ changes) "
        "as XLSX, CSV (UTF-8 with BOM) or PDF. Aggregates the month first if it never was."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, metavar="YYYY-MM")
        parser.add_argument("--format", choices=FORMATS, default=None, help="Default: from the --out file's suffix.")
        parser.add_argument("--out", required=True, type=Path, metavar="PATH")
        parser.add_argument("--refresh", action="store_true", help="Recompute the month before writing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = parse_month(options["month"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        out: Path = options["out"]
        fmt = options["format"] or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(f"Choose --format {'|'.join(FORMATS)} (or an --out file ending in one of them).")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        if options["refresh"]:
            from analytics.aggregation import aggregate_month

            aggregate_month(month)
        data = render(build(month), fmt)
        out.write_bytes(data)
        self.stdout.write(f"{out} ({fmt}, {len(data):,} bytes)")

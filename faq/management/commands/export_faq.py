import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from faq.exporting import FaqExportError, faq_export_bytes
from faq.fileformats import EXTENSIONS, FORMATS
from faq.models import Department, Faq, FaqStatus


class Command(BaseCommand):
    help = (
        "Export FAQs in the import format (CSV with a UTF-8 BOM for Excel, TSV, JSON or JSONL), "
        "English texts included. "
        "The file imports back unchanged with import_faq."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Output file, or - for standard output.")
        parser.add_argument("--format", choices=FORMATS, help="Format (default: from the extension, else csv).")
        parser.add_argument(
            "--status",
            choices=[*FaqStatus.values, "all"],
            default="all",
            help="Only FAQs with this status (default: all).",
        )
        parser.add_argument("--department", metavar="NAME", help="Only this department's FAQs (name or code).")
        parser.add_argument(
            "--encoding",
            help=(
                "utf-8, utf-8-sig or cp932 (Shift_JIS) (default: utf-8-sig for CSV/TSV, utf-8 for JSON/JSONL). "
                "cp932 fails, writing nothing, if a text has a character CP932 cannot carry."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target: str = options["path"]
        fmt = options["format"] or EXTENSIONS.get(Path(target).suffix.lower(), "csv")
        faqs = Faq.objects.all()
        if options["status"] != "all":
            faqs = faqs.filter(status=options["status"])
        if options["department"]:
            name = options["department"]
            department = Department.objects.filter(name=name).first() or Department.objects.filter(code=name).first()
            if department is None:
                raise CommandError(_("unknown department '%(name)s'") % {"name": name})
            faqs = faqs.filter(department=department)
        try:
            data = faq_export_bytes(faqs, fmt=fmt, encoding=options["encoding"])
        except FaqExportError as exc:
            raise CommandError(str(exc)) from exc
        if target == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            Path(target).write_bytes(data)
            self.stderr.write(
                self.style.SUCCESS(
                    _("%(count)d FAQ(s) written to %(path)s (%(fmt)s)")
                    % {"count": faqs.count(), "path": target, "fmt": fmt}
                )
            )

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from faq.fileformats import FORMATS
from faq.importing import FaqImportError, ImportOptions, ImportReport, import_faq_file


class Command(BaseCommand):
    help = (
        "Import FAQs from CSV/TSV (UTF-8, UTF-8 with BOM or CP932), JSON or JSONL. "
        "All or nothing: if any row is invalid nothing is written (unless --skip-invalid), "
        "and each problem is reported as 'line N: reason'. Exit status 1 on validation errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="File to import.")
        parser.add_argument("--format", choices=FORMATS, help="File format (default: from the extension).")
        parser.add_argument("--encoding", help="Force the encoding: utf-8, utf-8-sig or cp932 (default: detect).")
        parser.add_argument("--publish", action="store_true", help="Publish the imported FAQs (default: drafts).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the valid rows and list the invalid ones."
        )
        parser.add_argument(
            "--create-departments", action="store_true", help="Create departments that are not in the directory."
        )
        parser.add_argument("--department-default", metavar="NAME", help="Department for rows that name none.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        import_options = ImportOptions(
            publish=options["publish"],
            dry_run=options["dry_run"],
            skip_invalid=options["skip_invalid"],
            create_departments=options["create_departments"],
            department_default=options["department_default"],
            reason=f"import_faq {path.name}",
        )
        try:
            report = import_faq_file(
                path=path, fmt=options["format"], encoding=options["encoding"], options=import_options
            )
        except FaqImportError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self._print(report, verbosity=options["verbosity"])
        if report.errors and not import_options.skip_invalid:
            raise CommandError(
                _("%(count)d invalid row(s); nothing was written.") % {"count": len(report.errors)}, returncode=1
            )

    def _print(self, report: ImportReport, *, verbosity: int) -> None:
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(_("warning: %(msg)s") % {"msg": warning}))
        for error in report.errors:
            self.stderr.write(str(error))
        summary = _(
            "%(rows)d row(s) read (%(enc)s): %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(invalid)d invalid"
        ) % {
            "rows": report.rows,
            "enc": report.encoding,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "invalid": len(report.errors),
        }
        if report.created_departments:
            summary += _("; new departments: %(names)s") % {"names": ", ".join(report.created_departments)}
        if report.created_categories and verbosity >= 2:
            summary += _("; new categories: %(names)s") % {"names": ", ".join(report.created_categories)}
        if report.dry_run:
            summary = _("dry run: %(summary)s (nothing written)") % {"summary": summary}
        elif report.errors and report.written:
            summary += _(" (invalid rows skipped)")
        style = self.style.SUCCESS if not report.errors else self.style.WARNING
        self.stdout.write(style(summary))

"""Import the town's FAQ list (CONTRACTS.md section 1): all or nothing.

Every row is checked and written inside one transaction, each row in its own
savepoint; if any row is invalid the whole import is rolled back unless the
caller asked to skip invalid rows. A dry run does the same work and always
rolls back, so it reports exactly what a real run would.

The English texts (`question_en`, `answer_en`, `alternate_questions_en`) are optional columns: a column the file
does not have leaves that text of an existing FAQ as it is, so a file made before the English texts existed never
blanks them. Where the file has the columns, the English question and answer go together: both filled sets them,
both empty removes them, one without the other is a row error.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from faq import fileformats
from faq.fileformats import FileFormatError
from faq.models import ALTERNATE_SEPARATOR, Category, Department, Faq, FaqStatus
from faq.retrieval.index import index_sync_on_commit
from faq.services import category_get_or_create, department_create, faq_save
from faq.spreadsheet import restore

COLUMNS = (
    "external_id",
    "question",
    "answer",
    "department",
    "category",
    "alternate_questions",
    "question_en",
    "answer_en",
    "alternate_questions_en",
    "source_url",
    "valid_from",
    "valid_until",
    "review_by",
)
DATE_COLUMNS = ("valid_from", "valid_until", "review_by")
TEXT_COLUMNS = ("external_id", "question", "answer", "department", "category", "source_url", "question_en", "answer_en")
ENGLISH_COLUMNS = ("question_en", "answer_en", "alternate_questions_en")
# ISO dates, and the slash form Excel writes back when it re-saves them.
DATE_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


class FaqImportError(Exception):
    """The file cannot be imported at all (too large, undecodable, no header...)."""


@dataclass
class ImportOptions:
    publish: bool = False
    dry_run: bool = False
    skip_invalid: bool = False
    create_departments: bool = False
    department_default: str | None = None
    reason: str = ""


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created_departments: list[str] = field(default_factory=list)
    created_categories: list[str] = field(default_factory=list)
    encoding: str = ""
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _same_in_cp932(stored: Any, value: Any) -> Any:
    """The stored text where the file's differs only by the CP932 form of a character (〜 exported as ～): a round
    trip through Shift_JIS changes nothing."""
    if isinstance(stored, str) and isinstance(value, str) and stored != value:
        return stored if fileformats.cp932_form(stored) == fileformats.cp932_form(value) else value
    if isinstance(stored, list) and isinstance(value, list) and stored != value and len(stored) == len(value):
        same = all(
            isinstance(a, str) and isinstance(b, str) and fileformats.cp932_form(a) == fileformats.cp932_form(b)
            for a, b in zip(stored, value, strict=True)
        )
        return stored if same else value
    return value


class _RowInvalid(Exception):
    pass


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _RowInvalid(_("'%(key)s' must be text") % {"key": key})
    return str(value).strip()


def _date(row: dict[str, Any], key: str) -> datetime.date | None:
    raw = _text(row, key)
    if not raw:
        return None
    match = DATE_RE.match(raw)
    try:
        if match is None:
            raise ValueError(raw)
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _RowInvalid(
            _("%(key)s '%(value)s' is not a date in YYYY-MM-DD form") % {"key": key, "value": raw[:40]}
        ) from None


def _alternates(row: dict[str, Any], key: str = "alternate_questions") -> list[str]:
    value = row.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = value.split(ALTERNATE_SEPARATOR)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    elif key == "alternate_questions_en":
        raise _RowInvalid(_("'alternate_questions_en' must be a list of texts or texts separated by '|'"))
    else:
        raise _RowInvalid(_("'alternate_questions' must be a list of texts or texts separated by '|'"))
    return [item.strip() for item in items if item.strip()]


def _english(row: dict[str, Any]) -> dict[str, Any]:
    """The English texts this row sets: only those whose column (CSV/TSV) or key (JSON) it has.

    A JSON null or an empty cell in a present column counts as empty. The question and answer are read as a pair
    (a row with only one of the two columns has the other empty): both filled or both empty.
    """
    values: dict[str, Any] = {}
    if "question_en" in row or "answer_en" in row:
        question_en, answer_en = _text(row, "question_en"), _text(row, "answer_en")
        if bool(question_en) != bool(answer_en):
            given, empty = ("question_en", "answer_en") if question_en else ("answer_en", "question_en")
            raise _RowInvalid(
                _(
                    "'%(given)s' is filled but '%(empty)s' is empty: "
                    "give both the English question and answer, or neither"
                )
                % {"given": given, "empty": empty}
            )
        values |= {"question_en": question_en, "answer_en": answer_en}
    if "alternate_questions_en" in row:
        values["alternate_questions_en"] = _alternates(row, "alternate_questions_en")
    return values


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for name, errors in error.message_dict.items():
            for message in errors:
                parts.append(message if name == "__all__" else f"{name}: {message}")
        return "; ".join(parts)
    return "; ".join(error.messages)


class _Importer:
    def __init__(self, options: ImportOptions, report: ImportReport) -> None:
        self.options = options
        self.report = report
        self.departments: dict[str, Department] = {}
        for department in Department.objects.all():
            self.departments[department.name] = department
            self.departments.setdefault(department.code, department)
        self.categories = {category.name: category for category in Category.objects.all()}
        self.seen_ids: dict[str, int] = {}
        self.written_ids: list[int] = []

    def department(self, name: str, created: list[str]) -> Department | None:
        name = name or (self.options.department_default or "")
        if not name:
            return None
        if name in self.departments:
            return self.departments[name]
        if not self.options.create_departments:
            raise _RowInvalid(
                _("unknown department '%(name)s' (add it to the department directory or use --create-departments)")
                % {"name": name}
            )
        code = f"D{Department.objects.count() + 1:03d}"
        while Department.objects.filter(code=code).exists():
            code = f"{code}X"
        department = Department(code=code, name=name, sort_order=1000)
        try:
            department_create(department=department)
        except ValidationError as exc:
            raise _RowInvalid(_("department '%(name)s': %(err)s") % {"name": name, "err": _messages(exc)}) from exc
        created.append(name)
        return department

    def category(self, name: str, created: list[str]) -> Category | None:
        if not name:
            return None
        if name not in self.categories:
            try:
                category, was_created = category_get_or_create(name=name)
            except ValidationError as exc:
                raise _RowInvalid(_("category '%(name)s': %(err)s") % {"name": name, "err": _messages(exc)}) from exc
            if was_created:
                created.append(name)
        else:
            category = self.categories[name]
        return category

    def row(self, line: int, row: dict[str, Any]) -> str:
        """Write one row; returns 'created', 'updated' or 'unchanged'."""
        if "__error__" in row:
            raise _RowInvalid(row["__error__"])
        for key in TEXT_COLUMNS:
            _text(row, key)
        question, answer = _text(row, "question"), _text(row, "answer")
        if not question:
            raise _RowInvalid(_("'question' is empty"))
        if not answer:
            raise _RowInvalid(_("'answer' is empty"))
        external_id = _text(row, "external_id") or None
        if external_id is not None:
            if external_id in self.seen_ids:
                raise _RowInvalid(
                    _("external_id '%(id)s' already appears on line %(line)d")
                    % {"id": external_id, "line": self.seen_ids[external_id]}
                )
            self.seen_ids[external_id] = line
        dates = {key: _date(row, key) for key in DATE_COLUMNS}
        if dates["valid_from"] and dates["valid_until"] and dates["valid_until"] < dates["valid_from"]:
            raise _RowInvalid(
                _("valid_until (%(until)s) is before valid_from (%(from)s)")
                % {"until": dates["valid_until"], "from": dates["valid_from"]}
            )
        new_departments: list[str] = []
        new_categories: list[str] = []
        values: dict[str, Any] = {
            "question": question,
            "answer": answer,
            "alternate_questions": _alternates(row),
            **_english(row),
            "department": self.department(_text(row, "department"), new_departments),
            "category": self.category(_text(row, "category"), new_categories),
            "source_url": _text(row, "source_url"),
            **dates,
        }
        faq = Faq.objects.filter(external_id=external_id).first() if external_id else None
        outcome = "updated"
        if faq is None:
            faq = Faq(external_id=external_id, status=FaqStatus.DRAFT)
            outcome = "created"
        before = {key: getattr(faq, key) for key in values} | {"status": faq.status}
        for key, value in values.items():
            setattr(faq, key, _same_in_cp932(before[key], value))
        if self.options.publish:
            faq.status = FaqStatus.PUBLISHED
        after = {key: getattr(faq, key) for key in values} | {"status": faq.status}
        if outcome == "updated" and before == after:
            self._warn_unused_alternates(line, faq, values)
            return "unchanged"
        if faq.status == FaqStatus.PUBLISHED and faq.department is None:
            raise _RowInvalid(
                _("a published FAQ needs a department (fill the 'department' column or give --department-default)")
            )
        try:
            # One index update for every FAQ the import writes, queued when it commits (below).
            faq_save(faq=faq, reason=self.options.reason or None, sync_index=False)
        except ValidationError as exc:
            raise _RowInvalid(_messages(exc)) from exc
        self.written_ids.append(faq.pk)
        for department_name in new_departments:
            self.departments[department_name] = Department.objects.get(name=department_name)
        for category_name in new_categories:
            self.categories[category_name] = Category.objects.get(name=category_name)
        self.report.created_departments += new_departments
        self.report.created_categories += new_categories
        self._warn_unused_alternates(line, faq, values)
        return outcome

    def _warn_unused_alternates(self, line: int, faq: Faq, values: dict[str, Any]) -> None:
        """English alternate questions the row gives to an FAQ without English question and answer are kept, as
        the model allows, but answer nothing until the FAQ has them: say so."""
        if values.get("alternate_questions_en") and not faq.has_english:
            self.report.warnings.append(
                f"line {line}: "
                + _(
                    "'alternate_questions_en' is saved but not used until the FAQ has an English question and "
                    "answer (question_en, answer_en)"
                )
            )


def _check_columns(parsed: fileformats.ParsedFile, fmt: str, report: ImportReport) -> None:
    if fmt in ("csv", "tsv"):
        missing = [name for name in ("question", "answer") if name not in parsed.columns]
        if missing:
            raise FaqImportError(
                "line 1: "
                + _("the header has no column %(missing)s (found: %(found)s)")
                % {"missing": ", ".join(missing), "found": ", ".join(parsed.columns) or "-"}
            )
    unknown = [name for name in parsed.columns if name not in COLUMNS]
    if unknown:
        report.warnings.append(_("ignored unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})


def _restore_cells(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV/TSV row with the apostrophe the export puts before formula-like texts removed (`faq.spreadsheet`)."""
    if "__error__" in row:
        return row
    return {key: restore(value) if isinstance(value, str) else value for key, value in row.items()}


def import_faq_data(*, data: bytes, fmt: str, encoding: str | None = None, options: ImportOptions) -> ImportReport:
    """Validate and write FAQ rows from the bytes of one file."""
    report = ImportReport(dry_run=options.dry_run)
    try:
        parsed = fileformats.parse(data, fmt=fmt, encoding=encoding)
    except FileFormatError as exc:
        raise FaqImportError(str(exc)) from exc
    report.encoding = parsed.encoding
    _check_columns(parsed, fmt, report)
    if not parsed.rows:
        raise FaqImportError(_("the file has no FAQ rows"))
    report.rows = len(parsed.rows)
    rows = [(line, _restore_cells(row)) for line, row in parsed.rows] if fmt in ("csv", "tsv") else parsed.rows
    with transaction.atomic():
        importer = _Importer(options, report)
        for line, row in rows:
            try:
                with transaction.atomic():
                    outcome = importer.row(line, row)
            except _RowInvalid as exc:
                report.errors.append(RowError(line, str(exc)))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        keep = not options.dry_run and (not report.errors or options.skip_invalid)
        if keep:
            # Runs when the import commits, so the index is current when the import returns.
            index_sync_on_commit(importer.written_ids)
        else:
            transaction.set_rollback(True)
    report.written = keep and (report.created + report.updated) > 0
    return report


def import_faq_file(
    *, path: Path, fmt: str | None = None, encoding: str | None = None, options: ImportOptions
) -> ImportReport:
    """Import from a file, refusing files over FAQ_IMPORT_MAX_BYTES before reading them."""
    try:
        size = path.stat().st_size
        chosen = fileformats.format_for_path(path, fmt)
    except FileNotFoundError:
        raise FaqImportError(_("file not found: %(path)s") % {"path": path}) from None
    except FileFormatError as exc:
        raise FaqImportError(str(exc)) from exc
    limit = settings.FAQ_IMPORT_MAX_BYTES
    if size > limit:
        raise FaqImportError(
            _("the file is too large: %(size).1f MB (the limit is %(limit).1f MB, FAQ_IMPORT_MAX_BYTES)")
            % {"size": size / 1_000_000, "limit": limit / 1_000_000}
        )
    return import_faq_data(data=path.read_bytes(), fmt=chosen, encoding=encoding, options=options)

"""Reading FAQ spreadsheets and JSON files into rows with line numbers.

Only parsing lives here; what a row means is decided in `faq.importing`.
"""

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

FORMATS = ("csv", "tsv", "json", "jsonl")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8-sig": "utf-8-sig",
    "cp932": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
}
# A spreadsheet cell longer than this is certainly not an FAQ field.
CSV_FIELD_LIMIT = 1_000_000


class FileFormatError(Exception):
    """The file as a whole cannot be read; the message names the line when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict[str, Any]]]
    encoding: str
    columns: list[str] = field(default_factory=list)


def format_for_path(path: Path, forced: str | None) -> str:
    if forced:
        if forced not in FORMATS:
            raise FileFormatError(_("unknown format '%(fmt)s' (use csv, tsv, json or jsonl)") % {"fmt": forced})
        return forced
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise FileFormatError(
            _("cannot tell the format from the file name '%(name)s'; give --format csv|tsv|json|jsonl")
            % {"name": path.name}
        )
    return fmt


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def codec_for(encoding: str) -> str:
    """The codec for an encoding staff name (utf-8, utf-8-sig, cp932 or an alias such as shift_jis)."""
    codec = ENCODING_ALIASES.get(encoding.strip().lower())
    if codec is None:
        raise FileFormatError(_("unknown encoding '%(enc)s' (use utf-8, utf-8-sig or cp932)") % {"enc": encoding})
    return codec


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or CP932, detected or forced.

    Returns (text, encoding used). Undecodable bytes are reported with the
    line they are on rather than replaced, so nothing is silently garbled.
    """
    if encoding:
        codec = codec_for(encoding)
        try:
            return data.decode(codec).removeprefix("\ufeff"), codec
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                _("bytes that are not valid %(enc)s") % {"enc": codec}, line=_line_of(data, exc.start)
            ) from exc
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                _("bytes that are not valid UTF-8"), line=_line_of(data, exc.start + len(codecs.BOM_UTF8))
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError as cp932_error:
            # The encoding that read further is the one the file was meant to be in.
            raise FileFormatError(
                _("bytes that are neither UTF-8 nor CP932 (Shift_JIS); save the file as UTF-8 or give --encoding"),
                line=_line_of(data, max(utf8_error.start, cp932_error.start)),
            ) from utf8_error


def _parse_delimited(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise FileFormatError(str(exc), line=1) from exc
    columns = [name.strip().lower() for name in header]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise FileFormatError(_("the header names column '%(col)s' twice") % {"col": name}, line=1)
        seen.add(name)
    rows: list[tuple[int, dict[str, Any]]] = []
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FileFormatError(_("unreadable row: %(err)s") % {"err": exc}, line=start) from exc
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(columns):
            extra = values[len(columns) :]
            if any(value.strip() for value in extra):
                rows.append((start, {"__error__": _("the row has more fields than the header")}))
                continue
        row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(columns) if name}
        rows.append((start, row))
    return [c for c in columns if c], rows


def _object_row(obj: Any, line: int) -> tuple[int, dict[str, Any]]:
    if not isinstance(obj, dict):
        return line, {"__error__": _('expected an object with keys such as "question" and "answer"')}
    return line, {str(key).strip().lower(): value for key, value in obj.items()}


def _parse_json(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Parse a JSON list, keeping the line on which each object starts."""
    decoder = json.JSONDecoder()
    index = len(text) - len(text.lstrip())
    if index >= len(text):
        return []
    if text[index] != "[":
        raise FileFormatError(_("a JSON file must hold a list of objects"), line=text.count("\n", 0, index) + 1)
    index += 1
    rows: list[tuple[int, dict[str, Any]]] = []
    line = text.count("\n", 0, index) + 1
    try:
        while True:
            while index < len(text) and text[index] in " \t\r\n":
                index += 1
            if index < len(text) and text[index] == "]":
                break
            line = text.count("\n", 0, index) + 1
            obj, index = decoder.raw_decode(text, index)
            rows.append(_object_row(obj, line))
            while index < len(text) and text[index] in " \t\r\n":
                index += 1
            if index < len(text) and text[index] == ",":
                index += 1
                continue
            if index < len(text) and text[index] == "]":
                break
            raise json.JSONDecodeError("Expecting ',' or ']'", text, index)
    except json.JSONDecodeError as exc:
        raise FileFormatError(_("invalid JSON: %(err)s") % {"err": exc.msg}, line=exc.lineno) from exc
    except RecursionError:
        raise FileFormatError(_("invalid JSON: nested too deeply"), line=line) from None
    return rows


def _parse_jsonl(text: str) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            rows.append((number, {"__error__": _("invalid JSON: %(err)s") % {"err": exc.msg}}))
            continue
        except RecursionError:
            rows.append((number, {"__error__": _("invalid JSON: nested too deeply")}))
            continue
        rows.append(_object_row(obj, number))
    return rows


def parse(data: bytes, *, fmt: str, encoding: str | None = None) -> ParsedFile:
    text, used = decode(data, encoding)
    if fmt in ("csv", "tsv"):
        columns, rows = _parse_delimited(text, "," if fmt == "csv" else "\t")
        return ParsedFile(rows=rows, encoding=used, columns=columns)
    rows = _parse_json(text) if fmt == "json" else _parse_jsonl(text)
    columns = sorted({key for _line, row in rows for key in row if key != "__error__"})
    return ParsedFile(rows=rows, encoding=used, columns=columns)


# Characters whose Japanese Windows (CP932) form is another code point: an export in CP932 writes them in that form
# (〜 WAVE DASH as ～, the character Excel on Windows shows for it), and an import counts the two as the same, so
# the round trip through Shift_JIS changes no text.
CP932_EQUIVALENTS = {"〜": "～", "‖": "∥", "−": "－", "¢": "￠", "£": "￡", "¬": "￢"}
_CP932_FOLD = str.maketrans(CP932_EQUIVALENTS)


def cp932_form(text: str) -> str:
    return text.translate(_CP932_FOLD)

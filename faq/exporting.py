"""Export FAQs in the import format, so that an export imports back unchanged.

In CSV and TSV a text that a spreadsheet would run as a formula is written with a leading apostrophe
(`faq.spreadsheet`); the import removes exactly that apostrophe again. JSON and JSONL carry the texts as they are.

The file is UTF-8 unless CP932 (Shift_JIS, what Excel on Japanese Windows reads without a BOM) is asked for. CP932
cannot carry every character ("é" in "Café", the em dash "—", emoji), and six it carries only as a look-alike ("〜"
comes back as "～", "−" as "－"); an export that would lose or change one fails and names the FAQ, the column and
the character, rather than writing "?" or a different text.
"""

import csv
import io
import json
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from faq.fileformats import FileFormatError, codec_for, cp932_form
from faq.importing import COLUMNS
from faq.models import ALTERNATE_SEPARATOR, Faq
from faq.spreadsheet import neutralise

EXPORT_ENCODINGS = ("utf-8", "utf-8-sig", "cp932")
LIST_COLUMNS = ("alternate_questions", "alternate_questions_en")


class FaqExportError(Exception):
    """The FAQs cannot be written as asked (nothing is written); the message says why and what to do."""


def faq_export_rows(faqs: Iterable[Faq]) -> list[dict[str, Any]]:
    rows = []
    for faq in faqs:
        rows.append(
            {
                "external_id": faq.external_id or "",
                "question": faq.question,
                "answer": faq.answer,
                "department": faq.department.name if faq.department else "",
                "category": faq.category.name if faq.category else "",
                "alternate_questions": list(faq.alternate_questions),
                "question_en": faq.question_en,
                "answer_en": faq.answer_en,
                "alternate_questions_en": list(faq.alternate_questions_en),
                "source_url": faq.source_url,
                "valid_from": faq.valid_from.isoformat() if faq.valid_from else "",
                "valid_until": faq.valid_until.isoformat() if faq.valid_until else "",
                "review_by": faq.review_by.isoformat() if faq.review_by else "",
            }
        )
    return rows


def _unwritable(text: str, codec: str) -> str | None:
    """The first character of `text` that `codec` cannot write so that it reads back the same, or None."""
    try:
        if text.encode(codec).decode(codec) == text:
            return None
    except UnicodeEncodeError:
        pass
    for character in text:
        try:
            if character.encode(codec).decode(codec) != character:
                return character
        except UnicodeEncodeError:
            return character
    return None


def _in_cp932_form(value: Any) -> Any:
    if isinstance(value, str):
        return cp932_form(value)
    if isinstance(value, list):
        return [cp932_form(item) if isinstance(item, str) else item for item in value]
    return value


def _faq_label(faq: Faq) -> str:
    return f"{faq.external_id} (id {faq.pk})" if faq.external_id else f"id {faq.pk}"


def _check_writable(faqs: list[Faq], rows: list[dict[str, Any]], codec: str) -> None:
    for faq, row in zip(faqs, rows, strict=True):
        for column in COLUMNS:
            value = row[column]
            for text in value if isinstance(value, list) else [value]:
                character = _unwritable(text, codec)
                if character is None:
                    continue
                name = unicodedata.name(character, "")
                raise FaqExportError(
                    _(
                        "FAQ %(faq)s, column '%(column)s': the character '%(char)s' (%(code)s) cannot be written in "
                        "CP932 (Shift_JIS) without being lost or changed. Nothing was exported: export in UTF-8 "
                        "(the default, which Excel also opens), or replace the character in the FAQ."
                    )
                    % {
                        "faq": _faq_label(faq),
                        "column": column,
                        "char": character,
                        "code": f"U+{ord(character):04X} {name}".strip(),
                    }
                )


def faq_export_bytes(faqs: QuerySet[Faq], *, fmt: str, encoding: str | None = None) -> bytes:
    """Serialise FAQs in `encoding` (utf-8, utf-8-sig or cp932, or an alias such as shift_jis).

    Without an encoding, CSV and TSV get UTF-8 with a BOM so that Excel shows Japanese correctly, JSON and JSONL
    plain UTF-8. Raises FaqExportError for an unknown encoding and for a text the encoding cannot carry unchanged.
    """
    if fmt not in ("csv", "tsv", "json", "jsonl"):
        raise ValueError(f"unknown export format: {fmt}")
    try:
        codec = codec_for(encoding) if encoding else ("utf-8-sig" if fmt in ("csv", "tsv") else "utf-8")
    except FileFormatError as exc:
        raise FaqExportError(str(exc)) from exc
    ordered = list(faqs.select_related("department", "category").order_by("id"))
    rows = faq_export_rows(ordered)
    if codec == "cp932":
        rows = [{key: _in_cp932_form(value) for key, value in row.items()} for row in rows]
        _check_writable(ordered, rows, codec)
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(
            buffer, fieldnames=COLUMNS, delimiter="," if fmt == "csv" else "\t", lineterminator="\r\n"
        )
        writer.writeheader()
        for row in rows:
            cells = row | {column: ALTERNATE_SEPARATOR.join(row[column]) for column in LIST_COLUMNS}
            writer.writerow({key: neutralise(value) for key, value in cells.items()})
        return buffer.getvalue().encode(codec)
    json_rows = [{key: (value if value != "" else None) for key, value in row.items()} for row in rows]
    if fmt == "json":
        return (json.dumps(json_rows, ensure_ascii=False, indent=2) + "\n").encode(codec)
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in json_rows).encode(codec)

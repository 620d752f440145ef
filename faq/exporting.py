"""Export FAQs in the import format, so that an export imports back unchanged.

In CSV and TSV a text that a spreadsheet would run as a formula is written with a leading apostrophe
(`faq.spreadsheet`); the import removes exactly that apostrophe again. JSON and JSONL carry the texts as they are.
"""

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from faq.importing import COLUMNS
from faq.models import ALTERNATE_SEPARATOR, Faq
from faq.spreadsheet import neutralise


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
                "source_url": faq.source_url,
                "valid_from": faq.valid_from.isoformat() if faq.valid_from else "",
                "valid_until": faq.valid_until.isoformat() if faq.valid_until else "",
                "review_by": faq.review_by.isoformat() if faq.review_by else "",
            }
        )
    return rows


def faq_export_bytes(faqs: QuerySet[Faq], *, fmt: str) -> bytes:
    """Serialise FAQs; CSV and TSV get a UTF-8 BOM so that Excel shows Japanese correctly."""
    rows = faq_export_rows(faqs.select_related("department", "category").order_by("id"))
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(
            buffer, fieldnames=COLUMNS, delimiter="," if fmt == "csv" else "\t", lineterminator="\r\n"
        )
        writer.writeheader()
        for row in rows:
            cells = row | {"alternate_questions": ALTERNATE_SEPARATOR.join(row["alternate_questions"])}
            writer.writerow({key: neutralise(value) for key, value in cells.items()})
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    json_rows = [{key: (value if value != "" else None) for key, value in row.items()} for row in rows]
    if fmt == "json":
        return (json.dumps(json_rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in json_rows).encode("utf-8")
    raise ValueError(f"unknown export format: {fmt}")

"""The sample town B町: department directory, categories and FAQs shipped with the project.

Loading is idempotent: departments are matched by code, categories by name and
FAQs by external_id, so running it again changes nothing that is unchanged.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from faq.importing import ImportOptions, ImportReport, import_faq_data
from faq.models import Category
from faq.services import department_upsert

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_data"


@dataclass
class SampleLoadResult:
    departments_created: int
    categories_created: int
    faqs: ImportReport


def sample_faq_files() -> list[Path]:
    return sorted(SAMPLE_DIR.glob("faqs-*.jsonl"))


@transaction.atomic
def sample_town_load() -> SampleLoadResult:
    departments = json.loads((SAMPLE_DIR / "departments.json").read_text(encoding="utf-8"))
    departments_created = 0
    for order, entry in enumerate(departments):
        fields = {key: value for key, value in entry.items() if key != "code"}
        _department, created = department_upsert(code=entry["code"], defaults=fields | {"sort_order": order * 10})
        departments_created += int(created)
    categories = json.loads((SAMPLE_DIR / "categories.json").read_text(encoding="utf-8"))
    categories_created = 0
    for order, entry in enumerate(categories):
        _category, created = Category.objects.update_or_create(
            name=entry["name"], defaults={"name_en": entry["name_en"], "sort_order": order * 10}
        )
        categories_created += int(created)
    data = b"\n".join(path.read_bytes() for path in sample_faq_files())
    report = import_faq_data(
        data=data,
        fmt="jsonl",
        options=ImportOptions(publish=True, reason="sample town"),
    )
    if report.errors:
        raise ValueError("the sample town's FAQ files are invalid: " + "; ".join(map(str, report.errors[:5])))
    return SampleLoadResult(departments_created, categories_created, report)

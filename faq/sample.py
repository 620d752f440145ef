"""The sample town B町: department directory, categories and FAQs shipped with the project.

Loading adds only what was never loaded: a department (by code) or an FAQ (by external_id) that exists, or
existed once and was deleted (its history says so), is left exactly as staff left it, and so is a category that
exists. Running it again therefore never undoes an edit, a published change request or an added alternate
question. `reset=True` is the explicit way back to the shipped texts: it writes them as new versions (history is
kept, nothing is deleted) and leaves everything staff added themselves alone.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from faq.importing import ImportOptions, ImportReport, import_faq_data
from faq.models import Category, Department, Faq
from faq.retrieval.index import index_sync_on_commit
from faq.services import department_upsert, faq_save

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_data"
# The reasons the sample town's versions carry in their history (machine loads, not a person's change).
LOAD_REASON = "サンプルの町の読み込み"
RESET_REASON = "サンプルの町の初期化"
ENGLISH_REASON = "サンプルの町の英語版の追加"
ENGLISH_FAQ_FIELDS = ("question_en", "answer_en", "alternate_questions_en")
ENGLISH_DEPARTMENT_FIELDS = ("window_en", "hours_en", "closed_days_en")


@dataclass
class SampleLoadResult:
    departments_created: int
    categories_created: int
    faqs: ImportReport
    # Sample rows that were already there (or were deleted by staff) and were left as they are.
    departments_kept: int = 0
    faqs_kept: int = 0
    # Sample rows loaded before the sample town had English, given its English now (see `_english_added`).
    english_added: int = 0
    # ... and those left without it because staff had changed their Japanese text.
    english_skipped: int = 0


def sample_faq_files() -> list[Path]:
    return sorted(SAMPLE_DIR.glob("faqs-*.jsonl"))


def _sample_faq_lines() -> list[tuple[str, bytes]]:
    """(external_id, JSONL line) of every sample FAQ, in file order."""
    lines = []
    for path in sample_faq_files():
        for line in path.read_bytes().splitlines():
            if line.strip():
                lines.append((str(json.loads(line)["external_id"]), line))
    return lines


def _known_faq_ids() -> set[str]:
    """External IDs of every FAQ that exists or ever existed (a deleted FAQ keeps its history)."""
    current = Faq.objects.values_list("external_id", flat=True)
    deleted_or_current = Faq.history.values_list("external_id", flat=True)
    return {str(external_id) for external_id in (*current, *deleted_or_current) if external_id}


def _known_department_codes() -> set[str]:
    codes = set(Department.objects.values_list("code", flat=True))
    codes |= set(Department.history.values_list("code", flat=True))
    return codes


@transaction.atomic
def sample_town_load(*, reset: bool = False) -> SampleLoadResult:
    """Load the sample town once; later calls add only sample rows that were never loaded.

    With `reset`, every shipped department, category and FAQ is written back to the shipped text (a new version
    where it differs); rows staff added themselves are not touched.
    """
    departments: list[dict[str, Any]] = json.loads((SAMPLE_DIR / "departments.json").read_text(encoding="utf-8"))
    known_codes = set() if reset else _known_department_codes()
    departments_created = departments_kept = 0
    for order, entry in enumerate(departments):
        if entry["code"] in known_codes:
            departments_kept += 1
            continue
        fields = {key: value for key, value in entry.items() if key != "code"}
        _department, created = department_upsert(code=entry["code"], defaults=fields | {"sort_order": order * 10})
        departments_created += int(created)

    faq_lines = _sample_faq_lines()
    known_ids = set() if reset else _known_faq_ids()
    new_lines = [line for external_id, line in faq_lines if external_id not in known_ids]
    first_load = reset or len(new_lines) == len(faq_lines)
    wanted_categories = {str(json.loads(line).get("category") or "") for line in new_lines}

    categories: list[dict[str, str]] = json.loads((SAMPLE_DIR / "categories.json").read_text(encoding="utf-8"))
    categories_created = 0
    for order, entry in enumerate(categories):
        if not (first_load or entry["name"] in wanted_categories):
            continue
        defaults = {"name_en": entry["name_en"], "sort_order": order * 10}
        if reset:
            _category, created = Category.objects.update_or_create(name=entry["name"], defaults=defaults)
        else:
            _category, created = Category.objects.get_or_create(name=entry["name"], defaults=defaults)
        categories_created += int(created)

    report = ImportReport()
    if new_lines:
        report = import_faq_data(
            data=b"\n".join(new_lines),
            fmt="jsonl",
            options=ImportOptions(publish=True, reason=RESET_REASON if reset else LOAD_REASON),
        )
        if report.errors:
            raise ValueError("the sample town's FAQ files are invalid: " + "; ".join(map(str, report.errors[:5])))
    english_added, english_skipped = (0, 0) if reset else _english_added(departments, faq_lines)
    return SampleLoadResult(
        departments_created,
        categories_created,
        report,
        departments_kept=departments_kept,
        faqs_kept=len(faq_lines) - len(new_lines),
        english_added=english_added,
        english_skipped=english_skipped,
    )


def _english_added(departments: list[dict[str, Any]], faq_lines: list[tuple[str, bytes]]) -> tuple[int, int]:
    """An installation loaded before the sample town had English gets the shipped English, as a new version, for
    each sample FAQ and department whose Japanese is still the shipped text and whose English fields are empty and
    were never filled (an English text staff wrote, or cleared on purpose, is never touched). Returns how many got
    it, and how many were left without it because staff had changed their Japanese."""
    added = skipped = 0
    for entry in departments:
        department = Department.objects.filter(code=entry["code"]).first()
        if department is None or not all(entry.get(name) for name in ENGLISH_DEPARTMENT_FIELDS):
            continue
        if any(getattr(department, name) for name in ENGLISH_DEPARTMENT_FIELDS):
            continue
        if (department.window, department.hours, department.closed_days) != (
            entry["window"],
            entry["hours"],
            entry["closed_days"],
        ):
            skipped += 1
            continue
        history = Department.history.filter(id=department.pk)
        if any(history.exclude(**{name: ""}).exists() for name in ENGLISH_DEPARTMENT_FIELDS):
            continue
        for name in ENGLISH_DEPARTMENT_FIELDS:
            setattr(department, name, entry[name])
        department._change_reason = ENGLISH_REASON  # type: ignore[attr-defined]
        department.full_clean()
        department.save()
        added += 1
    changed: list[int] = []
    for external_id, line in faq_lines:
        shipped = json.loads(line)
        if not (shipped.get("question_en") and shipped.get("answer_en")):
            continue
        faq = Faq.objects.filter(external_id=external_id).first()
        if faq is None or faq.question_en or faq.answer_en or faq.alternate_questions_en:
            continue
        if (faq.question, faq.answer) != (shipped["question"], shipped["answer"]):
            skipped += 1
            continue
        if Faq.history.filter(id=faq.pk).exclude(question_en="", answer_en="").exists():
            continue
        faq.question_en, faq.answer_en = shipped["question_en"], shipped["answer_en"]
        faq.alternate_questions_en = list(shipped.get("alternate_questions_en") or [])
        faq_save(faq=faq, reason=ENGLISH_REASON, sync_index=False)
        changed.append(faq.pk)
    index_sync_on_commit(changed)
    return added + len(changed), skipped

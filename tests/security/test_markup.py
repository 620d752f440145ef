"""Hostile markup in the monthly report (no browser): CSV and XLSX never carry a live formula, the PDF shows text.

One month (October 2026) holds every string of the markup corpus three ways: residents asked it in the chat
(through the real pipeline; the formulas three times each, so that their groups lead the unanswered list), an
editor titled a published change request with it, and an FAQ question was written with it. The month is
aggregated and the report downloaded from the admin in each format, as a manager would.

Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with = + - @ (or a tab or carriage
return) is evaluated by Excel and LibreOffice when the file is opened. Text from residents and editors must be
written so that it is not: in CSV prefixed (e.g. with an apostrophe), in XLSX stored as a string cell, never as
a formula.
"""

import csv
import datetime
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from openpyxl import load_workbook
from pytest_django import DjangoDbBlocker

from analytics.aggregation import aggregate_month
from analytics.report.contents import CLUSTER_HEADER
from changeflow import services as changeflow
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind
from chatbot.gate import DEFAULT_THRESHOLDS
from chatbot.models import Channel, GateConfig
from chatbot.pipeline import turn_ask
from faq.retrieval import vectorstore
from faq.retrieval.snapshot import forget_loaded_index
from faq.selectors import today_local
from tests.analytics.support import jst
from tests.changeflow.conftest import editor_create
from tests.factories import DepartmentFactory, FaqFactory, StaffUserFactory
from tests.faq.retrieval.conftest import town_create
from tests.security.support_markup import FORMULA_START, FORMULAS, MARKUP_CORPUS, HostileMarkup

OCTOBER = datetime.date(2026, 10, 1)
FORMATS = ("csv", "xlsx", "pdf")
PDFTOTEXT = Path("/usr/bin/pdftotext")


def moment_of(day: int) -> datetime.datetime:
    return jst(2026, 10, 1 + day % 28, 9 + day % 8, day % 50)


def month_create() -> None:
    """October 2026 with the corpus in questions, change request titles and FAQ questions."""
    town = town_create()
    DepartmentFactory.create(code="SOGO", name="総合案内", phone="0000-11-1000", is_general_reception=True)
    if not GateConfig.objects.filter(is_active=True).exists():
        GateConfig.objects.create(kind="thresholds", is_active=True, parameters=dict(DEFAULT_THRESHOLDS))
    department = town["R-001"].department
    assert department is not None
    editor = editor_create(department, "markup_editor")
    reviewer = StaffUserFactory.create(username="markup_reviewer")
    for day, item in enumerate(MARKUP_CORPUS):
        with time_machine.travel(moment_of(day), tick=False):
            faq = FaqFactory.create(department=department, question=item.text, answer=f"{item.id} の回答です。")
            change = changeflow.change_create(
                user=editor,
                kind=ChangeKind.FREE_TEXT,
                department=department,
                title=item.text,
                effective_date=today_local(),
                reason="案内文の修正",
                items=[ItemDraft(faq, faq.question, f"{item.id} の新しい回答です。")],
                submit=True,
            )
            changeflow.change_approve(change=change, user=reviewer, comment="確認済み")
    for day, item in enumerate(MARKUP_CORPUS):
        for repeat in range(3 if item.kind == "formula" else 1):
            with time_machine.travel(moment_of(day) + datetime.timedelta(minutes=repeat + 1), tick=False):
                turn_ask(question=item.text, channel=Channel.WEB)
    with time_machine.travel(jst(2026, 11, 5), tick=False):
        aggregate_month(OCTOBER)


@pytest.fixture(scope="module")
def downloads(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[int, bytes]]:
    """The month's report in every format, downloaded from the admin; the data is rolled back afterwards."""
    chroma = tmp_path_factory.mktemp("markup-chroma")
    reports: dict[str, tuple[int, bytes]] = {}
    with django_db_blocker.unblock(), override_settings(CHROMA_PATH=chroma, CHROMA_HOST=""):
        forget_loaded_index()
        try:
            with transaction.atomic():
                month_create()
                client = Client()
                client.force_login(User.objects.create_superuser("markup-admin", "markup-admin@example.jp", "pw-1"))
                for fmt in FORMATS:
                    response = client.get(f"/admin/analytics/monthlyaggregate/report/2026-10.{fmt}")
                    reports[fmt] = (response.status_code, response.content)
                transaction.set_rollback(True)
        finally:
            forget_loaded_index()
            vectorstore.forget_client(chroma)
    return reports


def downloaded(downloads: dict[str, tuple[int, bytes]], fmt: str) -> bytes:
    status, content = downloads[fmt]
    assert status == 200, f"the {fmt} report could not be downloaded ({status})"
    return content


def holding(cells: list[str], item: HostileMarkup) -> list[str]:
    return [cell for cell in cells if item.text in cell]


def test_the_markup_corpus_has_more_than_30_strings_of_every_kind() -> None:
    kinds = {item.kind for item in MARKUP_CORPUS}

    assert len(MARKUP_CORPUS) >= 30
    assert len({item.text for item in MARKUP_CORPUS}) == len(MARKUP_CORPUS)
    assert kinds == {"html", "breakout", "style", "markdown", "entity", "template", "pdf", "formula"}
    assert {item.text[0] for item in FORMULAS} == {"=", "+", "-", "@"}


@pytest.mark.django_db  # the test database must exist for the module's data
def test_csv_report_writes_every_formula_as_text(downloads: dict[str, tuple[int, bytes]]) -> None:
    rows = list(csv.reader(io.StringIO(downloaded(downloads, "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    hostile = [cell for cell in cells if any(item.text in cell for item in MARKUP_CORPUS)]
    groups = rows[rows.index(CLUSTER_HEADER) + 1 :]
    representatives = [row[1] for row in groups[: groups.index([])]]

    # Every formula reached the file (as a change title and an FAQ question; residents' ones lead the groups) ...
    assert all(len(holding(cells, item)) >= 2 for item in FORMULAS), [
        (item.id, holding(cells, item)) for item in FORMULAS
    ]
    assert sum(1 for text in representatives if any(item.text in text for item in FORMULAS)) >= 2, representatives
    # ... and none of the cells holding text from residents or editors starts a formula.
    live = [cell for cell in hostile if cell.startswith(FORMULA_START)]
    assert live == [], f"{len(live)} of {len(hostile)} cells would be evaluated by Excel: {live[:12]}"


@pytest.mark.django_db  # the test database must exist for the module's data
def test_xlsx_report_stores_every_formula_as_a_string(downloads: dict[str, tuple[int, bytes]]) -> None:
    xlsx = downloaded(downloads, "xlsx")
    book = load_workbook(io.BytesIO(xlsx))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    texts = [str(cell.value) for cell in cells if cell.value is not None]

    assert all(len(holding(texts, item)) >= 2 for item in FORMULAS), {
        item.id: len(holding(texts, item)) for item in FORMULAS
    }
    formulas = [f"{cell.parent.title}!{cell.coordinate}: {cell.value}" for cell in cells if cell.data_type == "f"]
    assert formulas == [], f"{len(formulas)} cells are live formulas: {formulas[:12]}"
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = {name: archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")}
    assert sheets
    assert [name for name, xml in sheets.items() if re.search(r"<f[ >]", xml)] == []


@pytest.mark.django_db  # the test database must exist for the module's data
def test_pdf_report_renders_hostile_text_as_text(downloads: dict[str, tuple[int, bytes]], tmp_path: Path) -> None:
    pdf = downloaded(downloads, "pdf")
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    assert PDFTOTEXT.exists(), "pdftotext (poppler-utils) is missing: run `make browser`"
    text = subprocess.run(
        [str(PDFTOTEXT), "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    squeezed = re.sub(r"\s+", "", text)

    # Each string is printed as the characters it is made of (the change titles and FAQ questions list them all).
    missing = [item.id for item in MARKUP_CORPUS if re.sub(r"\s+", "", item.text) not in squeezed]
    assert missing == []
    # Nothing in the file acts: no script, no link or launch action, no embedded file or image from the text.
    for marker in (rb"/JavaScript", rb"/JS\s*[(<]", rb"/Launch", rb"/URI", rb"/OpenAction", rb"/AA\s*<<", rb"/Annots"):
        assert not re.search(marker, pdf), marker
    assert not re.search(rb"/EmbeddedFiles?\b", pdf)

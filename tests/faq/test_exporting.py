"""Export in the import format: an export imports back unchanged."""

import codecs
import csv
import datetime
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from faq.exporting import faq_export_bytes, faq_export_rows
from faq.importing import ImportOptions, import_faq_data
from faq.models import Faq, FaqStatus
from tests.factories import CategoryFactory, FaqFactory

pytestmark = pytest.mark.django_db

CONTRACT_COLUMNS = [
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
]


@pytest.fixture
def varied_faqs(kankyo, jumin) -> list[Faq]:
    """FAQs with every kind of value an export has to carry: quotes, commas, line breaks, tabs, dates, none."""
    gomi = CategoryFactory(name="ごみ・リサイクル", name_en="Garbage")
    return [
        FaqFactory.create(
            external_id="K-1",
            question="粗大ごみ（ソファ、タンスなど）を出したい。",
            answer='申し込みは電話で。\n料金は「品目ごと」に決まっています、"シール"を貼ってください。\r\n以上です。',
            alternate_questions=["大型ごみを出したい", "ソファを捨てたい"],
            question_en="I want to put out oversized garbage (sofa, chest, etc.).",
            answer_en='Apply by phone.\nThe fee depends on the "item", put the sticker on.\r\nThat is all.',
            alternate_questions_en=["Large garbage", "How do I throw away a sofa?"],
            department=kankyo,
            category=gomi,
            source_url="https://b-town.example/faq/k-1",
            valid_from=datetime.date(2026, 4, 1),
            valid_until=datetime.date(2027, 3, 31),
            review_by=datetime.date(2026, 12, 31),
        ),
        FaqFactory.create(
            external_id="J-1",
            question="住民票の写しを取りたい。",
            answer="住民課\tの窓口で請求できます。",
            department=jumin,
            category=None,
        ),
        FaqFactory.create(
            external_id="D-1",
            question="下書きの質問",
            answer="担当課未定",
            department=None,
            category=None,
            status=FaqStatus.DRAFT,
        ),
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_faq_export_bytes_imports_back_identical_into_empty_table(varied_faqs, fmt):
    before = faq_export_rows(Faq.objects.select_related("department", "category").order_by("id"))
    data = faq_export_bytes(Faq.objects.all(), fmt=fmt)
    Faq.objects.all().delete()

    report = import_faq_data(data=data, fmt=fmt, options=ImportOptions())

    assert (report.created, report.errors) == (3, [])
    after = faq_export_rows(Faq.objects.select_related("department", "category").order_by("id"))
    assert after == before
    assert faq_export_bytes(Faq.objects.all(), fmt=fmt) == data


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_faq_export_bytes_reimport_over_same_faqs_is_unchanged(varied_faqs, fmt):
    data = faq_export_bytes(Faq.objects.all(), fmt=fmt)
    history_before = Faq.history.count()

    report = import_faq_data(data=data, fmt=fmt, options=ImportOptions())

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 3, [])
    assert Faq.history.count() == history_before


def test_faq_export_bytes_csv_has_bom_and_contract_header(varied_faqs):
    data = faq_export_bytes(Faq.objects.all(), fmt="csv")

    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == CONTRACT_COLUMNS
    assert len(rows) == 4
    assert rows[1][CONTRACT_COLUMNS.index("alternate_questions")] == "大型ごみを出したい|ソファを捨てたい"
    assert rows[1][CONTRACT_COLUMNS.index("valid_from")] == "2026-04-01"
    assert rows[1][CONTRACT_COLUMNS.index("department")] == "環境課"
    assert rows[1][CONTRACT_COLUMNS.index("question_en")] == "I want to put out oversized garbage (sofa, chest, etc.)."
    assert rows[1][CONTRACT_COLUMNS.index("alternate_questions_en")] == "Large garbage|How do I throw away a sofa?"
    assert rows[2][CONTRACT_COLUMNS.index("question_en")] == ""


def test_faq_export_bytes_tsv_has_bom_and_contract_header(varied_faqs):
    data = faq_export_bytes(Faq.objects.all(), fmt="tsv")

    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").split("\r\n")[0] == "\t".join(CONTRACT_COLUMNS)


def test_faq_export_bytes_json_is_list_with_contract_keys(varied_faqs):
    rows = json.loads(faq_export_bytes(Faq.objects.all(), fmt="json"))

    assert isinstance(rows, list)
    assert [list(row) for row in rows] == [CONTRACT_COLUMNS] * 3
    assert rows[0]["alternate_questions"] == ["大型ごみを出したい", "ソファを捨てたい"]
    assert rows[2]["department"] is None
    assert rows[0]["alternate_questions_en"] == ["Large garbage", "How do I throw away a sofa?"]
    assert (rows[1]["question_en"], rows[1]["answer_en"], rows[1]["alternate_questions_en"]) == (None, None, [])
    assert "粗大ごみ" in faq_export_bytes(Faq.objects.all(), fmt="json").decode("utf-8")


def test_faq_export_bytes_jsonl_one_object_a_line(varied_faqs):
    lines = faq_export_bytes(Faq.objects.all(), fmt="jsonl").decode("utf-8").splitlines()

    assert [json.loads(line)["external_id"] for line in lines] == ["K-1", "J-1", "D-1"]


# --- export_faq command ------------------------------------------------------------------------------------------


def export_faq(*args: str) -> str:
    err = StringIO()
    with translation.override("en"):
        call_command("export_faq", *args, stderr=err)
    return err.getvalue()


def exported_ids(data: bytes) -> list[str]:
    return [row["external_id"] for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))]


def test_export_faq_command_writes_csv_file(varied_faqs, tmp_path):
    target = tmp_path / "faqs.csv"

    message = export_faq(str(target))

    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert exported_ids(data) == ["K-1", "J-1", "D-1"]
    assert "3 FAQ(s) written to" in message


@pytest.mark.parametrize("fmt", ["json", "jsonl", "tsv"])
def test_export_faq_command_format_from_extension(varied_faqs, tmp_path, fmt):
    target = tmp_path / f"faqs.{fmt}"

    export_faq(str(target))

    assert target.read_bytes() == faq_export_bytes(Faq.objects.all(), fmt=fmt)


def test_export_faq_command_file_round_trip_into_empty_table(varied_faqs, tmp_path):
    target = tmp_path / "faqs.jsonl"
    export_faq(str(target))
    before = target.read_bytes()
    Faq.objects.all().delete()

    call_command("import_faq", str(target), stdout=StringIO(), stderr=StringIO())
    export_faq(str(target))

    assert target.read_bytes() == before


def test_export_faq_command_status_filter(varied_faqs, tmp_path):
    target = tmp_path / "faqs.csv"

    export_faq(str(target), "--status", "draft")

    assert exported_ids(target.read_bytes()) == ["D-1"]


@pytest.mark.parametrize("department", ["住民課", "JUMIN"])
def test_export_faq_command_department_filter_by_name_or_code(varied_faqs, tmp_path, department):
    target = tmp_path / "faqs.csv"

    export_faq(str(target), "--department", department)

    assert exported_ids(target.read_bytes()) == ["J-1"]


def test_export_faq_command_unknown_department_refused(varied_faqs, tmp_path):
    target = tmp_path / "faqs.csv"

    with pytest.raises(CommandError, match="福祉課"):
        export_faq(str(target), "--department", "福祉課")

    assert not target.exists()


def test_export_faq_command_dash_writes_csv_to_stdout(varied_faqs, capsysbinary):
    export_faq("-", "--status", "published")

    data = capsysbinary.readouterr().out
    assert data.startswith(codecs.BOM_UTF8)
    assert exported_ids(data) == ["K-1", "J-1"]


def test_export_faq_command_dash_with_format_jsonl(varied_faqs, capsysbinary):
    export_faq("-", "--format", "jsonl")

    lines = capsysbinary.readouterr().out.decode("utf-8").splitlines()
    assert [json.loads(line)["external_id"] for line in lines] == ["K-1", "J-1", "D-1"]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8-sig", True), ("cp932", False)])
def test_export_faq_command_encoding_option(varied_faqs, tmp_path, encoding, bom):
    target = tmp_path / "faqs.csv"

    export_faq(str(target), "--encoding", encoding)

    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) == bom
    assert "粗大ごみ" in data.decode(encoding)
    assert data == faq_export_bytes(Faq.objects.all(), fmt="csv", encoding=encoding)


def test_export_faq_command_cp932_refuses_character_it_cannot_carry_and_writes_nothing(varied_faqs, tmp_path):
    Faq.objects.filter(external_id="J-1").update(question_en="Certificate", answer_en="At the Café counter.")
    target = tmp_path / "faqs.csv"

    with pytest.raises(CommandError) as excinfo:
        export_faq(str(target), "--encoding", "cp932")

    message = str(excinfo.value)
    assert "J-1" in message
    assert "answer_en" in message
    assert "'é' (U+00E9 LATIN SMALL LETTER E WITH ACUTE)" in message
    assert "UTF-8" in message
    assert not target.exists()


def test_export_faq_command_unknown_encoding_refused(varied_faqs, tmp_path):
    target = tmp_path / "faqs.csv"

    with pytest.raises(CommandError, match="latin-1"):
        export_faq(str(target), "--encoding", "latin-1")

    assert not target.exists()

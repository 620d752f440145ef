"""The English texts in the FAQ import and export: question_en, answer_en and alternate_questions_en.

A file without the English columns (every file made before they existed) never touches an FAQ's English texts; a
file with them sets them, and both texts empty removes them; one without the other is a row error. Every export
carries them, and an export imports back without a new version, in UTF-8 and in CP932. A CP932 export of a text
CP932 cannot carry fails and names the FAQ, the column and the character instead of writing "?".
"""

import codecs
import csv
import io
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from faq.exporting import FaqExportError, faq_export_bytes, faq_export_rows
from faq.importing import COLUMNS, FaqImportError, ImportOptions, ImportReport, import_faq_data
from faq.models import Department, Faq, FaqStatus
from tests.factories import CategoryFactory, FaqFactory

pytestmark = pytest.mark.django_db

ENGLISH = ("question_en", "answer_en", "alternate_questions_en")


def english_of(external_id: str) -> tuple[str, str, list[str]]:
    faq = Faq.objects.get(external_id=external_id)
    return faq.question_en, faq.answer_en, faq.alternate_questions_en


def exported_rows() -> list[dict]:
    return faq_export_rows(Faq.objects.select_related("department", "category").order_by("id"))


def run(data: str | bytes, fmt: str = "csv", **options) -> ImportReport:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return import_faq_data(data=raw, fmt=fmt, options=ImportOptions(**options))


@pytest.fixture
def bilingual_faqs(kankyo: Department, jumin: Department) -> list[Faq]:
    """FAQs with and without English, with everything CSV has to quote; every character fits CP932 as well."""
    gomi = CategoryFactory.create(name="ごみ・リサイクル", name_en="Garbage")
    return [
        FaqFactory.create(
            external_id="K-1",
            question="粗大ごみを出したい。",
            answer="電話で申し込んでください。\n料金は品目ごとです。",
            alternate_questions=["大型ごみを出したい"],
            question_en="How do I put out oversized garbage?",
            answer_en='Apply by phone, then put the "sticker" on.\r\nFees: ①sofa ②chest, 9:00～17:00.',
            alternate_questions_en=["Large garbage", "Throw away a sofa"],
            department=kankyo,
            category=gomi,
        ),
        FaqFactory.create(
            external_id="J-1",
            question="住民票の写しを取りたい。",
            answer="住民課の窓口で請求できます。",
            department=jumin,
            category=None,
        ),
        FaqFactory.create(
            external_id=None,
            question="下書きの質問",
            answer="下書きの回答",
            question_en="Draft question\tnumber one",
            answer_en="Draft answer",
            department=None,
            category=None,
            status=FaqStatus.DRAFT,
        ),
    ]


# --- columns -----------------------------------------------------------------------------------------------------


def test_english_columns_come_after_alternate_questions():
    position = COLUMNS.index("alternate_questions")

    assert COLUMNS[position + 1 : position + 4] == ENGLISH
    assert COLUMNS[: position + 1] == (
        "external_id",
        "question",
        "answer",
        "department",
        "category",
        "alternate_questions",
    )


# --- round trips -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "encoding"),
    [
        ("csv", None),
        ("csv", "utf-8"),
        ("csv", "cp932"),
        ("tsv", None),
        ("tsv", "cp932"),
        ("json", None),
        ("jsonl", None),
    ],
)
def test_export_imports_back_identical_into_empty_table(bilingual_faqs, fmt, encoding):
    before = exported_rows()
    data = faq_export_bytes(Faq.objects.all(), fmt=fmt, encoding=encoding)
    Faq.objects.all().delete()

    report = import_faq_data(data=data, fmt=fmt, options=ImportOptions())

    assert (report.created, report.errors, report.warnings) == (3, [], [])
    assert report.encoding == {None: "utf-8-sig" if fmt in ("csv", "tsv") else "utf-8"}.get(encoding, encoding)
    assert exported_rows() == before
    assert english_of("K-1") == (
        "How do I put out oversized garbage?",
        'Apply by phone, then put the "sticker" on.\r\nFees: ①sofa ②chest, 9:00～17:00.',
        ["Large garbage", "Throw away a sofa"],
    )
    assert english_of("J-1") == ("", "", [])
    assert faq_export_bytes(Faq.objects.all(), fmt=fmt, encoding=encoding) == data


@pytest.mark.parametrize("encoding", [None, "utf-8", "cp932"])
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_export_imports_back_over_the_same_faqs_without_a_new_version(bilingual_faqs, fmt, encoding):
    data = faq_export_bytes(Faq.objects.all(), fmt=fmt, encoding=encoding)
    history_before = Faq.history.count()

    report = import_faq_data(data=data, fmt=fmt, options=ImportOptions())

    # The FAQ without external_id is created again, as every row without one is.
    assert (report.created, report.updated, report.unchanged, report.errors) == (1, 0, 2, [])
    assert Faq.history.count() == history_before + 1


def test_excel_round_trip_changes_nothing(bilingual_faqs):
    """The CSV staff open in Excel (UTF-8 with BOM, CR LF), imported back as it is: no new version of any FAQ."""
    Faq.objects.filter(external_id__isnull=True).update(external_id="D-1")
    data = faq_export_bytes(Faq.objects.all(), fmt="csv")
    assert data.startswith(codecs.BOM_UTF8)
    history_before = Faq.history.count()

    report = run(data)

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 3, [])
    assert not report.written
    assert Faq.history.count() == history_before


def test_excel_resaved_as_cp932_csv_changes_nothing(bilingual_faqs):
    """Saved again by Excel on Japanese Windows ("CSV (comma delimited)"): CP932 without BOM, every cell quoted
    where Excel quotes it, dates as YYYY/M/D. Imported back, nothing changes."""
    Faq.objects.filter(external_id__isnull=True).update(external_id="D-1")
    Faq.objects.filter(external_id="K-1").update(valid_from="2026-04-01")
    rows = list(csv.reader(io.StringIO(faq_export_bytes(Faq.objects.all(), fmt="csv").decode("utf-8-sig"), newline="")))
    resaved = io.StringIO(newline="")
    writer = csv.writer(resaved, lineterminator="\r\n")
    for row in rows:
        writer.writerow([re.sub(r"^(\d{4})-0?(\d+)-0?(\d+)$", r"\1/\2/\3", cell) for cell in row])
    assert "2026/4/1" in resaved.getvalue()
    history_before = Faq.history.count()

    report = run(resaved.getvalue().encode("cp932"))

    assert report.encoding == "cp932"
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 3, [])
    assert Faq.history.count() == history_before


# --- a file without the English columns --------------------------------------------------------------------------

OLD_HEADER = "external_id,question,answer,department,category,alternate_questions\n"
K1_ANSWER_CELL = '"電話で申し込んでください。\n料金は品目ごとです。"'


def test_old_csv_without_english_columns_keeps_english_texts(bilingual_faqs):
    history_before = Faq.history.count()
    data = (
        OLD_HEADER
        + "K-1,粗大ごみを出したい。,インターネットでも申し込めます。,環境課,ごみ・リサイクル,大型ごみを出したい\n"
    )

    report = run(data)

    assert (report.updated, report.errors, report.warnings) == (1, [], [])
    faq = Faq.objects.get(external_id="K-1")
    assert faq.answer == "インターネットでも申し込めます。"
    assert english_of("K-1") == (
        "How do I put out oversized garbage?",
        'Apply by phone, then put the "sticker" on.\r\nFees: ①sofa ②chest, 9:00～17:00.',
        ["Large garbage", "Throw away a sofa"],
    )
    assert Faq.history.count() == history_before + 1
    assert faq.history.latest("history_date").answer_en == faq.answer_en


def test_old_csv_without_english_columns_unchanged_faq_gets_no_version(bilingual_faqs):
    history_before = Faq.history.count()

    report = run(OLD_HEADER + f"K-1,粗大ごみを出したい。,{K1_ANSWER_CELL},環境課,ごみ・リサイクル,大型ごみを出したい\n")

    assert (report.updated, report.unchanged, report.errors) == (0, 1, [])
    assert Faq.history.count() == history_before


def test_old_json_without_english_keys_keeps_english_texts(bilingual_faqs):
    rows = [{"external_id": "K-1", "question": "粗大ごみを出したい。", "answer": "新しい回答", "department": "環境課"}]

    report = run(json.dumps(rows, ensure_ascii=False), fmt="json")

    assert (report.updated, report.errors) == (1, [])
    assert english_of("K-1")[0] == "How do I put out oversized garbage?"
    assert english_of("K-1")[2] == ["Large garbage", "Throw away a sofa"]


def test_old_file_creates_faq_without_english(kankyo):
    report = run("question,answer,department\n質問,回答,環境課\n")

    assert report.created == 1
    faq = Faq.objects.get()
    assert (faq.question_en, faq.answer_en, faq.alternate_questions_en, faq.has_english) == ("", "", [], False)


# --- a file with the English columns -----------------------------------------------------------------------------

HEADER = "external_id,question,answer,department,question_en,answer_en,alternate_questions_en\n"


def test_english_columns_set_the_texts_and_alternates_split_on_bar(kankyo):
    report = run(HEADER + "E-1,質問,回答,環境課, Where is the office? ,It is here., Office | Town hall ||\n")

    assert (report.created, report.errors, report.warnings) == (1, [], [])
    assert english_of("E-1") == ("Where is the office?", "It is here.", ["Office", "Town hall"])
    assert Faq.objects.get().has_english


def test_english_columns_update_the_texts_with_a_new_version(bilingual_faqs):
    faq = bilingual_faqs[0]
    history_before = faq.history.count()

    report = run(
        "external_id,question,answer,department,category,alternate_questions,question_en,answer_en\n"
        f"K-1,粗大ごみを出したい。,{K1_ANSWER_CELL},環境課,ごみ・リサイクル,"
        "大型ごみを出したい,Oversized garbage?,Call the Environment Division.\n"
    )

    assert (report.updated, report.errors) == (1, [])
    # The file has no alternate_questions_en column: the English alternates stay.
    assert english_of("K-1") == (
        "Oversized garbage?",
        "Call the Environment Division.",
        ["Large garbage", "Throw away a sofa"],
    )
    assert faq.history.count() == history_before + 1


def test_both_english_cells_empty_remove_the_english_texts(bilingual_faqs):
    report = run(
        "external_id,question,answer,department,category,alternate_questions,question_en,answer_en,alternate_questions_en\n"
        f"K-1,粗大ごみを出したい。,{K1_ANSWER_CELL},環境課,ごみ・リサイクル,"
        "大型ごみを出したい,,,\n"
    )

    assert (report.updated, report.errors) == (1, [])
    assert english_of("K-1") == ("", "", [])
    assert not Faq.objects.get(external_id="K-1").has_english


def test_json_null_english_removes_the_texts_and_lists_set_the_alternates(bilingual_faqs):
    base = {"question": "q", "answer": "a", "department": "環境課"}
    rows = [
        base | {"external_id": "K-1", "question_en": None, "answer_en": None, "alternate_questions_en": []},
        base | {"external_id": "N-1", "question_en": "Q?", "answer_en": "A.", "alternate_questions_en": ["Q2?"]},
    ]

    report = run("\n".join(json.dumps(row) for row in rows), fmt="jsonl")

    assert report.errors == []
    assert english_of("K-1") == ("", "", [])
    assert english_of("N-1") == ("Q?", "A.", ["Q2?"])


@pytest.mark.parametrize(
    ("cells", "given", "empty"),
    [
        pytest.param("Where is the office?,", "question_en", "answer_en", id="question-only"),
        pytest.param(",It is on the second floor.", "answer_en", "question_en", id="answer-only"),
        pytest.param(" ,It is on the second floor.", "answer_en", "question_en", id="blank-question"),
    ],
)
def test_half_given_english_is_a_row_error_and_nothing_is_written(bilingual_faqs, cells, given, empty):
    history_before = Faq.history.count()
    data = (
        "external_id,question,answer,department,question_en,answer_en\n"
        "N-1,新しい質問,新しい回答,環境課,New question?,New answer.\n"
        f"K-1,粗大ごみを出したい。,新しい回答,環境課,{cells}\n"
    )

    with translation.override("en"):
        report = run(data)
        messages = [str(error) for error in report.errors]

    assert messages == [
        f"line 3: '{given}' is filled but '{empty}' is empty: give both the English question and answer, or neither"
    ]
    assert not report.written
    assert not Faq.objects.filter(external_id="N-1").exists()
    assert Faq.objects.get(external_id="K-1").answer == "電話で申し込んでください。\n料金は品目ごとです。"
    assert english_of("K-1")[0] == "How do I put out oversized garbage?"
    assert Faq.history.count() == history_before


def test_half_given_english_row_skipped_with_skip_invalid(bilingual_faqs):
    data = (
        HEADER
        + "N-1,新しい質問,新しい回答,環境課,New?,New.,\nK-1,粗大ごみを出したい。,新しい回答,環境課,,Only an answer.,\n"
    )

    report = run(data, skip_invalid=True)

    assert [error.line for error in report.errors] == [3]
    assert report.created == 1
    assert english_of("N-1") == ("New?", "New.", [])
    assert Faq.objects.get(external_id="K-1").answer == "電話で申し込んでください。\n料金は品目ごとです。"
    assert english_of("K-1")[1] == 'Apply by phone, then put the "sticker" on.\r\nFees: ①sofa ②chest, 9:00～17:00.'


def test_only_question_en_column_in_file_is_a_row_error(kankyo):
    report = run("question,answer,department,question_en\n質問,回答,環境課,Question?\n")

    assert [error.line for error in report.errors] == [2]
    assert "answer_en" in str(report.errors[0])
    assert Faq.objects.count() == 0


def test_half_given_english_in_json_names_the_line(kankyo):
    rows = [
        {"question": "q1", "answer": "a1", "department": "環境課", "question_en": "Q1?", "answer_en": "A1."},
        {"question": "q2", "answer": "a2", "department": "環境課", "question_en": "Q2?"},
    ]

    with translation.override("en"):
        report = run(json.dumps(rows, indent=2), fmt="json")

    # indent=2 puts the second object's "{" on line 9.
    assert [error.line for error in report.errors] == [9]
    assert str(report.errors[0]).startswith("line 9: 'question_en' is filled but 'answer_en' is empty")
    assert Faq.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        pytest.param({"question_en": "Q" * 301, "answer_en": "A."}, "question_en", id="question-too-long"),
        pytest.param({"question_en": "Q?", "answer_en": "A" * 8001}, "answer_en", id="answer-too-long"),
        pytest.param({"question_en": ["Q?"], "answer_en": "A."}, "question_en", id="question-not-text"),
        pytest.param(
            {"question_en": "Q?", "answer_en": "A.", "alternate_questions_en": ["a|b"]},
            "alternate_questions_en",
            id="alternate-with-bar",
        ),
        pytest.param(
            {"question_en": "Q?", "answer_en": "A.", "alternate_questions_en": [1, 2]},
            "alternate_questions_en",
            id="alternates-not-texts",
        ),
        pytest.param(
            {"question_en": "Q?", "answer_en": "A.", "alternate_questions_en": ["Q"] * 31},
            "alternate_questions_en",
            id="too-many-alternates",
        ),
    ],
)
def test_invalid_english_value_is_a_row_error_naming_the_column(kankyo, row, column):
    data = json.dumps([{"question": "q", "answer": "a", "department": "環境課"} | row])

    with translation.override("en"):
        report = run(data, fmt="json")

    assert [error.line for error in report.errors] == [1]
    assert column in str(report.errors[0])
    assert Faq.objects.count() == 0


def test_english_alternates_without_english_texts_are_kept_with_a_warning(kankyo):
    with translation.override("en"):
        report = run(HEADER + "E-1,質問,回答,環境課,,,Where is it?\n")

    assert (report.created, report.errors) == (1, [])
    assert report.warnings == [
        "line 2: 'alternate_questions_en' is saved but not used until the FAQ has an English question and answer "
        "(question_en, answer_en)"
    ]
    assert english_of("E-1") == ("", "", ["Where is it?"])


def test_cp932_file_with_english_columns_imports(kankyo, jumin):
    text = (
        "external_id,question,answer,department,alternate_questions,question_en,answer_en,alternate_questions_en\r\n"
        "S-1,住民票の写しを取りたい。,住民課の窓口で請求できます。,住民課,住民票がほしい,"
        'How do I get a copy of my residence certificate?,"At the Residents Division, window ①.\r\n'
        'Hours: 8:30～17:15.",Residence certificate|Juminhyo\r\n'
    )
    data = text.encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = run(data)

    assert (report.encoding, report.created, report.errors) == ("cp932", 1, [])
    assert english_of("S-1") == (
        "How do I get a copy of my residence certificate?",
        "At the Residents Division, window ①.\r\nHours: 8:30～17:15.",
        ["Residence certificate", "Juminhyo"],
    )
    again = import_faq_data(data=data, fmt="csv", encoding="shift_jis", options=ImportOptions())
    assert (again.unchanged, again.errors) == (1, [])


# --- CP932 export of what CP932 cannot carry ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "character", "code"),
    [
        pytest.param("Café corner", "é", "U+00E9 LATIN SMALL LETTER E WITH ACUTE", id="e-acute"),
        pytest.param("Open 9:00—17:00", "—", "U+2014 EM DASH", id="em-dash"),
        pytest.param("Welcome 😀", "😀", "U+1F600 GRINNING FACE", id="emoji"),
        pytest.param("Müller Street", "ü", "U+00FC LATIN SMALL LETTER U WITH DIAERESIS", id="u-umlaut"),
    ],
)
def test_cp932_export_refuses_a_character_it_cannot_carry(bilingual_faqs, text, character, code):
    Faq.objects.filter(external_id="J-1").update(question_en="Certificate?", answer_en=f"See the {text} page.")

    with translation.override("en"), pytest.raises(FaqExportError) as excinfo:
        faq_export_bytes(Faq.objects.all(), fmt="csv", encoding="cp932")

    message = str(excinfo.value)
    faq_id = Faq.objects.get(external_id="J-1").pk
    assert message.startswith(f"FAQ J-1 (id {faq_id}), column 'answer_en': the character '{character}' ({code})")
    assert "CP932" in message
    assert "export in UTF-8" in message
    # UTF-8 carries it.
    assert text in faq_export_bytes(Faq.objects.all(), fmt="csv").decode("utf-8-sig")


def test_cp932_export_names_faq_without_external_id_by_id_and_the_column(bilingual_faqs):
    draft = Faq.objects.get(external_id__isnull=True)
    draft.alternate_questions_en = ["Plain", "Naïve wording"]
    draft.save()

    with translation.override("en"), pytest.raises(FaqExportError, match=r"^FAQ id \d+, column") as excinfo:
        faq_export_bytes(Faq.objects.all(), fmt="jsonl", encoding="cp932")

    assert f"FAQ id {draft.pk}, column 'alternate_questions_en': the character 'ï'" in str(excinfo.value)


@pytest.mark.parametrize("column", ["department", "category"])
def test_cp932_export_checks_every_column_not_only_the_english_ones(bilingual_faqs, jumin, column):
    if column == "department":
        Department.objects.filter(pk=jumin.pk).update(name="Café 住民課")
    else:
        Faq.objects.filter(external_id="J-1").update(category=CategoryFactory.create(name="Café"))

    with translation.override("en"), pytest.raises(FaqExportError, match=f"^FAQ J-1 .* column '{column}'"):
        faq_export_bytes(Faq.objects.all(), fmt="csv", encoding="cp932")


def test_cp932_export_error_in_japanese_keeps_the_names(bilingual_faqs):
    Faq.objects.filter(external_id="J-1").update(question_en="Café?", answer_en="Yes.")

    with translation.override("ja"), pytest.raises(FaqExportError) as excinfo:
        faq_export_bytes(Faq.objects.all(), fmt="csv", encoding="cp932")

    message = str(excinfo.value)
    for part in ("J-1", "question_en", "é", "U+00E9", "UTF-8"):
        assert part in message


def test_cp932_export_writes_no_bom_and_fits_cp932(bilingual_faqs):
    data = faq_export_bytes(Faq.objects.all(), fmt="csv", encoding="sjis")

    assert not data.startswith(codecs.BOM_UTF8)
    assert "①sofa ②chest, 9:00～17:00." in data.decode("cp932")


def test_unknown_export_encoding_refused(bilingual_faqs):
    with pytest.raises(FaqExportError, match="latin-1"):
        faq_export_bytes(Faq.objects.all(), fmt="csv", encoding="latin-1")


# --- the commands ------------------------------------------------------------------------------------------------


def test_export_and_import_commands_cp932_round_trip(bilingual_faqs, tmp_path):
    Faq.objects.filter(external_id__isnull=True).update(external_id="D-1")
    target = tmp_path / "faqs.csv"
    call_command("export_faq", str(target), "--encoding", "cp932", stderr=StringIO())
    history_before = Faq.history.count()
    out = StringIO()

    with translation.override("en"):
        call_command("import_faq", str(target), stdout=out, stderr=StringIO())

    assert "3 row(s) read (cp932): 0 created, 0 updated, 3 unchanged, 0 invalid" in out.getvalue()
    assert Faq.history.count() == history_before


def test_import_command_half_given_english_exits_1_naming_the_line(write_file, kankyo):
    path = write_file("faqs.csv", HEADER + "E-1,質問,回答,環境課,,Only the answer.,\n", encoding="cp932")
    err = StringIO()

    with translation.override("en"), pytest.raises(CommandError) as excinfo:
        call_command("import_faq", str(path), stdout=StringIO(), stderr=err)

    assert excinfo.value.returncode == 1
    assert err.getvalue().startswith("line 2: 'answer_en' is filled but 'question_en' is empty")
    assert Faq.objects.count() == 0


def test_file_with_only_english_columns_refused(kankyo):
    """The Japanese question and answer stay required: English texts alone are no FAQ."""
    with translation.override("en"), pytest.raises(FaqImportError, match=r"^line 1: .*question, answer"):
        run("question_en,answer_en\nQ?,A.\n")


def test_cp932_round_trip_of_a_wave_dash_changes_no_text(bilingual_faqs):
    """〜 (WAVE DASH) and − are written in their CP932 forms (～, －, what Excel on Windows shows), and read back they
    count as the same text: no new version, the stored characters kept."""
    faq = Faq.objects.get(external_id="J-1")
    faq.answer = "受付は9時〜17時です。気温が−5℃以下の日は休みます。"
    faq.save()
    versions = Faq.history.count()

    # FAQs with an external ID: the import matches them (one without would be added again).
    data = faq_export_bytes(Faq.objects.exclude(external_id=None), fmt="csv", encoding="cp932")
    assert "9時～17時" in data.decode("cp932")
    report = import_faq_data(data=data, fmt="csv", options=ImportOptions())

    assert report.errors == []
    assert (report.created, report.updated) == (0, 0)
    assert Faq.history.count() == versions
    assert Faq.objects.get(external_id="J-1").answer == "受付は9時〜17時です。気温が−5℃以下の日は休みます。"

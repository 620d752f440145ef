"""The import service: formats, encodings, row validation with line numbers, options, idempotency."""

import datetime
import json

import pytest
from django.utils import translation

from faq.importing import FaqImportError, ImportOptions, ImportReport, import_faq_data, import_faq_file
from faq.models import Category, Department, Faq, FaqStatus
from faq.services import faq_publish
from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,question,answer,department,category,alternate_questions,valid_from,valid_until,review_by\n"
ROW_SODAI = (
    "K-1,粗大ごみを出したい。,環境課に電話で申し込んでください。,環境課,ごみ・リサイクル,"
    "大型ごみを出したい|ソファを捨てたい,2026-04-01,2027-03-31,2026-12-31\n"
)
ROW_JUMIN = "K-2,住民票の写しを取りたい。,住民課の窓口で請求できます。,住民課,証明書,,,,\n"
TWO_ROWS = HEADER + ROW_SODAI + ROW_JUMIN


def run_import(path, **options) -> ImportReport:
    return import_faq_file(path=path, options=ImportOptions(**options))


def error_lines(report: ImportReport) -> list[int]:
    return [error.line for error in report.errors]


def assert_two_rows_imported(report: ImportReport) -> None:
    assert (report.rows, report.created, report.updated, report.unchanged, report.errors) == (2, 2, 0, 0, [])
    sodai = Faq.objects.get(external_id="K-1")
    assert sodai.question == "粗大ごみを出したい。"
    assert sodai.answer == "環境課に電話で申し込んでください。"
    assert sodai.department is not None
    assert sodai.department.name == "環境課"
    assert sodai.category is not None
    assert sodai.category.name == "ごみ・リサイクル"
    assert sodai.alternate_questions == ["大型ごみを出したい", "ソファを捨てたい"]
    assert (sodai.valid_from, sodai.valid_until, sodai.review_by) == (
        datetime.date(2026, 4, 1),
        datetime.date(2027, 3, 31),
        datetime.date(2026, 12, 31),
    )
    jumin = Faq.objects.get(external_id="K-2")
    assert jumin.department is not None
    assert jumin.department.name == "住民課"
    assert jumin.alternate_questions == []
    assert jumin.valid_from is None


# --- formats and encodings -------------------------------------------------------------------------------------


def test_import_faq_file_csv_utf8_creates_drafts(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.csv", TWO_ROWS))

    assert_two_rows_imported(report)
    assert report.encoding == "utf-8"
    assert report.written
    assert set(Faq.objects.values_list("status", flat=True)) == {FaqStatus.DRAFT}


def test_import_faq_file_csv_utf8_bom_reads_first_column(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.csv", "\ufeff" + TWO_ROWS))

    assert_two_rows_imported(report)
    assert report.encoding == "utf-8-sig"


def test_import_faq_file_csv_cp932_detected(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.csv", TWO_ROWS, encoding="cp932"))

    assert_two_rows_imported(report)
    assert report.encoding == "cp932"


def test_import_faq_file_csv_crlf_line_endings(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.csv", TWO_ROWS.replace("\n", "\r\n"), encoding="cp932"))

    assert_two_rows_imported(report)


def test_import_faq_file_tsv(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.tsv", TWO_ROWS.replace(",", "\t")))

    assert_two_rows_imported(report)


# The rows of TWO_ROWS as JSON objects; the second one leaves optional keys out or null.
TWO_ROWS_JSON = [
    {
        "external_id": "K-1",
        "question": "粗大ごみを出したい。",
        "answer": "環境課に電話で申し込んでください。",
        "department": "環境課",
        "category": "ごみ・リサイクル",
        "alternate_questions": ["大型ごみを出したい", "ソファを捨てたい"],
        "valid_from": "2026-04-01",
        "valid_until": "2027-03-31",
        "review_by": "2026-12-31",
    },
    {
        "external_id": "K-2",
        "question": "住民票の写しを取りたい。",
        "answer": "住民課の窓口で請求できます。",
        "department": "住民課",
        "category": "証明書",
        "alternate_questions": [],
        "valid_from": None,
    },
]


def test_import_faq_file_json_list_with_alternate_list(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.json", json.dumps(TWO_ROWS_JSON, ensure_ascii=False, indent=2)))

    assert_two_rows_imported(report)


def test_import_faq_file_jsonl(write_file, kankyo, jumin):
    text = "\n".join(json.dumps(row, ensure_ascii=False) for row in TWO_ROWS_JSON) + "\n\n"
    report = run_import(write_file("faqs.jsonl", text))

    assert_two_rows_imported(report)


def test_import_faq_file_json_with_bom_and_jsonl_with_crlf(write_file, kankyo):
    row = {"external_id": "W-1", "question": "q", "answer": "a", "department": "環境課"}
    json_report = run_import(write_file("faqs.json", "\ufeff" + json.dumps([row], ensure_ascii=False)))
    jsonl_text = json.dumps(row | {"external_id": "W-2"}, ensure_ascii=False) + "\r\n"
    jsonl_report = run_import(write_file("faqs.jsonl", jsonl_text, encoding="cp932"))

    assert (json_report.encoding, json_report.created) == ("utf-8-sig", 1)
    assert (jsonl_report.encoding, jsonl_report.created) == ("cp932", 1)
    assert sorted(Faq.objects.values_list("external_id", flat=True)) == ["W-1", "W-2"]


def test_import_faq_file_csv_alternates_trimmed_and_empty_ones_dropped(write_file, kankyo):
    run_import(
        write_file("faqs.csv", "question,answer,department,alternate_questions\nq,a,環境課, 一つ目 || 二つ目 |\n")
    )

    assert Faq.objects.get().alternate_questions == ["一つ目", "二つ目"]


def test_import_faq_file_format_forced_for_unknown_extension(write_file, kankyo, jumin):
    report = import_faq_file(path=write_file("faqs.txt", TWO_ROWS), fmt="csv", options=ImportOptions())

    assert_two_rows_imported(report)


def test_import_faq_file_unknown_extension_refused(write_file):
    with pytest.raises(FaqImportError, match=r"faqs\.txt"):
        run_import(write_file("faqs.txt", TWO_ROWS))


@pytest.mark.parametrize("alias", ["cp932", "shift_jis", "sjis", "CP932"])
def test_import_faq_file_encoding_forced_cp932(write_file, kankyo, jumin, alias):
    report = import_faq_file(
        path=write_file("faqs.csv", TWO_ROWS, encoding="cp932"), encoding=alias, options=ImportOptions()
    )

    assert_two_rows_imported(report)
    assert report.encoding == "cp932"


def test_import_faq_file_encoding_forced_utf8_on_cp932_file_names_first_bad_line(write_file, kankyo, jumin):
    path = write_file("faqs.csv", TWO_ROWS, encoding="cp932")

    with pytest.raises(FaqImportError, match=r"^line 2: .*utf-8"):
        import_faq_file(path=path, encoding="utf-8", options=ImportOptions())

    assert Faq.objects.count() == 0


def test_import_faq_file_unknown_encoding_refused(write_file):
    with pytest.raises(FaqImportError, match="latin-9"):
        import_faq_file(path=write_file("faqs.csv", TWO_ROWS), encoding="latin-9", options=ImportOptions())


def test_import_faq_file_slash_dates_accepted(write_file, kankyo):
    run_import(write_file("faqs.csv", "question,answer,department,valid_from\nq,a,環境課,2026/4/1\n"))

    assert Faq.objects.get().valid_from == datetime.date(2026, 4, 1)


def test_import_faq_file_department_matched_by_code(write_file, kankyo):
    run_import(write_file("faqs.csv", "question,answer,department\nq,a,KANKYO\n"))

    assert Faq.objects.get().department == kankyo


def test_import_faq_file_unknown_column_warned_and_ignored(write_file, kankyo):
    with translation.override("en"):
        report = run_import(write_file("faqs.csv", "question,answer,department,memo\nq,a,環境課,内部メモ\n"))

    assert report.created == 1
    assert report.warnings == ["ignored unknown columns: memo"]


def test_import_faq_file_new_category_created(write_file, kankyo):
    report = run_import(write_file("faqs.csv", "question,answer,department,category\nq,a,環境課,新しい分類\n"))

    assert report.created_categories == ["新しい分類"]
    assert Faq.objects.get().category == Category.objects.get(name="新しい分類")


# --- bad rows: line N, and nothing written -----------------------------------------------------------------------

GOOD_ROW = "K-1,粗大ごみを出したい。,環境課に申し込んでください。,環境課,,,,,\n"


@pytest.mark.parametrize(
    ("bad_row", "expected_line", "message_parts"),
    [
        pytest.param("K-2,質問,回答,福祉課,,,,,\n", 3, ["福祉課"], id="unknown-department"),
        pytest.param("K-2,,回答,環境課,,,,,\n", 3, ["question"], id="missing-question"),
        pytest.param("K-2,質問,,環境課,,,,,\n", 3, ["answer"], id="missing-answer"),
        pytest.param("K-2,質問,回答,環境課,,,2026-13-01,,\n", 3, ["valid_from", "2026-13-01"], id="month-13"),
        pytest.param("K-2,質問,回答,環境課,,,tomorrow,,\n", 3, ["valid_from", "tomorrow"], id="word-date"),
        pytest.param("K-2,質問,回答,環境課,,,,2026-02-30,\n", 3, ["valid_until", "2026-02-30"], id="feb-30"),
        pytest.param(
            "K-2,質問,回答,環境課,,,2026-04-01,2026-03-31,\n", 3, ["2026-03-31", "2026-04-01"], id="inverted-dates"
        ),
        pytest.param("K-1,質問,回答,環境課,,,,,\n", 3, ["K-1", "2"], id="duplicate-external-id"),
        pytest.param("K-2,質問," + "あ" * 10_000 + ",環境課,,,,,\n", 3, ["answer"], id="answer-10000-chars"),
        pytest.param("K-2," + "あ" * 10_000 + ",回答,環境課,,,,,\n", 3, ["question"], id="question-10000-chars"),
        pytest.param("K-2,質問,回答,環境課,,,,,,余分な値\n", 3, [], id="more-fields-than-header"),
        pytest.param("K-2,質問,回答,環境課,,,,,\n" + GOOD_ROW, 4, ["K-1", "2"], id="duplicate-on-later-line"),
    ],
)
def test_import_faq_file_bad_row_reported_with_line_and_nothing_written(
    write_file, kankyo, bad_row, expected_line, message_parts
):
    existing = FaqFactory(external_id="K-1", answer="元の回答", department=kankyo)
    departments_before = Department.objects.count()
    faqs_before = Faq.objects.count()
    path = write_file("faqs.csv", HEADER + GOOD_ROW + bad_row)

    report = run_import(path)

    assert error_lines(report) == [expected_line]
    message = str(report.errors[0])
    assert message.startswith(f"line {expected_line}: ")
    for part in message_parts:
        assert part in message
    assert not report.written
    assert Faq.objects.count() == faqs_before
    assert Department.objects.count() == departments_before
    existing.refresh_from_db()
    assert existing.answer == "元の回答"


@pytest.mark.parametrize(
    ("bad_row", "english"),
    [
        pytest.param(
            "福祉課の質問,回答,福祉課\n",
            "line 3: unknown department '福祉課' (add it to the department directory or use --create-departments)",
            id="unknown-department",
        ),
        pytest.param(",回答,環境課\n", "line 3: 'question' is empty", id="missing-question"),
        pytest.param("質問,,環境課\n", "line 3: 'answer' is empty", id="missing-answer"),
        pytest.param(
            "質問,回答,環境課,2026-13-01\n",
            "line 3: valid_from '2026-13-01' is not a date in YYYY-MM-DD form",
            id="invalid-date",
        ),
        pytest.param(
            "質問,回答,環境課,2026-04-01,2026-03-01\n",
            "line 3: valid_until (2026-03-01) is before valid_from (2026-04-01)",
            id="inverted-dates",
        ),
        pytest.param("質問,回答,環境課,,,余分\n", "line 3: the row has more fields than the header", id="more-fields"),
    ],
)
def test_import_faq_file_bad_row_message_in_english(write_file, kankyo, bad_row, english):
    path = write_file("faqs.csv", "question,answer,department,valid_from,valid_until\n質問0,回答0,環境課\n" + bad_row)

    with translation.override("en"):
        report = run_import(path)
        messages = [str(error) for error in report.errors]

    assert messages == [english]


def test_import_faq_file_duplicate_external_id_names_earlier_line(write_file, kankyo):
    path = write_file(
        "faqs.csv", "external_id,question,answer,department\nA,q1,a1,環境課\nB,q2,a2,環境課\nA,q3,a3,環境課\n"
    )

    with translation.override("en"):
        report = run_import(path)
        messages = [str(error) for error in report.errors]

    assert messages == ["line 4: external_id 'A' already appears on line 2"]
    assert Faq.objects.count() == 0


def test_import_faq_file_every_bad_row_listed(write_file, kankyo):
    path = write_file("faqs.csv", "question,answer,department\nq1,a1,環境課\n,a2,環境課\nq3,,環境課\nq4,a4,福祉課\n")

    report = run_import(path)

    assert error_lines(report) == [3, 4, 5]
    assert (report.rows, report.created) == (4, 1)
    assert Faq.objects.count() == 0


def test_import_faq_file_trailing_empty_fields_accepted(write_file, kankyo):
    report = run_import(write_file("faqs.csv", "question,answer,department\nq,a,環境課,,\n"))

    assert report.errors == []
    assert Faq.objects.count() == 1


def test_import_faq_file_multiline_quoted_fields_keep_physical_line_numbers(write_file, kankyo):
    text = (
        "question,answer,department\n"
        '"粗大ごみを出したい。","申し込みは電話で。\n'
        "収集日は月に一回です。\n"
        '料金は品目ごとに決まっています。",環境課\n'
        '"家庭ごみの出し方","分別して、\n朝8時までに出してください。",環境課\n'
        "不明な課の質問,回答,福祉課\n"
    )

    report = run_import(write_file("faqs.csv", text))

    assert error_lines(report) == [7]
    assert Faq.objects.count() == 0


def test_import_faq_file_multiline_crlf_file_keeps_physical_line_numbers(write_file, kankyo):
    text = 'question,answer,department\r\n"q1","1行目\r\n2行目\r\n3行目",環境課\r\n\r\nq2,a2,福祉課\r\n'

    report = run_import(write_file("faqs.csv", text, encoding="cp932"))

    assert error_lines(report) == [6]


def test_import_faq_file_blank_lines_keep_physical_line_numbers(write_file, kankyo):
    report = run_import(write_file("faqs.csv", "question,answer,department\n\nq1,a1,環境課\n,,\nq2,a2,福祉課\n"))

    assert error_lines(report) == [5]
    assert report.rows == 2


def test_import_faq_file_header_without_answer_column_is_line_1(write_file, kankyo):
    path = write_file("faqs.csv", "question,department\nq,環境課\n")

    with pytest.raises(FaqImportError, match=r"^line 1: .*answer") as excinfo, translation.override("en"):
        run_import(path)

    assert "the header has no column answer (found: question, department)" in str(excinfo.value)
    assert Faq.objects.count() == 0


def test_import_faq_file_header_names_column_twice_is_line_1(write_file):
    with pytest.raises(FaqImportError, match=r"^line 1: .*answer"):
        run_import(write_file("faqs.csv", "question,answer,Answer\nq,a,b\n"))


def test_import_faq_file_header_only_refused(write_file):
    with pytest.raises(FaqImportError):
        run_import(write_file("faqs.csv", "question,answer\n"))

    assert Faq.objects.count() == 0


def test_import_faq_file_undecodable_bytes_name_their_line(write_file, kankyo):
    data = b"question,answer,department\nq1,a1,kankyo\nq2,\xff\xfe\xfa,kankyo\nq3,a3,kankyo\n"

    with pytest.raises(FaqImportError, match=r"^line 3: ") as excinfo, translation.override("en"):
        run_import(write_file("faqs.csv", data))

    assert "neither UTF-8 nor CP932" in str(excinfo.value)
    assert Faq.objects.count() == 0


def test_import_faq_file_undecodable_bytes_in_cp932_file_name_their_line(write_file, kankyo):
    # An Excel (CP932) file with Japanese on line 2 and a corrupted byte on line 3.
    data = "question,answer,department\n住民票,窓口で請求してください,環境課\n".encode("cp932")
    data += b"q2,\xff\xfe\xfa,kankyo\n"

    with pytest.raises(FaqImportError) as excinfo:
        run_import(write_file("faqs.csv", data))

    assert str(excinfo.value).startswith("line 3: ")
    assert Faq.objects.count() == 0


def test_import_faq_file_50_mb_refused_before_reading(write_file, kankyo):
    header = b"question,answer,department\n"
    body = b"q,a,KANKYO\n" * ((50_000_000 - len(header)) // 11)
    path = write_file("huge.csv", header + body + b"\n" * (50_000_000 - len(header) - len(body)))
    assert path.stat().st_size == 50_000_000

    with pytest.raises(FaqImportError) as excinfo, translation.override("en"):
        run_import(path)

    assert "too large" in str(excinfo.value)
    assert "50.0 MB" in str(excinfo.value)
    assert Faq.objects.count() == 0


def test_import_faq_file_size_limit_follows_setting(write_file, kankyo, settings):
    settings.FAQ_IMPORT_MAX_BYTES = 30
    at_limit = write_file("ok.csv", b"question,answer,department\nq,a")
    assert at_limit.stat().st_size == 30

    assert run_import(at_limit).created == 1
    with pytest.raises(FaqImportError, match="FAQ_IMPORT_MAX_BYTES"):
        run_import(write_file("big.csv", b"question,answer,department\nq,ab"))


def test_import_faq_file_missing_file_refused(tmp_path):
    with pytest.raises(FaqImportError, match=r"nothere\.csv"):
        run_import(tmp_path / "nothere.csv")


def test_import_faq_file_json_not_a_list_refused(write_file, kankyo):
    path = write_file("faqs.json", '\n{"question": "q", "answer": "a", "department": "環境課"}\n')

    with pytest.raises(FaqImportError, match=r"^line 2: ") as excinfo, translation.override("en"):
        run_import(path)

    assert "a JSON file must hold a list of objects" in str(excinfo.value)
    assert Faq.objects.count() == 0


def test_import_faq_file_json_syntax_error_names_its_line(write_file, kankyo):
    text = '[\n  {"question": "q1", "answer": "a1", "department": "環境課"},\n  {"question": "q2" "answer": "a2"}\n]\n'

    with pytest.raises(FaqImportError, match=r"^line 3: "):
        run_import(write_file("faqs.json", text))

    assert Faq.objects.count() == 0


def test_import_faq_file_json_bad_object_names_the_line_it_starts_on(write_file, kankyo):
    rows = [
        {"question": "q1", "answer": "a1", "department": "環境課"},
        {"question": "q2", "answer": "a2", "department": "福祉課"},
    ]
    # indent=2 puts the second object's "{" on line 7.
    report = run_import(write_file("faqs.json", json.dumps(rows, ensure_ascii=False, indent=2)))

    assert error_lines(report) == [7]
    assert "福祉課" in str(report.errors[0])
    assert Faq.objects.count() == 0


def test_import_faq_file_json_item_not_an_object_reported(write_file, kankyo):
    report = run_import(write_file("faqs.json", '[{"question": "q", "answer": "a", "department": "環境課"},\n"q2"]'))

    assert error_lines(report) == [2]
    assert Faq.objects.count() == 0


def test_import_faq_file_json_alternate_with_separator_rejected(write_file, kankyo):
    rows = [{"question": "q", "answer": "a", "department": "環境課", "alternate_questions": ["大型|粗大"]}]

    report = run_import(write_file("faqs.json", json.dumps(rows, ensure_ascii=False)))

    assert error_lines(report) == [1]
    assert "alternate_questions" in str(report.errors[0])
    assert Faq.objects.count() == 0


def test_import_faq_file_json_number_where_text_expected_rejected(write_file, kankyo):
    rows = [{"question": "q", "answer": ["a"], "department": "環境課"}]

    report = run_import(write_file("faqs.json", json.dumps(rows)))

    assert error_lines(report) == [1]
    assert "answer" in str(report.errors[0])


def test_import_faq_file_malformed_jsonl_line_reported(write_file, kankyo):
    text = (
        '{"question": "q1", "answer": "a1", "department": "環境課"}\n'
        '{"question": "q2", "answer": \n'
        '{"question": "q3", "answer": "a3", "department": "環境課"}\n'
    )

    with translation.override("en"):
        report = run_import(write_file("faqs.jsonl", text))
        messages = [str(error) for error in report.errors]

    assert len(messages) == 1
    assert messages[0].startswith("line 2: invalid JSON")
    assert Faq.objects.count() == 0


# --- options -----------------------------------------------------------------------------------------------------

MIXED = "question,answer,department\nq1,a1,環境課\nq2,a2,福祉課\nq3,a3,住民課\n"


def test_import_faq_file_skip_invalid_imports_valid_rows(write_file, kankyo, jumin):
    report = run_import(write_file("faqs.csv", MIXED), skip_invalid=True)

    assert error_lines(report) == [3]
    assert "福祉課" in str(report.errors[0])
    assert report.created == 2
    assert report.written
    assert sorted(Faq.objects.values_list("question", flat=True)) == ["q1", "q3"]
    assert not Department.objects.filter(name="福祉課").exists()


def test_import_faq_file_dry_run_writes_nothing_and_reports_like_real_run(write_file, kankyo, jumin):
    FaqFactory(external_id="E-1", question="既存", answer="古い回答", department=kankyo)
    FaqFactory(external_id="E-2", question="変更なし", answer="同じ回答", department=kankyo, category=None)
    path = write_file(
        "faqs.csv",
        "external_id,question,answer,department\n"
        "E-1,既存,新しい回答,環境課\n"
        "E-2,変更なし,同じ回答,環境課\n"
        "N-1,新規,回答,住民課\n"
        "N-2,不正,回答,福祉課\n",
    )
    history_before = Faq.history.count()

    dry = run_import(path, dry_run=True, skip_invalid=True)

    assert dry.dry_run
    assert not dry.written
    assert Faq.objects.count() == 2
    assert Faq.objects.get(external_id="E-1").answer == "古い回答"
    assert Faq.history.count() == history_before

    real = run_import(path, skip_invalid=True)

    counts = ("rows", "created", "updated", "unchanged")
    assert [getattr(dry, name) for name in counts] == [getattr(real, name) for name in counts]
    assert (real.created, real.updated, real.unchanged) == (1, 1, 1)
    assert [str(error) for error in dry.errors] == [str(error) for error in real.errors]
    assert error_lines(real) == [5]
    assert Faq.objects.get(external_id="E-1").answer == "新しい回答"


def test_import_faq_file_dry_run_does_not_create_departments_or_categories(write_file):
    path = write_file("faqs.csv", "question,answer,department,category\nq,a,新設課,新しい分類\n")

    report = run_import(path, dry_run=True, create_departments=True)

    assert report.created == 1
    assert report.created_departments == ["新設課"]
    assert Department.objects.count() == 0
    assert Category.objects.count() == 0
    assert Faq.objects.count() == 0


def test_import_faq_file_publish_publishes(write_file, kankyo, jumin):
    run_import(write_file("faqs.csv", TWO_ROWS), publish=True)

    assert set(Faq.objects.values_list("status", flat=True)) == {FaqStatus.PUBLISHED}


def test_import_faq_file_without_publish_keeps_published_faq_published(write_file, kankyo):
    FaqFactory(external_id="K-1", question="q", answer="古い", department=kankyo, status=FaqStatus.PUBLISHED)

    report = run_import(write_file("faqs.csv", "external_id,question,answer,department\nK-1,q,新しい,環境課\n"))

    assert report.updated == 1
    assert Faq.objects.get().status == FaqStatus.PUBLISHED


def test_import_faq_file_create_departments_creates_unknown_department(write_file, kankyo):
    path = write_file("faqs.csv", "question,answer,department\nq1,a1,福祉課\nq2,a2,福祉課\nq3,a3,環境課\n")

    report = run_import(path, create_departments=True, publish=True)

    assert report.errors == []
    assert report.created_departments == ["福祉課"]
    fukushi = Department.objects.get(name="福祉課")
    assert fukushi.code
    assert fukushi.is_general_reception is False
    assert Faq.objects.filter(department=fukushi).count() == 2


def test_import_faq_file_create_departments_not_repeated_on_reimport(write_file):
    path = write_file("faqs.csv", "external_id,question,answer,department\nF-1,q1,a1,福祉課\n")
    run_import(path, create_departments=True)

    again = run_import(path, create_departments=True)

    assert again.created_departments == []
    assert again.unchanged == 1
    assert Department.objects.filter(name="福祉課").count() == 1


def test_import_faq_file_department_default_fills_empty_department(write_file, kankyo, jumin):
    path = write_file("faqs.csv", "question,answer,department\nq1,a1,\nq2,a2,住民課\n")

    report = run_import(path, department_default="環境課", publish=True)

    assert report.errors == []
    assert Faq.objects.get(question="q1").department == kankyo
    assert Faq.objects.get(question="q2").department == jumin


def test_import_faq_file_department_default_unknown_rejected(write_file, kankyo):
    report = run_import(write_file("faqs.csv", "question,answer\nq1,a1\n"), department_default="福祉課")

    assert error_lines(report) == [2]
    assert "福祉課" in str(report.errors[0])
    assert Faq.objects.count() == 0


def test_import_faq_file_published_row_without_department_rejected(write_file, kankyo):
    path = write_file("faqs.csv", "question,answer,department\nq1,a1,環境課\nq2,a2,\n")

    with translation.override("en"):
        report = run_import(path, publish=True)
        messages = [str(error) for error in report.errors]

    assert error_lines(report) == [3]
    assert "a published FAQ needs a department" in messages[0]
    assert Faq.objects.count() == 0


def test_import_faq_file_draft_row_without_department_accepted(write_file):
    report = run_import(write_file("faqs.csv", "question,answer\nq1,a1\n"))

    assert report.created == 1
    assert Faq.objects.get().department is None


def test_import_faq_file_reimport_without_department_of_published_faq_rejected(write_file, kankyo):
    FaqFactory(external_id="K-1", question="q", answer="a", department=kankyo, status=FaqStatus.PUBLISHED)

    report = run_import(write_file("faqs.csv", "external_id,question,answer,department\nK-1,q,a,\n"))

    assert error_lines(report) == [2]
    assert Faq.objects.get().department == kankyo


# --- idempotency and history -------------------------------------------------------------------------------------


def test_import_faq_file_same_file_twice_changes_nothing(write_file, kankyo, jumin):
    path = write_file("faqs.csv", TWO_ROWS)
    run_import(path, publish=True)
    history_before = Faq.history.count()
    departments_before = Department.objects.count()

    again = run_import(path, publish=True)

    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    assert not again.written
    assert Faq.objects.count() == 2
    assert Faq.history.count() == history_before
    assert Department.objects.count() == departments_before


def test_import_faq_file_same_json_twice_changes_nothing(write_file, kankyo):
    rows = [
        {
            "external_id": "J-1",
            "question": "q",
            "answer": "a",
            "department": "環境課",
            "alternate_questions": ["x", "y"],
            "valid_from": "2026-04-01",
        }
    ]
    path = write_file("faqs.json", json.dumps(rows, ensure_ascii=False))
    run_import(path)
    history_before = Faq.history.count()

    again = run_import(path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Faq.history.count() == history_before


def test_import_faq_file_changed_answer_updates_with_new_version(write_file, kankyo, jumin):
    run_import(write_file("v1.csv", TWO_ROWS), publish=True)
    sodai = Faq.objects.get(external_id="K-1")
    history_before = sodai.history.count()
    changed = TWO_ROWS.replace("環境課に電話で申し込んでください。", "インターネットでも申し込めます。")

    report = run_import(write_file("v2.csv", changed), publish=True, reason="2026年度版")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Faq.objects.count() == 2
    sodai.refresh_from_db()
    assert sodai.answer == "インターネットでも申し込めます。"
    assert sodai.history.count() == history_before + 1
    assert sodai.history.filter(answer="環境課に電話で申し込んでください。").exists()
    assert sodai.history.latest("history_date").history_change_reason == "2026年度版"


def test_import_faq_file_row_without_external_id_creates_new_faq_each_time(write_file, kankyo):
    path = write_file("faqs.csv", "question,answer,department\nq,a,環境課\n")

    run_import(path)
    run_import(path)

    assert Faq.objects.count() == 2


def test_import_faq_data_publish_of_withdrawn_faq_counts_as_update(kankyo):
    FaqFactory(external_id="K-1", question="q", answer="a", department=kankyo, category=None, status="withdrawn")
    data = "external_id,question,answer,department\nK-1,q,a,環境課\n".encode()

    report = import_faq_data(data=data, fmt="csv", options=ImportOptions(publish=True))

    assert report.updated == 1
    assert Faq.objects.get().status == FaqStatus.PUBLISHED


def test_import_faq_data_empty_bytes_refused():
    with pytest.raises(FaqImportError):
        import_faq_data(data=b"", fmt="jsonl", options=ImportOptions())


def test_faq_publish_service_records_version_with_reason(kankyo):
    faq = FaqFactory(status=FaqStatus.DRAFT, department=kankyo)
    history_before = faq.history.count()

    changed = faq_publish(faqs=[faq], reason="課長確認済み")

    assert changed == 1
    assert faq.history.count() == history_before + 1
    latest = faq.history.latest("history_date")
    assert (latest.status, latest.history_change_reason) == (FaqStatus.PUBLISHED, "課長確認済み")

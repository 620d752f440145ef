"""`import_faq` and `export_faq` as staff and scripts run them (CONTRACTS.md section 1)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from faq.models import Department, Faq, FaqStatus
from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db

CSV = (
    "external_id,question,answer,department,alternate_questions\n"
    "K-1,粗大ごみを出したい。,環境課に申し込んでください。,環境課,大型ごみ|ソファを捨てたい\n"
    "K-2,住民票の写しを取りたい。,住民課で請求できます。,住民課,\n"
)
CSV_WITH_BAD_ROW = CSV + "K-3,児童手当について,福祉課へ,福祉課,\n"


def import_faq(*args: str, language: str = "en") -> tuple[str, str]:
    """Run import_faq in the given language; return (stdout, stderr). CommandError propagates."""
    out, err = StringIO(), StringIO()
    with translation.override(language):
        call_command("import_faq", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_faq_failing(*args: str, language: str = "en") -> tuple[str, str, str]:
    """Run import_faq expecting exit status 1; return (error message, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with translation.override(language), pytest.raises(CommandError) as excinfo:
        call_command("import_faq", *args, stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    return str(excinfo.value), out.getvalue(), err.getvalue()


def test_import_faq_command_csv_success_summary(write_file, kankyo, jumin):
    out, err = import_faq(str(write_file("faqs.csv", CSV)))

    assert "2 row(s) read (utf-8): 2 created, 0 updated, 0 unchanged, 0 invalid" in out
    assert err == ""
    assert Faq.objects.get(external_id="K-1").alternate_questions == ["大型ごみ", "ソファを捨てたい"]
    assert set(Faq.objects.values_list("status", flat=True)) == {FaqStatus.DRAFT}


def test_import_faq_command_bom_csv_detected(write_file, kankyo, jumin):
    out, _err = import_faq(str(write_file("faqs.csv", "\ufeff" + CSV)))

    assert "(utf-8-sig)" in out
    assert Faq.objects.filter(external_id="K-1").exists()


def test_import_faq_command_cp932_detected(write_file, kankyo, jumin):
    out, _err = import_faq(str(write_file("faqs.csv", CSV, encoding="cp932")))

    assert "(cp932): 2 created" in out
    assert Faq.objects.get(external_id="K-2").question == "住民票の写しを取りたい。"


def test_import_faq_command_encoding_forced(write_file, kankyo, jumin):
    out, _err = import_faq(str(write_file("faqs.csv", CSV, encoding="cp932")), "--encoding", "shift_jis")

    assert "(cp932): 2 created" in out


def test_import_faq_command_wrong_forced_encoding_exits_1(write_file, kankyo, jumin):
    error, _out, _err = import_faq_failing(str(write_file("faqs.csv", CSV, encoding="cp932")), "--encoding", "utf-8")

    assert error.startswith("line 2: ")
    assert Faq.objects.count() == 0


def test_import_faq_command_tsv_json_and_jsonl(write_file, kankyo, jumin):
    rows = [
        {"external_id": "J-1", "question": "q1", "answer": "a1", "department": "環境課", "alternate_questions": ["x"]},
        {"external_id": "J-2", "question": "q2", "answer": "a2", "department": "住民課"},
    ]
    import_faq(str(write_file("faqs.tsv", CSV.replace(",", "\t"))))
    import_faq(str(write_file("faqs.json", json.dumps(rows, ensure_ascii=False))))
    out, _err = import_faq(
        str(write_file("faqs.jsonl", "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)))
    )

    assert "2 row(s) read (utf-8): 0 created, 0 updated, 2 unchanged" in out
    assert sorted(Faq.objects.values_list("external_id", flat=True)) == ["J-1", "J-2", "K-1", "K-2"]
    assert Faq.objects.get(external_id="J-1").alternate_questions == ["x"]


def test_import_faq_command_format_option_overrides_extension(write_file, kankyo, jumin):
    out, _err = import_faq(str(write_file("export.txt", CSV)), "--format", "csv")

    assert "2 created" in out


def test_import_faq_command_invalid_row_exits_1_and_writes_nothing(write_file, kankyo, jumin):
    error, out, err = import_faq_failing(str(write_file("faqs.csv", CSV_WITH_BAD_ROW)))

    assert "1 invalid row(s); nothing was written." in error
    assert err.splitlines()[0].startswith("line 4: ")
    assert "福祉課" in err
    assert "3 row(s) read" in out
    assert Faq.objects.count() == 0
    assert not Department.objects.filter(name="福祉課").exists()


@pytest.mark.parametrize(
    ("content", "line"),
    [
        pytest.param("question,department\nq,環境課\n", 1, id="no-answer-column"),
        pytest.param(b"question,answer\nq1,a1\nq2,\xff\xfe\xfa\n", 3, id="undecodable"),
    ],
)
def test_import_faq_command_unreadable_file_exits_1(write_file, kankyo, content, line):
    error, _out, _err = import_faq_failing(str(write_file("faqs.csv", content)))

    assert error.startswith(f"line {line}: ")
    assert Faq.objects.count() == 0


def test_import_faq_command_json_not_a_list_exits_1(write_file, kankyo):
    error, _out, _err = import_faq_failing(str(write_file("faqs.json", '{"question": "q", "answer": "a"}')))

    assert error.startswith("line 1: ")


def test_import_faq_command_too_large_file_exits_1(write_file, kankyo, settings):
    settings.FAQ_IMPORT_MAX_BYTES = 100
    error, _out, _err = import_faq_failing(str(write_file("faqs.csv", "question,answer\n" + "q,a\n" * 50)))

    assert "FAQ_IMPORT_MAX_BYTES" in error
    assert Faq.objects.count() == 0


def test_import_faq_command_missing_file_exits_1(tmp_path):
    error, _out, _err = import_faq_failing(str(tmp_path / "missing.csv"))

    assert "missing.csv" in error


def test_import_faq_command_unknown_extension_exits_1(write_file):
    error, _out, _err = import_faq_failing(str(write_file("faqs.xlsx", b"PK\x03\x04")))

    assert "faqs.xlsx" in error


def test_import_faq_command_skip_invalid_imports_valid_rows_and_lists_the_rest(write_file, kankyo, jumin):
    out, err = import_faq(str(write_file("faqs.csv", CSV_WITH_BAD_ROW)), "--skip-invalid")

    assert err.splitlines() == [line for line in err.splitlines() if line.startswith("line 4: ")]
    assert "福祉課" in err
    assert "2 created, 0 updated, 0 unchanged, 1 invalid" in out
    assert "(invalid rows skipped)" in out
    assert sorted(Faq.objects.values_list("external_id", flat=True)) == ["K-1", "K-2"]


def test_import_faq_command_dry_run_writes_nothing_and_reports_like_real_run(write_file, kankyo, jumin):
    FaqFactory(external_id="K-2", question="住民票の写しを取りたい。", answer="古い回答", department=jumin)
    path = str(write_file("faqs.csv", CSV_WITH_BAD_ROW))

    dry_error, dry_out, dry_err = import_faq_failing(path, "--dry-run")
    assert Faq.objects.count() == 1
    assert Faq.objects.get().answer == "古い回答"
    real_error, real_out, real_err = import_faq_failing(path)

    assert dry_error == real_error
    assert dry_err == real_err
    assert dry_out.startswith("dry run: ")
    assert "(nothing written)" in dry_out
    assert "3 row(s) read (utf-8): 1 created, 1 updated, 0 unchanged, 1 invalid" in dry_out
    assert "3 row(s) read (utf-8): 1 created, 1 updated, 0 unchanged, 1 invalid" in real_out
    assert Faq.objects.get().answer == "古い回答"


def test_import_faq_command_dry_run_of_valid_file_exits_0_and_writes_nothing(write_file, kankyo, jumin):
    out, _err = import_faq(str(write_file("faqs.csv", CSV)), "--dry-run")

    assert "dry run: 2 row(s) read (utf-8): 2 created" in out
    assert Faq.objects.count() == 0


def test_import_faq_command_publish_publishes(write_file, kankyo, jumin):
    import_faq(str(write_file("faqs.csv", CSV)), "--publish")

    assert set(Faq.objects.values_list("status", flat=True)) == {FaqStatus.PUBLISHED}


def test_import_faq_command_create_departments(write_file, kankyo, jumin):
    out, _err = import_faq(str(write_file("faqs.csv", CSV_WITH_BAD_ROW)), "--create-departments", "--publish")

    assert "new departments: 福祉課" in out
    assert Faq.objects.get(external_id="K-3").department == Department.objects.get(name="福祉課")


def test_import_faq_command_department_default(write_file, kankyo):
    path = write_file("faqs.csv", "question,answer\nq1,a1\nq2,a2\n")

    import_faq(str(path), "--department-default", "環境課", "--publish")

    assert set(Faq.objects.values_list("department__name", "status")) == {("環境課", "published")}
    assert Faq.objects.count() == 2


def test_import_faq_command_publish_without_department_exits_1(write_file, kankyo):
    _error, _out, err = import_faq_failing(str(write_file("faqs.csv", "question,answer\nq1,a1\n")), "--publish")

    assert err.startswith("line 2: ")
    assert Faq.objects.count() == 0


def test_import_faq_command_same_file_twice_reports_unchanged(write_file, kankyo, jumin):
    path = str(write_file("faqs.csv", CSV))
    import_faq(path, "--publish")
    history_before = Faq.history.count()

    out, _err = import_faq(path, "--publish")

    assert "0 created, 0 updated, 2 unchanged, 0 invalid" in out
    assert Faq.history.count() == history_before


def test_import_faq_command_changed_answer_updates_same_faq(write_file, kankyo, jumin):
    import_faq(str(write_file("v1.csv", CSV)), "--publish")
    changed = CSV.replace("環境課に申し込んでください。", "電話かインターネットで申し込んでください。")

    out, _err = import_faq(str(write_file("v2.csv", changed)), "--publish")

    assert "0 created, 1 updated, 1 unchanged" in out
    faq = Faq.objects.get(external_id="K-1")
    assert faq.answer == "電話かインターネットで申し込んでください。"
    assert Faq.objects.count() == 2
    assert list(faq.history.order_by("history_id").values_list("answer", flat=True)) == [
        "環境課に申し込んでください。",
        "電話かインターネットで申し込んでください。",
    ]
    assert faq.history.latest("history_date").history_change_reason == "import_faq v2.csv"


def test_export_then_import_command_round_trip_unchanged(write_file, tmp_path, kankyo, jumin):
    import_faq(str(write_file("faqs.csv", CSV)), "--publish")
    target = tmp_path / "export.csv"
    call_command("export_faq", str(target), stderr=StringIO())

    out, _err = import_faq(str(target), "--publish")

    assert "2 row(s) read (utf-8-sig): 0 created, 0 updated, 2 unchanged, 0 invalid" in out


def test_import_faq_command_in_japanese_keeps_line_prefix_and_exit_status(write_file, kankyo, jumin):
    _error, _out, err = import_faq_failing(str(write_file("faqs.csv", CSV_WITH_BAD_ROW)), language="ja")

    assert err.startswith("line 4: ")
    assert "福祉課" in err
    assert Faq.objects.count() == 0

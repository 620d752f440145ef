"""The sample town B町 shipped with the project (`load_sample_town`)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from faq.models import Category, Department, Faq, FaqStatus
from faq.sample import SAMPLE_DIR, sample_town_load
from faq.selectors import faq_list_public
from faq.services import faq_save, faq_withdraw
from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db


def load_sample_town() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_sample_town", stdout=out)
    return out.getvalue()


def questions_containing(*words: str) -> set[int]:
    return {faq.pk for faq in Faq.objects.all() if any(word in faq.question for word in words)}


def test_load_sample_town_loads_published_faqs_and_directory():
    load_sample_town()

    assert Faq.objects.filter(status=FaqStatus.PUBLISHED).count() >= 150
    assert Department.objects.count() >= 12
    assert list(Department.objects.filter(is_general_reception=True).values_list("name", flat=True)) == ["総合案内"]
    assert not Faq.objects.filter(status=FaqStatus.PUBLISHED, department__isnull=True).exists()
    assert not Faq.objects.filter(category__isnull=True).exists()
    assert Faq.objects.filter(external_id__isnull=True).count() == 0
    assert Category.objects.exclude(name_en="").count() == Category.objects.count()
    assert Department.objects.filter(phone="").count() == 0


def test_load_sample_town_faqs_are_public_today():
    load_sample_town()

    assert faq_list_public().count() >= 150


def test_load_sample_town_second_run_changes_nothing():
    first = sample_town_load()
    faq_history = Faq.history.count()
    department_history = Department.history.count()

    second = sample_town_load()

    assert first.faqs.created >= 150
    assert (second.departments_created, second.categories_created, second.faqs.created) == (0, 0, 0)
    assert (second.faqs_kept, second.departments_kept) == (first.faqs.created, Department.objects.count())
    assert Faq.history.count() == faq_history
    assert Department.history.count() == department_history


def test_load_sample_town_command_reports_counts():
    load_sample_town()

    output = load_sample_town()

    assert "0 new department(s), 0 new category(ies), 0 new FAQ(s)" in output
    assert f"{Faq.objects.count()} FAQ(s) and {Department.objects.count()} department(s) already there" in output


def test_load_sample_town_again_keeps_staff_edits_of_faqs_departments_and_categories():
    sample_town_load()
    faq = Faq.objects.get(external_id="B-007")
    faq.answer = "職員が書き直した回答です。"
    faq_save(faq=faq, reason="管理画面で編集")
    department = Department.objects.get(code="KANKYO")
    department.phone = "0000-11-9999"
    department.hours = "平日 9:00〜16:00"
    department.save()
    category = Category.objects.get(name=faq.category.name if faq.category else "")
    category.name_en = "Rubbish"
    category.save()
    withdrawn = Faq.objects.get(external_id="B-001")
    faq_withdraw(faqs=[withdrawn], reason="公開停止")

    load_sample_town()

    assert Faq.objects.get(external_id="B-007").answer == "職員が書き直した回答です。"
    assert Department.objects.values_list("phone", "hours").get(code="KANKYO") == ("0000-11-9999", "平日 9:00〜16:00")
    assert Category.objects.get(pk=category.pk).name_en == "Rubbish"
    assert Faq.objects.get(external_id="B-001").status == FaqStatus.WITHDRAWN


def test_load_sample_town_does_not_bring_back_a_deleted_sample_faq():
    sample_town_load()
    Faq.objects.get(external_id="B-007").delete()

    result = sample_town_load()

    assert result.faqs.created == 0
    assert not Faq.objects.filter(external_id="B-007").exists()


def test_load_sample_town_adds_sample_rows_that_were_never_loaded(tmp_path, monkeypatch):
    """A newer sample town (one more department, more FAQs) adds just those rows to an existing installation."""
    shipped = SAMPLE_DIR
    partial = tmp_path / "sample_data"
    partial.mkdir()
    departments = json.loads((shipped / "departments.json").read_text(encoding="utf-8"))
    (partial / "departments.json").write_text(json.dumps(departments[:-1], ensure_ascii=False), encoding="utf-8")
    (partial / "categories.json").write_bytes((shipped / "categories.json").read_bytes())
    (partial / "faqs-a.jsonl").write_bytes((shipped / "faqs-a.jsonl").read_bytes())
    monkeypatch.setattr("faq.sample.SAMPLE_DIR", partial)
    sample_town_load()
    edited = Faq.objects.get(external_id="A-001")
    edited.answer = "職員が書き直した回答です。"
    faq_save(faq=edited, reason="管理画面で編集")
    monkeypatch.setattr("faq.sample.SAMPLE_DIR", shipped)

    result = sample_town_load()

    b_and_c = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in shipped.glob("faqs-[bc].jsonl"))
    assert (result.departments_created, result.faqs.created) == (1, b_and_c)
    assert Department.objects.filter(code=departments[-1]["code"]).exists()
    assert Faq.objects.get(external_id="A-001").answer == "職員が書き直した回答です。"


def test_load_sample_town_reset_asks_first_and_changes_nothing_when_declined(monkeypatch):
    sample_town_load()
    faq = Faq.objects.get(external_id="B-007")
    faq.answer = "職員が書き直した回答です。"
    faq_save(faq=faq, reason="管理画面で編集")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="nothing was changed"), translation.override("en"):
        call_command("load_sample_town", "--reset", stdout=StringIO())

    assert Faq.objects.get(external_id="B-007").answer == "職員が書き直した回答です。"


def test_load_sample_town_reset_yes_writes_the_shipped_texts_back_as_new_versions():
    sample_town_load()
    faq = Faq.objects.get(external_id="B-007")
    shipped_answer = faq.answer
    faq.answer = "職員が書き直した回答です。"
    faq_save(faq=faq, reason="管理画面で編集")
    department = Department.objects.get(code="KANKYO")
    shipped_phone = department.phone
    department.phone = "0000-11-9999"
    department.save()
    own = FaqFactory.create(question="職員が追加したFAQ", answer="職員が追加した回答です。")
    versions = faq.history.count()

    out = StringIO()
    with translation.override("en"):
        call_command("load_sample_town", "--reset", "--yes", stdout=out)

    assert "1 written back to the sample text" in out.getvalue()
    assert Faq.objects.get(external_id="B-007").answer == shipped_answer
    assert faq.history.count() == versions + 1
    assert Department.objects.get(code="KANKYO").phone == shipped_phone
    assert Faq.objects.get(pk=own.pk).answer == "職員が追加した回答です。"


def test_load_sample_town_yes_without_reset_is_refused():
    with pytest.raises(CommandError, match="--yes"), translation.override("en"):
        call_command("load_sample_town", "--yes", stdout=StringIO())

    assert not Faq.objects.exists()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(("粗大ごみ",), ("ごみの出し方", "家庭ごみ"), id="oversized-vs-household-garbage"),
        pytest.param(("住民票",), ("戸籍",), id="residence-record-vs-family-register"),
        pytest.param(("国民健康保険",), ("国民年金",), id="health-insurance-vs-pension"),
    ],
)
def test_load_sample_town_contains_confusable_pairs(one, other):
    load_sample_town()

    first, second = questions_containing(*one), questions_containing(*other)

    assert first - second
    assert second - first


def test_load_sample_town_home_page_shows_sample_faqs(client):
    load_sample_town()

    content = client.get(reverse("home")).content.decode()

    assert "総合案内" in content
    sodai = Faq.objects.filter(question__contains="粗大ごみ").first()
    assert sodai is not None
    assert sodai.question in content

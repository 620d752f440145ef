"""The sample town ships English for every FAQ and department; an installation loaded before that gets it once,
without touching anything staff changed."""

import re

import pytest

from faq.models import Department, Faq
from faq.sample import ENGLISH_REASON, sample_town_load
from faq.services import faq_save

pytestmark = pytest.mark.django_db
# A resident meets these at the counter in Japanese: they are named in brackets.
BRACKETED_JAPANESE = re.compile(r"\([^)]*[\u3040-\u30ff\u4e00-\u9fff][^)]*\)")


def _strip_english() -> None:
    """The state of an installation loaded before the sample town had English."""
    for faq in Faq.objects.all():
        faq.question_en, faq.answer_en, faq.alternate_questions_en = "", "", []
        faq.save()
    Department.objects.update(window_en="", hours_en="", closed_days_en="")
    Faq.history.update(question_en="", answer_en="", alternate_questions_en=[])
    Department.history.model.objects.update(window_en="", hours_en="", closed_days_en="")


def test_every_sample_faq_and_department_has_english():
    sample_town_load()

    faqs = list(Faq.objects.all())
    assert len(faqs) == 165
    assert all(faq.has_english and faq.alternate_questions_en for faq in faqs)
    assert sum(bool(BRACKETED_JAPANESE.search(faq.answer_en)) for faq in faqs) >= 150
    departments = list(Department.objects.all())
    assert len(departments) == 14
    assert all(d.name_en and d.window_en and d.hours_en and d.closed_days_en for d in departments)
    # Phone numbers are the same in both languages.
    for faq in faqs:
        for phone in re.findall(r"0\d{1,4}-\d{1,4}-\d{3,4}", faq.answer):
            assert phone in faq.answer_en, (faq.external_id, phone)


def test_an_older_installation_gets_the_english_once_and_staff_changes_are_kept():
    sample_town_load()
    _strip_english()
    edited = Faq.objects.get(external_id="A-001")
    edited.answer = edited.answer + "\n（町の追記）"
    faq_save(faq=edited, reason="staff edit")
    cleared = Faq.objects.get(external_id="A-002")  # English that staff wrote and then removed on purpose
    cleared.question_en, cleared.answer_en = "Staff's own English", "Staff's own English answer."
    faq_save(faq=cleared, reason="staff English")
    cleared.question_en, cleared.answer_en = "", ""
    faq_save(faq=cleared, reason="staff removed it")
    own = Faq.objects.get(external_id="A-003")
    own.question_en, own.answer_en = "Staff's wording", "Staff's answer."
    faq_save(faq=own, reason="staff English")
    kankyo = Department.objects.get(code="KANKYO")
    kankyo.window = "本庁舎3階 30番窓口"
    kankyo.save()

    result = sample_town_load()

    assert result.english_added == 165 - 3 + 14 - 1
    assert result.english_skipped == 2  # A-001 and 環境課, changed by staff (A-002 and A-003: English of their own)
    assert Faq.objects.get(external_id="A-001").answer_en == ""
    assert Faq.objects.get(external_id="A-002").answer_en == ""
    assert Faq.objects.get(external_id="A-003").answer_en == "Staff's answer."
    added = Faq.objects.get(external_id="A-004")
    assert added.has_english
    assert added.history.first().history_change_reason == ENGLISH_REASON
    assert Department.objects.get(code="KANKYO").window_en == ""
    assert Department.objects.get(code="JUMIN").window_en.startswith("Main Building 1F")
    # Once is enough: the next load changes nothing.
    versions = Faq.history.count()
    assert sample_town_load().english_added == 0
    assert Faq.history.count() == versions


def test_the_sample_town_exports_in_shift_jis_and_imports_back_unchanged():
    from faq.exporting import faq_export_bytes
    from faq.importing import ImportOptions, import_faq_data

    sample_town_load()
    versions = Faq.history.count()

    data = faq_export_bytes(Faq.objects.all(), fmt="csv", encoding="cp932")
    report = import_faq_data(data=data, fmt="csv", options=ImportOptions())

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 165)
    assert Faq.history.count() == versions

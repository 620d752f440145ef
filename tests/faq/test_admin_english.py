"""The English texts in the admin: edited beside the Japanese ones, kept as versions, and found with a filter."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from faq.models import Department, Faq
from tests.factories import FaqFactory
from tests.faq.test_admin import changelist, faq_form_data, page

pytestmark = pytest.mark.django_db

QUESTION_EN = "When is non-burnable garbage collected?"
ANSWER_EN = "Non-burnable garbage is collected on the 2nd and 4th Wednesday. Put it out by 8:30 a.m."
ENGLISH_PAIR_RULE = "Give both the English question and the English answer, or neither."


def ja(msgid: str) -> str:
    """The text staff read in the Japanese admin for this message."""
    with translation.override("ja"):
        return translation.gettext(msgid)


def department_form_data(department: Department, **changes: str) -> dict[str, str]:
    """The department change form as the browser submits it."""
    data = {
        "code": department.code,
        "name": department.name,
        "name_en": department.name_en,
        "phone": department.phone,
        "window": department.window,
        "window_en": department.window_en,
        "hours": department.hours,
        "hours_en": department.hours_en,
        "closed_days": department.closed_days,
        "closed_days_en": department.closed_days_en,
        "email": department.email,
        "web_url": department.web_url,
        "sort_order": str(department.sort_order),
        "_save": "1",
    }
    return data | changes


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response
    return {field: list(errors) for field, errors in response.context["adminform"].form.errors.items()}


# --- the change forms ---------------------------------------------------------------------------------------------


def test_faq_change_form_puts_each_english_field_beside_its_japanese_one(staff_client: Client):
    faq = FaqFactory.create(
        question="燃やせないごみの日は？",
        question_en=QUESTION_EN,
        answer_en=ANSWER_EN,
        alternate_questions_en=["a", "b"],
    )

    content = page(staff_client, reverse("admin:faq_faq_change", args=[faq.pk]))

    fieldset = re.search(r'<fieldset class="module aligned bilingual".*?</fieldset>', content, re.S)
    assert fieldset, "no bilingual fieldset"
    assert ja("Japanese / English") in fieldset[0]
    for japanese, english in (
        ("question", "question_en"),
        ("alternate_questions", "alternate_questions_en"),
        ("answer", "answer_en"),
    ):
        assert f'<div class="form-row field-{japanese} field-{english}">' in fieldset[0]
    for label in ("question (English)", "alternate questions (English)", "answer (English)"):
        assert f"{capfirst(ja(label))}:</label>" in fieldset[0]
    assert f'value="{QUESTION_EN}"' in fieldset[0]
    assert "a\nb</textarea>" in fieldset[0]
    assert ja("One phrasing per line: other ways residents ask the same thing in English.") in fieldset[0]
    assert "/static/css/admin_bilingual.css" in content


def test_faq_add_form_has_the_optional_english_fields(staff_client: Client):
    content = page(staff_client, reverse("admin:faq_faq_add"))

    for name in ("question_en", "alternate_questions_en", "answer_en"):
        assert re.search(rf'<(input|textarea)[^>]*name="{name}"', content)
        assert not re.search(rf'<(input|textarea)[^>]*name="{name}"[^>]*required', content)


def test_english_texts_are_saved_as_a_new_version(client: Client, faq_staff: User):
    client.force_login(faq_staff)
    faq = FaqFactory.create()
    versions_before = faq.history.count()

    response = client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(
            faq,
            question_en=QUESTION_EN,
            alternate_questions_en="Garbage days\r\n\r\n  Non-burnable waste  \r\n",
            answer_en="First line.\r\nSecond line.",
        ),
    )

    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.question_en == QUESTION_EN
    assert faq.alternate_questions_en == ["Garbage days", "Non-burnable waste"]
    assert faq.answer_en == "First line.\nSecond line."
    assert faq.has_english
    assert faq.history.count() == versions_before + 1
    latest = faq.history.latest("history_date")
    assert latest.history_user == faq_staff
    assert (latest.question_en, latest.answer_en) == (QUESTION_EN, "First line.\nSecond line.")


def test_a_new_faq_can_be_added_with_english(staff_client: Client, kankyo: Department):
    response = staff_client.post(
        reverse("admin:faq_faq_add"),
        {"question": "新しい質問", "alternate_questions": "", "answer": "回答", "department": str(kankyo.pk)}
        | {"question_en": QUESTION_EN, "alternate_questions_en": "", "answer_en": ANSWER_EN}
        | {"status": "draft", "_save": "1"},
    )

    assert response.status_code == 302
    faq = Faq.objects.get(question="新しい質問")
    assert (faq.question_en, faq.answer_en) == (QUESTION_EN, ANSWER_EN)
    assert faq.history.count() == 1


@pytest.mark.parametrize(
    ("given", "missing", "pointer"),
    [
        (
            {"question_en": QUESTION_EN},
            "answer_en",
            "Give the English answer too, or leave the English question empty.",
        ),
        ({"answer_en": ANSWER_EN}, "question_en", "Give the English question too, or leave the English answer empty."),
    ],
)
def test_half_given_english_shows_the_rule_and_saves_nothing(staff_client: Client, given, missing, pointer):
    faq = FaqFactory.create(answer="古い回答")
    versions_before = faq.history.count()

    response = staff_client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, answer="新しい回答", **given)
    )

    errors = form_errors(response)
    # The rule above the form, and beside the empty English field what to do.
    assert errors["__all__"] == [ja(ENGLISH_PAIR_RULE)]
    assert errors[missing] == [ja(pointer)]
    content = response.content.decode()
    assert 'class="errornote"' in content
    assert ja(pointer) in content
    assert ja(ENGLISH_PAIR_RULE) in content
    faq.refresh_from_db()
    assert (faq.answer, faq.question_en, faq.answer_en) == ("古い回答", "", "")
    assert faq.history.count() == versions_before


def test_clearing_only_the_english_answer_is_refused(staff_client: Client):
    faq = FaqFactory.create(question_en=QUESTION_EN, answer_en=ANSWER_EN)
    versions_before = faq.history.count()

    response = staff_client.post(reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, answer_en="  "))

    assert form_errors(response)["answer_en"] == [
        ja("Give the English answer too, or leave the English question empty.")
    ]
    faq.refresh_from_db()
    assert faq.answer_en == ANSWER_EN
    assert faq.history.count() == versions_before


def test_clearing_both_english_texts_is_saved(staff_client: Client):
    faq = FaqFactory.create(question_en=QUESTION_EN, answer_en=ANSWER_EN, alternate_questions_en=["Garbage days"])

    response = staff_client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(faq, question_en="", answer_en="", alternate_questions_en=""),
    )

    assert response.status_code == 302
    faq.refresh_from_db()
    assert (faq.question_en, faq.answer_en, faq.alternate_questions_en) == ("", "", [])
    assert not faq.has_english


def test_english_alternate_question_with_the_separator_is_refused(staff_client: Client):
    faq = FaqFactory.create()

    response = staff_client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(faq, question_en=QUESTION_EN, answer_en=ANSWER_EN, alternate_questions_en="big|bulky"),
    )

    assert "alternate_questions_en" in form_errors(response)
    faq.refresh_from_db()
    assert faq.question_en == ""


# --- the list -----------------------------------------------------------------------------------------------------


def test_faq_list_filters_by_english_text(staff_client: Client):
    FaqFactory.create(question="英語ありの質問", question_en=QUESTION_EN, answer_en=ANSWER_EN)
    FaqFactory.create(question="英語なしの質問")
    FaqFactory.create(question="空白だけの英語の質問", question_en="   ", answer_en=ANSWER_EN)

    everything = changelist(staff_client)
    with_english = changelist(staff_client, "?english=yes")
    without_english = changelist(staff_client, "?english=no")

    assert ja("English text") in everything
    assert "?english=yes" in everything
    assert all(text in everything for text in ("英語ありの質問", "英語なしの質問", "空白だけの英語の質問"))
    assert "英語ありの質問" in with_english
    assert "英語なしの質問" not in with_english
    assert "空白だけの英語の質問" not in with_english
    assert "英語ありの質問" not in without_english
    assert "英語なしの質問" in without_english
    assert "空白だけの英語の質問" in without_english


def test_faq_list_shows_which_faqs_have_english(staff_client: Client):
    FaqFactory.create(question_en=QUESTION_EN, answer_en=ANSWER_EN)
    FaqFactory.create()

    content = changelist(staff_client)

    assert '<th scope="col" class="column-english">' in content
    assert content.count('<td class="field-english"><img src="/static/admin/img/icon-yes.svg"') == 1
    assert content.count('<td class="field-english"><img src="/static/admin/img/icon-no.svg"') == 1


def test_faq_list_search_finds_english_text(staff_client: Client):
    FaqFactory.create(question="英語ありの質問", question_en=QUESTION_EN, answer_en=ANSWER_EN)
    FaqFactory.create(question="英語なしの質問")

    content = changelist(staff_client, "?q=non-burnable")

    assert "英語ありの質問" in content
    assert "英語なしの質問" not in content


# --- departments --------------------------------------------------------------------------------------------------


def test_department_change_form_puts_each_english_field_beside_its_japanese_one(staff_client: Client, kankyo):
    content = page(staff_client, reverse("admin:faq_department_change", args=[kankyo.pk]))

    fieldset = re.search(r'<fieldset class="module aligned bilingual".*?</fieldset>', content, re.S)
    assert fieldset, "no bilingual fieldset"
    for japanese in ("name", "window", "hours", "closed_days"):
        assert f'<div class="form-row field-{japanese} field-{japanese}_en">' in fieldset[0]
    for label in ("window (English)", "opening hours (English)", "closed days (English)"):
        assert f"{capfirst(ja(label))}:</label>" in fieldset[0]
    assert "/static/css/admin_bilingual.css" in content
    assert 'name="change_reason"' in content


def test_department_english_texts_are_saved_as_a_new_version(client: Client, faq_staff: User, kankyo):
    client.force_login(faq_staff)
    versions_before = kankyo.history.count()

    response = client.post(
        reverse("admin:faq_department_change", args=[kankyo.pk]),
        department_form_data(
            kankyo,
            window_en="Main Building 1F, Window 3",
            hours_en="Weekdays 8:30-17:15",
            closed_days_en="Weekends, holidays and Dec 29 - Jan 3",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    kankyo.refresh_from_db()
    assert kankyo.window_en == "Main Building 1F, Window 3"
    assert kankyo.hours_en == "Weekdays 8:30-17:15"
    assert kankyo.closed_days_en == "Weekends, holidays and Dec 29 - Jan 3"
    assert kankyo.history.count() == versions_before + 1
    assert kankyo.history.latest("history_date").history_user == faq_staff


def test_department_english_window_on_two_lines_is_refused(staff_client: Client, kankyo):
    response = staff_client.post(
        reverse("admin:faq_department_change", args=[kankyo.pk]),
        department_form_data(kankyo, window_en="Main Building\r\n1F"),
    )

    assert "window_en" in form_errors(response)
    kankyo.refresh_from_db()
    assert kankyo.window_en == ""


def test_admin_exports_shift_jis_and_names_a_character_it_cannot_carry(staff_client: Client) -> None:
    from tests.factories import FaqFactory

    faq = FaqFactory.create(
        external_id="EX-1",
        question="住民票の写しを取りたい。",
        answer="窓口で請求できます。",
        question_en="Residence certificate",
        answer_en="Ask at the counter.",
    )
    exported = staff_client.get("/admin/faq/faq/export/?encoding=cp932")
    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=shift_jis"
    text = exported.content.decode("cp932")
    assert "住民票の写しを取りたい。" in text
    assert "Ask at the counter." in text
    faq.answer_en = "Ask at the Café counter."
    faq.save()
    refused = staff_client.get("/admin/faq/faq/export/?encoding=cp932", follow=True)
    body = refused.content.decode()
    assert "EX-1" in body
    assert "answer_en" in body
    assert "é" in body

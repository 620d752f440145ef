"""English mode: the town's English texts where an FAQ has them; otherwise the Japanese answer with a line in English
saying so, the department's contact in English, and the FAQ noted for staff (the analytics list)."""

import datetime

import pytest
from django.utils import timezone

from analytics.english import english_needed
from analytics.months import month_of
from chatbot.models import Channel, Turn
from chatbot.services import turn_ask
from faq.models import Department, Faq


def department_of(faq: Faq) -> Department:
    assert faq.department is not None
    return faq.department


pytestmark = pytest.mark.django_db

JUMIN_EN = {
    "window_en": "Main Building 1F, Windows 1 and 2 (本庁舎1階 1番・2番窓口)",
    "hours_en": "Weekdays 8:30-17:15",
    "closed_days_en": "Saturdays, Sundays and national holidays",
}


def _with_english(faq: Faq) -> Faq:
    faq.question_en = "How do I get a copy of my residence certificate (住民票の写し)?"
    faq.answer_en = "You can get it at the Residents Division (住民課). The fee is 300 yen per copy."
    faq.alternate_questions_en = ["residence certificate copy"]
    faq.save()
    Department.objects.filter(faqs=faq).update(**JUMIN_EN)
    return Faq.objects.select_related("department").get(pk=faq.pk)


def _ask_picked(faq: Faq, lang: str) -> dict:
    return turn_ask(question=faq.question_en or faq.question, lang=lang, chosen_faq=faq.pk, channel=Channel.WEB)


def test_an_faq_with_english_is_answered_in_english(town: dict[str, Faq]) -> None:
    faq = _with_english(town["R-001"])
    response = _ask_picked(faq, "en")
    assert response["outcome"] == "answer"
    assert response["answer"] == faq.answer_en
    assert response["answer_lang"] == "en"
    assert "notice" not in response
    assert response["sources"][0]["question"] == faq.question_en
    assert response["sources"][0]["lang"] == "en"
    assert response["sources"][0]["source_url"].endswith(f"/faq/{faq.pk}/?lang=en")
    assert response["contact"]["window"] == JUMIN_EN["window_en"]
    assert response["contact"]["hours"] == JUMIN_EN["hours_en"]
    assert response["contact"]["closed_days"] == JUMIN_EN["closed_days_en"]
    assert Turn.objects.get(pk=response["turn_id"]).untranslated_faqs == []


def test_japanese_mode_is_unchanged_by_english_text(town: dict[str, Faq]) -> None:
    faq = _with_english(town["R-001"])
    response = _ask_picked(faq, "ja")
    assert response["answer"] == faq.answer
    assert response["answer_lang"] == "ja"
    assert response["sources"][0]["question"] == faq.question
    assert response["contact"]["window"] == department_of(faq).window
    assert "notice" not in response


def test_an_faq_without_english_gives_the_japanese_answer_with_a_line_in_english(town: dict[str, Faq]) -> None:
    faq = town["R-002"]
    assert not faq.has_english
    response = _ask_picked(faq, "en")
    assert response["answer"] == faq.answer
    assert response["answer_lang"] == "ja"
    assert response["notice"].startswith("This answer is available in Japanese only")
    assert department_of(faq).name_en in response["notice"]
    assert department_of(faq).phone in response["notice"]
    assert response["sources"][0]["lang"] == "ja"
    assert "translation" not in response
    assert Turn.objects.get(pk=response["turn_id"]).untranslated_faqs == [faq.pk]


def test_handoff_card_is_in_english(town: dict[str, Faq], reception: Department) -> None:
    Department.objects.filter(pk=reception.pk).update(
        window_en="Main Building 1F, General Reception", hours_en="Weekdays 8:30-17:15"
    )
    response = turn_ask(question="What's the weather like tomorrow in Osaka?", lang="en")
    assert response["outcome"] == "handoff"
    assert response["handoff"]["department_en"] == "General Reception"
    assert response["handoff"]["window"] == "Main Building 1F, General Reception"
    assert "General Reception" in response["answer"]
    assert "Main Building 1F, General Reception" in response["answer"]


def test_staff_see_which_faqs_residents_needed_in_english_most_needed_first(town: dict[str, Faq]) -> None:
    english = _with_english(town["R-001"])
    once, twice = town["R-002"], town["R-003"]
    for faq in (once, twice, twice, english):
        _ask_picked(faq, "en")
    _ask_picked(town["R-004"], "ja")  # a Japanese question never counts
    turn_ask(question=once.question, lang="en", chosen_faq=once.pk, channel=Channel.EVAL, log=True)  # nor a test run
    rows = english_needed(month_of(timezone.now()))
    assert [(row.faq.pk, row.turns) for row in rows] == [(twice.pk, 2), (once.pk, 1)]
    # Once staff write the English, the FAQ leaves the list.
    _with_english(Faq.objects.get(pk=twice.pk))
    assert [row.faq.pk for row in english_needed(month_of(timezone.now()))] == [once.pk]
    last_month = month_of(timezone.now()) - datetime.timedelta(days=1)
    assert english_needed(last_month.replace(day=1)) == []


def test_the_analytics_dashboard_lists_them(town: dict[str, Faq], superuser_client) -> None:
    faq = town["R-002"]
    _ask_picked(faq, "en")
    page = superuser_client.get("/admin/analytics/monthlyaggregate/", HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="english-needed"' in body
    section = body.split('id="english-needed"')[1]
    assert f"/admin/faq/faq/{faq.pk}/change/" in section
    # Every published FAQ of the small town lacks English: the count links to them.
    without = Faq.objects.filter(status="published").count()
    assert f"{without}件" in section.split("an-without-english")[1]
    assert "?english=no&amp;status__exact=published" in section

"""The public FAQ page residents reach from the home page."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from faq.models import FaqStatus
from faq.selectors import today_local
from tests.factories import CategoryFactory, FaqFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_faq_detail_shows_answer_and_department_phone_link(client, kankyo):
    faq = FaqFactory(
        question="粗大ごみを出したい。", answer="電話で申し込んでください。\n収集は月1回です。", department=kankyo
    )

    response = client.get(reverse("faq:detail", args=[faq.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "粗大ごみを出したい。" in content
    assert "電話で申し込んでください。<br>収集は月1回です。" in content
    assert "環境課" in content
    assert 'href="tel:0000-11-1301"' in content


def test_faq_detail_valid_until_today_still_shown(client):
    faq = FaqFactory(valid_from=today_local(), valid_until=today_local())

    assert client.get(reverse("faq:detail", args=[faq.pk])).status_code == 200


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param({"status": FaqStatus.DRAFT}, id="draft"),
        pytest.param({"status": FaqStatus.WITHDRAWN}, id="withdrawn"),
        pytest.param({"valid_until": "yesterday"}, id="expired"),
        pytest.param({"valid_from": "tomorrow"}, id="not-yet-valid"),
    ],
)
def test_faq_detail_not_public_is_404(client, attributes):
    days = {"yesterday": today_local() - DAY, "tomorrow": today_local() + DAY}
    faq = FaqFactory(question="非公開の質問", **{key: days.get(value, value) for key, value in attributes.items()})

    response = client.get(reverse("faq:detail", args=[faq.pk]))

    assert response.status_code == 404
    assert "非公開の質問" not in response.content.decode()


def test_faq_detail_unknown_id_is_404(client, db):
    assert client.get(reverse("faq:detail", args=[999_999])).status_code == 404


def test_faq_detail_english_shows_english_category_and_department(client, kankyo):
    category = CategoryFactory(name="ごみ・リサイクル", name_en="Garbage and recycling")
    faq = FaqFactory(department=kankyo, category=category)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("faq:detail", args=[faq.pk])).content.decode()

    assert "Garbage and recycling" in content
    assert "Environment Division" in content
    assert '<html lang="en">' in content


def test_faq_detail_japanese_by_default(client, kankyo):
    category = CategoryFactory(name="ごみ・リサイクル", name_en="Garbage and recycling")
    faq = FaqFactory(department=kankyo, category=category)

    content = client.get(reverse("faq:detail", args=[faq.pk])).content.decode()

    assert "ごみ・リサイクル" in content
    assert "Garbage and recycling" not in content
    assert '<html lang="ja">' in content


def test_faq_page_in_english_shows_the_english_texts_and_contact(client, kankyo):
    kankyo.window_en, kankyo.hours_en = "Main Building 2F, Window 21", "Weekdays 8:30-17:15"
    kankyo.save()
    faq = FaqFactory(
        department=kankyo,
        question="粗大ごみの収集を申し込みたい。",
        answer="電話で申し込んでください。",
        question_en="I want to book a bulky waste collection.",
        answer_en="Book by phone.",
    )

    # The link an English chat answer gives (no language cookie needed).
    content = client.get(reverse("faq:detail", args=[faq.pk]) + "?lang=en").content.decode()

    assert '<html lang="en">' in content
    assert "<h1>I want to book a bulky waste collection.</h1>" in content
    assert "Book by phone." in content
    assert "電話で申し込んでください。" not in content
    assert "Main Building 2F, Window 21" in content
    assert "Weekdays 8:30-17:15" in content
    assert "available in Japanese only" not in content
    # Without the parameter (and no cookie) the page is Japanese, as before.
    assert (
        "<h1>粗大ごみの収集を申し込みたい。</h1>" in client.get(reverse("faq:detail", args=[faq.pk])).content.decode()
    )


def test_faq_page_in_english_without_english_text_says_so(client, kankyo):
    faq = FaqFactory(department=kankyo, question="犬の登録をしたい。", answer="環境課で登録してください。")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("faq:detail", args=[faq.pk])).content.decode()

    assert "available in Japanese only" in content
    assert '<article class="faq" lang="ja">' in content
    assert "環境課で登録してください。" in content


def test_home_page_in_english_lists_english_questions(client, kankyo):
    FaqFactory(
        department=kankyo, question="粗大ごみの収集を申し込みたい。", question_en="Bulky waste", answer_en="Book it."
    )
    FaqFactory(department=kankyo, question="犬の登録をしたい。")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("home")).content.decode()

    assert 'lang="en">Bulky waste</a>' in content
    assert 'lang="ja">犬の登録をしたい。</a>' in content

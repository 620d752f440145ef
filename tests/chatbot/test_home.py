"""The town's home page: public FAQs by category and the department directory."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from faq.models import FaqStatus
from faq.selectors import today_local
from tests.factories import CategoryFactory, DepartmentFactory, FaqFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_public_faqs_grouped_by_category_in_order(client, kankyo, jumin):
    gomi = CategoryFactory(name="ごみ・リサイクル", sort_order=20)
    koseki = CategoryFactory(name="戸籍・住民票", sort_order=10)
    sodai = FaqFactory(question="粗大ごみを出したい。", category=gomi, department=kankyo)
    FaqFactory(question="家庭ごみの出し方を知りたい。", category=gomi, department=kankyo)
    FaqFactory(question="住民票の写しを取りたい。", category=koseki, department=jumin)

    content = home(client)

    groups = [(category.name, [faq.question for faq in faqs]) for category, faqs in client.get("/").context["groups"]]
    assert groups == [
        ("戸籍・住民票", ["住民票の写しを取りたい。"]),
        ("ごみ・リサイクル", ["粗大ごみを出したい。", "家庭ごみの出し方を知りたい。"]),
    ]
    assert content.index("戸籍・住民票") < content.index("住民票の写しを取りたい。") < content.index("ごみ・リサイクル")
    assert content.index("ごみ・リサイクル") < content.index("粗大ごみを出したい。")
    assert reverse("faq:detail", args=[sodai.pk]) in content


def test_home_faqs_without_category_shown(client):
    FaqFactory(question="分類のない質問", category=None)

    assert "分類のない質問" in home(client)


@pytest.mark.parametrize(
    ("attributes", "shown"),
    [
        pytest.param({}, True, id="published"),
        pytest.param({"valid_from": 0, "valid_until": 0}, True, id="valid-only-today"),
        pytest.param({"status": FaqStatus.DRAFT}, False, id="draft"),
        pytest.param({"status": FaqStatus.WITHDRAWN}, False, id="withdrawn"),
        pytest.param({"valid_until": -1}, False, id="expired-yesterday"),
        pytest.param({"valid_from": 1}, False, id="valid-from-tomorrow"),
    ],
)
def test_home_shows_only_published_currently_valid_faqs(client, attributes, shown):
    values = {
        key: (today_local() + value * DAY if key.startswith("valid") else value) for key, value in attributes.items()
    }
    FaqFactory(question="対象の質問", **values)
    FaqFactory(question="いつも公開の質問")

    content = home(client)

    assert ("対象の質問" in content) is shown
    assert "いつも公開の質問" in content


def test_home_without_public_faqs_still_renders_directory(client, kankyo):
    FaqFactory(question="下書きの質問", status=FaqStatus.DRAFT, department=kankyo)

    content = home(client)

    assert "下書きの質問" not in content
    assert "環境課" in content


def test_home_department_directory_lists_contacts_in_order(client):
    DepartmentFactory(name="総合案内", phone="0000-11-1000", sort_order=0, is_general_reception=True)
    DepartmentFactory(name="環境課", phone="0000-11-1301", window="本庁舎2階 21番窓口", sort_order=20)
    DepartmentFactory(name="住民課", phone="0000-11-1101", closed_days="土曜・日曜・祝日", sort_order=10)

    content = home(client)

    assert content.index("総合案内") < content.index("住民課") < content.index("環境課")
    assert 'href="tel:0000-11-1301"' in content
    assert "本庁舎2階 21番窓口" in content
    assert "土曜・日曜・祝日" in content


def test_home_english_cookie_shows_english_category_and_department_names(client, kankyo):
    FaqFactory(category=CategoryFactory(name="ごみ・リサイクル", name_en="Garbage and recycling"), department=kankyo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = home(client)

    assert "Garbage and recycling" in content
    assert "ごみ・リサイクル" not in content
    assert "Environment Division" in content
    assert "B Town" in content


def test_home_japanese_by_default(client, kankyo):
    FaqFactory(category=CategoryFactory(name="ごみ・リサイクル", name_en="Garbage and recycling"), department=kankyo)

    content = home(client)

    assert "ごみ・リサイクル" in content
    assert "Garbage and recycling" not in content
    assert "B町" in content


def test_home_set_language_post_switches_to_english(client, kankyo):
    FaqFactory(category=CategoryFactory(name="ごみ・リサイクル", name_en="Garbage and recycling"), department=kankyo)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert "Garbage and recycling" in home(client)

"""The sample town B町 shipped with the project (`load_sample_town`)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from faq.models import Category, Department, Faq, FaqStatus
from faq.sample import sample_town_load
from faq.selectors import faq_list_public

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
    assert (second.departments_created, second.categories_created) == (0, 0)
    assert (second.faqs.created, second.faqs.updated, second.faqs.unchanged) == (0, 0, first.faqs.created)
    assert Faq.history.count() == faq_history
    assert Department.history.count() == department_history


def test_load_sample_town_command_reports_counts():
    load_sample_town()

    output = load_sample_town()

    assert "0 new department(s), 0 new category(ies)" in output
    assert f"0 created, 0 updated, {Faq.objects.count()} unchanged" in output


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

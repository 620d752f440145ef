import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import translation

from faq.models import ALTERNATE_QUESTIONS_MAX, ANSWER_MAX_CHARS, Department, Faq, FaqStatus
from tests.factories import DepartmentFactory, FaqFactory

pytestmark = pytest.mark.django_db

APRIL = datetime.date(2026, 4, 1)
MARCH = datetime.date(2026, 3, 1)


def test_faq_valid_until_before_valid_from_rejected_by_full_clean():
    faq = FaqFactory.build(department=DepartmentFactory(), category=None, valid_from=APRIL, valid_until=MARCH)

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            faq.full_clean()
        messages = excinfo.value.messages

    assert "'Valid until' cannot be before 'valid from'." in messages


def test_faq_valid_until_before_valid_from_rejected_by_database():
    department = DepartmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Faq.objects.create(question="q", answer="a", department=department, valid_from=APRIL, valid_until=MARCH)

    assert Faq.objects.count() == 0


def test_faq_valid_until_equal_to_valid_from_accepted():
    faq = FaqFactory(valid_from=APRIL, valid_until=APRIL)

    faq.full_clean()

    assert Faq.objects.get(pk=faq.pk).valid_until == APRIL


def test_faq_published_without_department_rejected_by_full_clean():
    faq = Faq(question="q", answer="a", status=FaqStatus.PUBLISHED)

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            faq.full_clean()
        messages = excinfo.value.messages

    assert "A published FAQ needs a department that residents can be handed off to." in messages


def test_faq_published_without_department_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Faq.objects.create(question="q", answer="a", status=FaqStatus.PUBLISHED)

    assert Faq.objects.count() == 0


def test_faq_draft_without_department_accepted():
    faq = Faq(question="q", answer="a")

    faq.full_clean()
    faq.save()

    assert Faq.objects.get(pk=faq.pk).status == FaqStatus.DRAFT


def test_department_second_general_reception_rejected_by_full_clean():
    DepartmentFactory(is_general_reception=True)
    second = DepartmentFactory.build(code="SECOND", name="第二総合案内", is_general_reception=True)

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            second.full_clean()
        messages = excinfo.value.messages

    assert "Only one department can be the general reception." in messages


def test_department_second_general_reception_rejected_by_database():
    DepartmentFactory(is_general_reception=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(code="SECOND", name="第二総合案内", is_general_reception=True)

    assert Department.objects.filter(is_general_reception=True).count() == 1


def test_department_many_ordinary_departments_accepted():
    DepartmentFactory(is_general_reception=True)
    DepartmentFactory.create_batch(3)

    assert Department.objects.filter(is_general_reception=False).count() == 3


@pytest.mark.parametrize(
    ("alternates", "message"),
    [
        pytest.param(
            ["粗大ごみ|大型ごみ"],
            "An alternate question may not contain '|' (it separates them in CSV files).",
            id="separator",
        ),
        pytest.param(["  "], "An alternate question is empty.", id="empty"),
        pytest.param(["x" * 301], "An alternate question is longer than 300 characters.", id="too-long"),
        pytest.param(
            [f"言い方{i}" for i in range(ALTERNATE_QUESTIONS_MAX + 1)],
            "At most 30 alternate questions (got 31).",
            id="too-many",
        ),
        pytest.param("粗大ごみ", "Alternate questions must be a list of texts.", id="not-a-list"),
    ],
)
def test_faq_alternate_questions_invalid_rejected(alternates, message):
    faq = FaqFactory.build(department=DepartmentFactory(), category=None, alternate_questions=alternates)

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            faq.full_clean()
        messages = excinfo.value.message_dict["alternate_questions"]

    assert messages == [message]


def test_faq_answer_longer_than_limit_rejected():
    faq = FaqFactory.build(department=DepartmentFactory(), category=None, answer="あ" * (ANSWER_MAX_CHARS + 1))

    with pytest.raises(ValidationError) as excinfo:
        faq.full_clean()

    assert list(excinfo.value.message_dict) == ["answer"]


def test_faq_save_records_a_history_version():
    faq = FaqFactory(answer="古い回答")
    faq.answer = "新しい回答"
    faq.save()

    answers = list(faq.history.order_by("history_id").values_list("answer", flat=True))
    assert answers == ["古い回答", "新しい回答"]


def test_department_with_faqs_cannot_be_deleted():
    faq = FaqFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        faq.department.delete()

    assert Department.objects.filter(pk=faq.department_id).exists()

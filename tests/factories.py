"""factory_boy factories for the FAQ content and staff accounts."""

from typing import Any

import factory
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory, Password

from changeflow.staff import faq_admin_group_ensure
from faq.models import Category, Department, Faq, FaqStatus

STAFF_PASSWORD = "staff-password-123"


class DepartmentFactory(DjangoModelFactory[Department]):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"テスト課{n}")
    name_en = factory.Sequence(lambda n: f"Test Division {n}")
    phone = factory.Sequence(lambda n: f"0000-22-{n:04d}")
    window = "本庁舎1階 3番窓口"
    hours = "平日 8:30〜17:15"
    sort_order = factory.Sequence(lambda n: n)


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"分類{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    sort_order = factory.Sequence(lambda n: n)


class FaqFactory(DjangoModelFactory[Faq]):
    """A published FAQ with a department, valid with no date limits."""

    class Meta:
        model = Faq

    external_id = factory.Sequence(lambda n: f"T-{n:04d}")
    question = factory.Sequence(lambda n: f"質問{n}の手続きを知りたい。")
    answer = factory.Sequence(lambda n: f"回答{n}：窓口で手続きしてください。")
    alternate_questions = factory.LazyFunction(list)
    department = factory.SubFactory(DepartmentFactory)
    category = factory.SubFactory(CategoryFactory)
    status = FaqStatus.PUBLISHED


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = Password(STAFF_PASSWORD)


class StaffUserFactory(UserFactory):
    """A staff member in the FAQ管理者 group, as set up for the town's FAQ staff."""

    is_staff = True

    @factory.post_generation
    def faq_admin_group(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.groups.add(faq_admin_group_ensure())  # type: ignore[attr-defined]

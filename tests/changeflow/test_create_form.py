"""Bad input on the new-request page is refused with a message, and nothing at all is saved."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from changeflow.models import ChangeEvent, ChangeItem, ChangeRequest, ChangeStatus
from faq.models import Department, Faq
from faq.selectors import today_local
from tests.changeflow.conftest import FEE_ANSWER, FEE_NEW_ANSWER, client_for
from tests.factories import FaqFactory

LONG = "あ" * 10_000


@pytest.fixture
def editor_client(editor: User) -> Client:
    return client_for(editor)


def fee_data(department: Department, faq: Faq, **extra: Any) -> dict[str, Any]:
    return {
        "department": department.pk,
        "title": "粗大ごみ処理手数料の改定",
        "old_value": "500円",
        "new_value": "700円",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "faqs": [faq.pk],
        "reason": "手数料条例の改正",
        "action": "submit",
        **extra,
    }


def post(client: Client, kind: str, data: dict[str, Any]) -> Any:
    return client.post(reverse("changeflow:create", args=[kind]), data)


def assert_nothing_saved() -> None:
    assert ChangeRequest.objects.count() == 0
    assert ChangeItem.objects.count() == 0
    assert ChangeEvent.objects.count() == 0


def form_errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response
    return dict(response.context["form"].errors)


@pytest.mark.django_db
def test_valid_fee_change_is_saved_and_submitted(editor_client: Client, kankyo: Department, fee_faq: Faq) -> None:
    response = post(editor_client, "fee", fee_data(kankyo, fee_faq))

    change = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("changeflow:detail", args=[change.pk])
    assert change.status == ChangeStatus.SUBMITTED
    assert (change.old_value, change.new_value) == ("500円", "700円")
    item = ChangeItem.objects.get(request=change)
    assert item.faq == fee_faq
    assert item.current_answer == FEE_ANSWER
    assert item.new_answer == FEE_NEW_ANSWER  # today's text with the old value replaced
    assert change.flags == []


@pytest.mark.django_db
def test_preview_saves_nothing_and_shows_the_diff(editor_client: Client, kankyo: Department, fee_faq: Faq) -> None:
    response = post(editor_client, "fee", fee_data(kankyo, fee_faq, action="preview"))

    assert response.status_code == 200
    assert "<del>5</del>" in response.content.decode()
    assert "<ins>7</ins>" in response.content.decode()
    assert_nothing_saved()


@pytest.mark.django_db
def test_past_effective_date_needs_confirmation(editor_client: Client, kankyo: Department, fee_faq: Faq) -> None:
    yesterday = (today_local() - datetime.timedelta(days=1)).isoformat()

    refused = post(editor_client, "fee", fee_data(kankyo, fee_faq, effective_date=yesterday))
    assert "effective_date" in form_errors(refused)
    assert_nothing_saved()

    accepted = post(editor_client, "fee", fee_data(kankyo, fee_faq, effective_date=yesterday, confirm_past="on"))
    assert accepted.status_code == 302
    change = ChangeRequest.objects.get()
    assert change.effective_date == today_local() - datetime.timedelta(days=1)
    assert change.status == ChangeStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new"),
    [("500円", "500円"), ("５００円", "500円"), ("500円", "５００円"), (" 500円 ", "500円")],
    ids=["same", "full-width-old", "full-width-new", "spaces"],
)
def test_new_value_equal_to_old_value_is_refused(
    editor_client: Client, kankyo: Department, fee_faq: Faq, old: str, new: str
) -> None:
    response = post(editor_client, "fee", fee_data(kankyo, fee_faq, old_value=old, new_value=new))

    assert "The new value is the same as the current one." in form_errors(response)["new_value"]
    assert_nothing_saved()


@pytest.mark.django_db
def test_full_width_old_value_is_found_in_the_faq_text(editor_client: Client, kankyo: Department) -> None:
    faq = FaqFactory.create(department=kankyo, question="犬の登録料は？", answer="登録料は１頭３０００円です。")

    response = post(editor_client, "fee", fee_data(kankyo, faq, old_value="3000円", new_value="3500円"))

    assert response.status_code == 302
    assert ChangeItem.objects.get().new_answer == "登録料は１頭3500円です。"  # only the value itself is rewritten


@pytest.mark.django_db
def test_editor_cannot_choose_another_departments_faq(
    editor_client: Client, kankyo: Department, jumin: Department, fee_faq: Faq
) -> None:
    other = FaqFactory.create(department=jumin, question="住民票の手数料は？", answer="1通500円です。")

    response = post(editor_client, "fee", {**fee_data(kankyo, fee_faq), "faqs": [fee_faq.pk, other.pk]})

    assert "faqs" in form_errors(response)
    assert_nothing_saved()


@pytest.mark.django_db
def test_reviewer_cannot_mix_departments_in_one_change(
    reviewer: User, kankyo: Department, jumin: Department, fee_faq: Faq
) -> None:
    """A reviewer may choose any FAQ, but one change belongs to one department."""
    other = FaqFactory.create(department=jumin, question="住民票の手数料は？", answer="1通500円です。")

    response = post(client_for(reviewer), "fee", {**fee_data(kankyo, fee_faq), "faqs": [fee_faq.pk, other.pk]})

    errors = form_errors(response)["faqs"]
    assert any("belongs to another department" in error and other.question in error for error in errors)
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "old_value", "new_value", "reason", "notice_url"])
def test_10000_character_form_field_is_refused(
    editor_client: Client, kankyo: Department, fee_faq: Faq, field: str
) -> None:
    value = "https://example.jp/" + "a" * 10_000 if field == "notice_url" else LONG

    response = post(editor_client, "fee", fee_data(kankyo, fee_faq, **{field: value}))

    assert field in form_errors(response)
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "limit"), [("a", 8000), ("q", 300)], ids=["answer", "question"])
def test_10000_character_proposed_faq_text_is_refused(
    editor_client: Client, kankyo: Department, fee_faq: Faq, prefix: str, limit: int
) -> None:
    response = post(editor_client, "fee", fee_data(kankyo, fee_faq, **{f"{prefix}-{fee_faq.pk}": "700円" + LONG}))

    errors = form_errors(response)["__all__"]
    assert any(f"at most {limit} characters" in error for error in errors), errors
    assert_nothing_saved()


@pytest.mark.django_db
def test_10000_character_new_service_answer_is_refused(editor_client: Client, kankyo: Department) -> None:
    data = {
        "department": kankyo.pk,
        "title": "新サービス",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "new_question": "新しいサービスは？",
        "new_answer": LONG,
        "reason": "新規事業",
        "action": "submit",
    }

    assert "new_answer" in form_errors(post(editor_client, "new_service", data))
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "missing", "error_field"),
    [
        ("fee", {"old_value": ""}, "old_value"),
        ("fee", {"new_value": ""}, "new_value"),
        ("hours", {"old_value": "", "new_value": ""}, "old_value"),
        ("contact", {"new_value": ""}, "new_value"),
        ("procedure", {"new_value": ""}, "new_value"),
        ("fee", {"faqs": []}, "faqs"),
        ("free_text", {"faqs": []}, "faqs"),
        ("service_end", {"faqs": []}, "faqs"),
        ("fee", {"title": ""}, "title"),
        ("fee", {"reason": ""}, "reason"),
        ("fee", {"effective_date": ""}, "effective_date"),
    ],
)
def test_missing_required_field_per_template(
    editor_client: Client, kankyo: Department, fee_faq: Faq, kind: str, missing: dict[str, Any], error_field: str
) -> None:
    response = post(editor_client, kind, fee_data(kankyo, fee_faq, **missing))

    assert error_field in form_errors(response)
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "texts",
    [{"new_question": "", "new_answer": ""}, {"new_question": "補助はありますか。", "new_answer": "  "}],
    ids=["both-missing", "answer-blank"],
)
def test_new_service_needs_question_and_answer(
    editor_client: Client, kankyo: Department, texts: dict[str, str]
) -> None:
    data = {
        "department": kankyo.pk,
        "title": "新サービス",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "reason": "新規事業",
        "action": "submit",
        **texts,
    }

    response = post(editor_client, "new_service", data)

    assert "A new service needs the question and answer of its FAQ." in form_errors(response)["__all__"]
    assert_nothing_saved()


@pytest.mark.django_db
def test_no_faq_text_would_change(editor_client: Client, kankyo: Department, fee_faq: Faq) -> None:
    """The old value is not in the FAQ, so the proposed text equals today's."""
    response = post(editor_client, "fee", fee_data(kankyo, fee_faq, old_value="600円", new_value="800円"))

    assert "No FAQ text would change. Edit the new texts before saving." in form_errors(response)["__all__"]
    assert_nothing_saved()


@pytest.mark.django_db
def test_free_text_with_todays_text_is_refused(editor_client: Client, kankyo: Department, fee_faq: Faq) -> None:
    data = fee_data(kankyo, fee_faq, **{f"q-{fee_faq.pk}": fee_faq.question, f"a-{fee_faq.pk}": f" {FEE_ANSWER} "})

    response = post(editor_client, "free_text", data)

    assert "No FAQ text would change. Edit the new texts before saving." in form_errors(response)["__all__"]
    assert_nothing_saved()


@pytest.mark.django_db
def test_emptied_faq_text_is_refused(editor_client: Client, kankyo: Department, fee_faq: Faq) -> None:
    response = post(editor_client, "free_text", fee_data(kankyo, fee_faq, **{f"a-{fee_faq.pk}": "   "}))

    assert any("may not be empty" in error for error in form_errors(response)["__all__"])
    assert_nothing_saved()

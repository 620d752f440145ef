"""Roll-back restores the earlier texts as a new version; new services are withdrawn, ended ones come back."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from changeflow import services
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeItem, ChangeKind, ChangeRequest, ChangeStatus
from changeflow.services import ChangeFlowError
from faq.models import Category, Department, Faq, FaqStatus
from faq.selectors import today_local
from faq.services import faq_save
from tests.changeflow.conftest import FEE_ANSWER, FEE_NEW_ANSWER, FEE_QUESTION, MakeChange, client_for
from tests.factories import CategoryFactory, FaqFactory


def published_change(make_change: MakeChange, reviewer: User, **extra: Any) -> ChangeRequest:
    change = make_change(effective_date=today_local(), **extra)
    services.change_approve(change=change, user=reviewer)
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.PUBLISHED
    return change


def new_service_change(editor: User, department: Department, category: Category | None = None) -> ChangeRequest:
    return services.change_create(
        user=editor,
        kind=ChangeKind.NEW_SERVICE,
        department=department,
        title="生ごみ処理機の購入補助",
        effective_date=today_local(),
        reason="新規事業",
        items=[
            ItemDraft(
                None,
                "生ごみ処理機の購入補助はありますか。",
                "生ごみ処理機の購入費の2分の1（上限2万円）を補助します。",
                category=category,
            )
        ],
        submit=True,
    )


def service_end_change(editor: User, faq: Faq) -> ChangeRequest:
    assert faq.department is not None
    return services.change_create(
        user=editor,
        kind=ChangeKind.SERVICE_END,
        department=faq.department,
        title="古紙の拠点回収の終了",
        effective_date=today_local(),
        reason="事業終了",
        items=[ItemDraft(faq, faq.question, faq.answer, withdraw=True)],
        submit=True,
    )


@pytest.mark.django_db
def test_rollback_restores_previous_text_as_a_new_version(
    make_change: MakeChange, reviewer: User, fee_faq: Faq
) -> None:
    before = fee_faq.history.count()
    change = published_change(make_change, reviewer, items=[ItemDraft(fee_faq, "粗大ごみの料金は？", FEE_NEW_ANSWER)])
    assert Faq.objects.get(pk=fee_faq.pk).question == "粗大ごみの料金は？"
    assert fee_faq.history.count() == before + 1

    services.change_rollback(change=change, user=reviewer, comment="施行延期")

    faq = Faq.objects.get(pk=fee_faq.pk)
    assert (faq.question, faq.answer, faq.status) == (FEE_QUESTION, FEE_ANSWER, FaqStatus.PUBLISHED)
    assert fee_faq.history.count() == before + 2
    newest, published, original = list(fee_faq.history.order_by("-history_id")[:3])
    assert (newest.question, newest.answer) == (FEE_QUESTION, FEE_ANSWER)
    assert published.answer == FEE_NEW_ANSWER
    assert original.answer == FEE_ANSWER
    assert f"#{change.pk}" in (newest.history_change_reason or "")
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.ROLLED_BACK


@pytest.mark.django_db
def test_rollback_after_someone_else_edited_the_faq_is_refused(
    make_change: MakeChange, reviewer: User, fee_faq: Faq
) -> None:
    change = published_change(make_change, reviewer)
    faq = Faq.objects.get(pk=fee_faq.pk)
    faq.answer = "粗大ごみ処理券は1点につき700円です。町内のコンビニと役場で購入できます。"
    faq_save(faq=faq, reason="staff edit")
    history = fee_faq.history.count()

    with pytest.raises(ChangeFlowError):
        services.change_rollback(change=change, user=reviewer, comment="undo")

    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.PUBLISHED
    assert Faq.objects.get(pk=fee_faq.pk).answer == faq.answer
    assert fee_faq.history.count() == history


@pytest.mark.django_db
def test_rollback_on_the_detail_page(make_change: MakeChange, reviewer: User, fee_faq: Faq) -> None:
    change = published_change(make_change, reviewer)
    client = client_for(reviewer)
    assert client.get(reverse("changeflow:detail", args=[change.pk])).context["can_rollback"] is True

    missing_comment = client.post(reverse("changeflow:detail", args=[change.pk]), {"action": "rollback"})
    assert missing_comment.status_code == 200
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.PUBLISHED

    response = client.post(
        reverse("changeflow:detail", args=[change.pk]), {"action": "rollback", "comment": "条例の施行が延期"}
    )
    assert response.status_code == 302
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.ROLLED_BACK
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_ANSWER


@pytest.mark.django_db
def test_new_service_is_created_on_publication_and_withdrawn_on_rollback(
    editor: User, kankyo: Department, reviewer: User
) -> None:
    category = CategoryFactory.create(name="ごみ・リサイクル")
    change = new_service_change(editor, kankyo, category)
    assert not Faq.objects.filter(question="生ごみ処理機の購入補助はありますか。").exists()

    services.change_approve(change=change, user=reviewer)

    created = Faq.objects.get(question="生ごみ処理機の購入補助はありますか。")
    assert created.status == FaqStatus.PUBLISHED
    assert created.department == kankyo
    assert created.category == category
    item = ChangeItem.objects.get(request=change)
    assert item.faq == created
    assert item.before_history_id is None

    services.change_rollback(change=change, user=reviewer, comment="事業中止")

    created.refresh_from_db()
    assert created.status == FaqStatus.WITHDRAWN
    assert created.history.count() == 2
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.ROLLED_BACK


@pytest.mark.django_db
def test_service_end_withdraws_and_rollback_republishes(editor: User, kankyo: Department, reviewer: User) -> None:
    faq = FaqFactory.create(
        department=kankyo, question="古紙の拠点回収はどこですか。", answer="役場駐車場で回収しています。"
    )
    change = service_end_change(editor, faq)

    services.change_approve(change=change, user=reviewer)
    withdrawn = Faq.objects.get(pk=faq.pk)
    assert withdrawn.status == FaqStatus.WITHDRAWN
    assert withdrawn.answer == "役場駐車場で回収しています。"

    services.change_rollback(change=change, user=reviewer, comment="継続が決まった")
    assert Faq.objects.get(pk=faq.pk).status == FaqStatus.PUBLISHED


@pytest.mark.django_db
def test_scheduled_change_items_are_untouched_until_published(
    make_change: MakeChange, reviewer: User, fee_faq: Faq
) -> None:
    change = make_change(effective_date=today_local() + datetime.timedelta(days=2))
    services.change_approve(change=change, user=reviewer)

    item = ChangeItem.objects.get(request=change)
    assert item.before_history_id is None
    assert item.published_history_id is None
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_ANSWER

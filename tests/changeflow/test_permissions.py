"""Who may see, submit and approve what: department editors stay in their department, nobody approves their own."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from changeflow import services
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeEvent, ChangeKind, ChangeRequest, ChangeStatus
from changeflow.permissions import can_review, can_view, change_list_visible
from faq.models import Department, Faq
from faq.selectors import today_local
from tests.changeflow.conftest import MakeChange, client_for, editor_create
from tests.factories import FaqFactory, UserFactory


@pytest.fixture
def jumin_faq(jumin: Department) -> Faq:
    return FaqFactory.create(department=jumin, question="住民票の手数料はいくらですか。", answer="1通300円です。")


@pytest.fixture
def jumin_change(make_change: MakeChange, jumin_editor: User, jumin_faq: Faq) -> ChangeRequest:
    """A submitted change of 住民課, made by its own editor."""
    return make_change(
        user=jumin_editor,
        faq=jumin_faq,
        new_answer="1通350円です。",
        old_value="300円",
        new_value="350円",
        title="住民票手数料の改定",
    )


def create_data(department: Department, faq: Faq, **extra: object) -> dict[str, object]:
    return {
        "department": department.pk,
        "title": "手数料の改定",
        "old_value": "300円",
        "new_value": "350円",
        "effective_date": (today_local() + datetime.timedelta(days=10)).isoformat(),
        "faqs": [faq.pk],
        "reason": "条例改正",
        "action": "submit",
        **extra,
    }


# ---------------------------------------------------------------- services


@pytest.mark.django_db
def test_editor_cannot_create_for_another_department(editor: User, jumin: Department, jumin_faq: Faq) -> None:
    with pytest.raises(PermissionDenied):
        services.change_create(
            user=editor,
            kind=ChangeKind.FEE,
            department=jumin,
            title="住民票手数料の改定",
            old_value="300円",
            new_value="350円",
            effective_date=today_local() + datetime.timedelta(days=5),
            reason="条例改正",
            items=[ItemDraft(jumin_faq, jumin_faq.question, "1通350円です。")],
            submit=True,
        )

    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_only_the_author_submits_a_draft(make_change: MakeChange, editor: User, reviewer: User) -> None:
    kankyo_colleague = editor_create(Department.objects.get(code="KANKYO"), "kankyo_colleague")
    draft = make_change(submit=False)

    for other in (kankyo_colleague, reviewer):
        with pytest.raises(PermissionDenied):
            services.change_submit(change=draft, user=other)

    assert ChangeRequest.objects.get(pk=draft.pk).status == ChangeStatus.DRAFT


@pytest.mark.django_db
def test_editor_cannot_approve_or_reject_even_in_own_department(
    make_change: MakeChange, editor: User, jumin_change: ChangeRequest
) -> None:
    kankyo_colleague = editor_create(Department.objects.get(code="KANKYO"), "kankyo_colleague")
    own_department = make_change(user=kankyo_colleague)
    events = ChangeEvent.objects.count()

    for change in (own_department, jumin_change):
        assert not can_review(editor, change)
        with pytest.raises(PermissionDenied):
            services.change_approve(change=change, user=editor)
        with pytest.raises(PermissionDenied):
            services.change_reject(change=change, user=editor, comment="no")
        assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.SUBMITTED
    assert ChangeEvent.objects.count() == events


@pytest.mark.django_db
def test_reviewer_cannot_approve_own_submission(make_change: MakeChange, reviewer: User, reviewer_b: User) -> None:
    own = make_change(user=reviewer)

    with pytest.raises(PermissionDenied):
        services.change_approve(change=own, user=reviewer)
    with pytest.raises(PermissionDenied):
        services.change_reject(change=own, user=reviewer, comment="self")
    assert ChangeRequest.objects.get(pk=own.pk).status == ChangeStatus.SUBMITTED

    services.change_approve(change=own, user=reviewer_b)
    assert ChangeRequest.objects.get(pk=own.pk).status == ChangeStatus.SCHEDULED


@pytest.mark.django_db
def test_editor_cannot_roll_back(make_change: MakeChange, editor: User, reviewer: User) -> None:
    change = make_change(effective_date=today_local())
    services.change_approve(change=change, user=reviewer)

    with pytest.raises(PermissionDenied):
        services.change_rollback(change=change, user=editor, comment="undo")

    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.PUBLISHED


@pytest.mark.django_db
def test_visibility_by_department(
    make_change: MakeChange, editor: User, reviewer: User, jumin_change: ChangeRequest
) -> None:
    kankyo_change = make_change()

    assert list(change_list_visible(editor)) == [kankyo_change]
    assert set(change_list_visible(reviewer)) == {kankyo_change, jumin_change}
    assert not can_view(editor, jumin_change)
    assert can_view(reviewer, jumin_change)


# ---------------------------------------------------------------- pages


@pytest.mark.django_db
def test_editor_gets_404_for_another_departments_request_and_does_not_list_it(
    make_change: MakeChange, editor: User, jumin_change: ChangeRequest
) -> None:
    kankyo_change = make_change(title="ごみ袋の値段の改定")
    client = client_for(editor)

    assert client.get(reverse("changeflow:detail", args=[jumin_change.pk])).status_code == 404
    assert client.get(reverse("changeflow:detail", args=[kankyo_change.pk])).status_code == 200

    listing = client.get(reverse("changeflow:list"), {"status": ""})
    assert listing.status_code == 200
    assert list(listing.context["changes"]) == [kankyo_change]
    page = listing.content.decode()
    assert "ごみ袋の値段の改定" in page
    assert "住民票手数料の改定" not in page


@pytest.mark.django_db
def test_editor_post_approve_on_another_department_is_404_and_changes_nothing(
    editor: User, jumin_change: ChangeRequest
) -> None:
    client = client_for(editor)

    response = client.post(reverse("changeflow:detail", args=[jumin_change.pk]), {"action": "approve"})

    assert response.status_code == 404
    assert ChangeRequest.objects.get(pk=jumin_change.pk).status == ChangeStatus.SUBMITTED


@pytest.mark.django_db
def test_editor_post_approve_in_own_department_is_refused(make_change: MakeChange, editor: User) -> None:
    colleague = editor_create(Department.objects.get(code="KANKYO"), "kankyo_colleague")
    change = make_change(user=colleague)
    client = client_for(editor)

    page = client.get(reverse("changeflow:detail", args=[change.pk]))
    assert page.context["can_review"] is False
    assert 'value="approve"' not in page.content.decode()

    response = client.post(reverse("changeflow:detail", args=[change.pk]), {"action": "approve"}, follow=True)
    assert response.status_code == 200
    assert any("reviewer" in str(message) for message in response.context["messages"])
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.SUBMITTED


@pytest.mark.django_db
def test_reviewer_cannot_approve_own_submission_on_the_page(
    make_change: MakeChange, reviewer: User, reviewer_b: User
) -> None:
    own = make_change(user=reviewer)
    client = client_for(reviewer)

    page = client.get(reverse("changeflow:detail", args=[own.pk]))
    assert page.context["can_review"] is False
    assert page.context["own_submission"] is True

    client.post(reverse("changeflow:detail", args=[own.pk]), {"action": "approve", "comment": "self"})
    assert ChangeRequest.objects.get(pk=own.pk).status == ChangeStatus.SUBMITTED

    other = client_for(reviewer_b)
    assert other.get(reverse("changeflow:detail", args=[own.pk])).context["can_review"] is True
    response = other.post(reverse("changeflow:detail", args=[own.pk]), {"action": "approve", "comment": "OK"})
    assert response.status_code == 302
    assert ChangeRequest.objects.get(pk=own.pk).status == ChangeStatus.SCHEDULED


@pytest.mark.django_db
def test_reviewer_sees_every_department(make_change: MakeChange, reviewer: User, jumin_change: ChangeRequest) -> None:
    kankyo_change = make_change()
    client = client_for(reviewer)

    listing = client.get(reverse("changeflow:list"), {"status": ""})
    assert set(listing.context["changes"]) == {kankyo_change, jumin_change}
    for change in (kankyo_change, jumin_change):
        assert client.get(reverse("changeflow:detail", args=[change.pk])).status_code == 200


@pytest.mark.django_db
def test_editor_cannot_submit_for_another_department_on_the_create_page(
    editor: User, jumin: Department, jumin_faq: Faq
) -> None:
    client = client_for(editor)

    response = client.post(reverse("changeflow:create", args=["fee"]), create_data(jumin, jumin_faq))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "department" in errors
    assert "faqs" in errors
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_editor_cannot_post_submit_on_another_departments_draft(
    make_change: MakeChange, editor: User, jumin_editor: User, jumin_faq: Faq
) -> None:
    draft = make_change(
        user=jumin_editor,
        faq=jumin_faq,
        new_answer="1通350円です。",
        old_value="300円",
        new_value="350円",
        submit=False,
    )

    response = client_for(editor).post(reverse("changeflow:detail", args=[draft.pk]), {"action": "submit"})

    assert response.status_code == 404
    assert ChangeRequest.objects.get(pk=draft.pk).status == ChangeStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        reverse("changeflow:list"),
        reverse("changeflow:new"),
        reverse("changeflow:create", args=["fee"]),
        reverse("changeflow:detail", args=[1]),
        reverse("changeflow:reviews"),
    ],
)
def test_non_staff_user_is_redirected_to_admin_login(url: str) -> None:
    resident = UserFactory.create(username="resident", is_staff=False)
    for client in (Client(), client_for(resident)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert "next=" in response["Location"]


@pytest.mark.django_db
def test_staff_without_department_gets_403_on_new_request_pages(kankyo: Department) -> None:
    staff = UserFactory.create(username="plain_staff", is_staff=True)
    client = client_for(staff)

    assert client.get(reverse("changeflow:new")).status_code == 403
    assert client.get(reverse("changeflow:create", args=["fee"])).status_code == 403
    response = client.post(
        reverse("changeflow:create", args=["fee"]),
        {"department": kankyo.pk, "title": "x", "effective_date": "2099-01-01", "reason": "x", "action": "submit"},
    )
    assert response.status_code == 403
    assert ChangeRequest.objects.count() == 0
    listing = client.get(reverse("changeflow:list"))
    assert listing.status_code == 200
    assert listing.context["can_submit"] is False


@pytest.mark.django_db
def test_unknown_template_is_404(editor: User) -> None:
    assert client_for(editor).get(reverse("changeflow:create", args=["lottery"])).status_code == 404


@pytest.mark.django_db
def test_department_editor_sees_only_own_departments_faqs_in_admin(kankyo: Department, jumin: Department) -> None:
    own = FaqFactory.create(department=kankyo, question="環境課の質問です。")
    other = FaqFactory.create(department=jumin, question="住民課の質問です。")
    editor = editor_create(kankyo, "kankyo_admin_viewer")
    client = Client()
    client.force_login(editor)

    listing = client.get(reverse("admin:faq_faq_changelist"))
    assert listing.status_code == 200
    assert own.question in listing.content.decode()
    assert other.question not in listing.content.decode()
    assert client.get(reverse("admin:faq_faq_change", args=[other.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:faq_faq_change", args=[own.pk])).status_code == 200

"""One fee change through the pages: editor submits, reviewer approves, the FAQ text changes on its date."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from changeflow.models import ChangeRequest, ChangeStatus
from changeflow.services import publish_due_changes
from changeflow.staff import department_editor_group_ensure
from faq.models import DepartmentMember, Faq
from faq.selectors import today_local
from tests.factories import FaqFactory, UserFactory


@pytest.mark.django_db
def test_fee_change_submitted_approved_published_on_its_date(kankyo, faq_staff):
    faq = FaqFactory.create(
        department=kankyo, question="粗大ごみの手数料はいくらですか。", answer="1点につき500円です。"
    )
    editor = UserFactory.create(username="kankyo_ed", is_staff=True, email="ed@example.org")
    editor.groups.add(department_editor_group_ensure())
    DepartmentMember.objects.create(user=editor, department=kankyo)
    client = Client()
    client.force_login(editor)
    effective = today_local() + datetime.timedelta(days=3)
    data = {
        "department": kankyo.pk,
        "title": "粗大ごみ手数料の改定",
        "old_value": "500円",
        "new_value": "700円",
        "effective_date": effective.isoformat(),
        "faqs": [faq.pk],
        "reason": "条例改正",
        "action": "preview",
    }
    preview = client.post(reverse("changeflow:create", args=["fee"]), data)
    assert preview.status_code == 200
    assert "1点につき<ins>7</ins>00円です。" in preview.content.decode() or "<ins>" in preview.content.decode()
    assert f'name="a-{faq.pk}"' in preview.content.decode()
    submitted = client.post(
        reverse("changeflow:create", args=["fee"]), {**data, "action": "submit", f"a-{faq.pk}": "1点につき700円です。"}
    )
    change = ChangeRequest.objects.get()
    assert submitted.status_code == 302
    assert change.status == ChangeStatus.SUBMITTED

    reviewer = Client()
    reviewer.force_login(faq_staff)
    approved = reviewer.post(reverse("changeflow:detail", args=[change.pk]), {"action": "approve", "comment": "OK"})
    assert approved.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert Faq.objects.get(pk=faq.pk).answer == "1点につき500円です。"

    assert publish_due_changes(today=effective - datetime.timedelta(days=1)) == []
    assert publish_due_changes(today=effective) == [change.pk]
    assert publish_due_changes(today=effective) == []
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED
    assert Faq.objects.get(pk=faq.pk).answer == "1点につき700円です。"
    assert isinstance(editor, User)

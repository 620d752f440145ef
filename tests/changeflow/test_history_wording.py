"""A change request's history as staff read it: each step in words, and a status change as 申請中 → 承認済み."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from changeflow import services
from changeflow.models import ChangeRequest
from faq.selectors import today_local
from tests.changeflow.conftest import FEE_NEW_ANSWER, MakeChange, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def history_steps(html: str, table: str) -> list[str]:
    """The text of the action column of each row of the history table (detail page) or the event inline (admin)."""
    if table == "detail":
        body = html.split('<table id="change-events">', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr><td>.*?</td><td>.*?</td><td>(.*?)</td>", body, re.S)
    else:
        rows = re.findall(r'<td class="field-step">\s*<p>(.*?)</p>', html, re.S)
    return [re.sub(r"\s+", " ", row).strip() for row in rows]


def published_change(make_change: MakeChange, editor: User, reviewer: User) -> ChangeRequest:
    change = make_change(effective_date=today_local() - datetime.timedelta(days=1), submit=False, confirm_past=True)
    item = change.items.get()
    services.change_update_texts(
        change=change, user=editor, texts={item.pk: (item.new_question, FEE_NEW_ANSWER + "詳しくは環境課へ。")}
    )
    services.change_submit(change=change, user=editor)
    services.change_approve(change=change, user=reviewer, comment="条例改正を確認しました")
    return change


@pytest.mark.usefixtures("isolated_index")
def test_detail_page_history_in_words(make_change: MakeChange, editor: User, reviewer: User) -> None:
    change = published_change(make_change, editor, reviewer)

    html = client_for(reviewer, english=False).get(reverse("changeflow:detail", args=[change.pk])).content.decode()

    assert history_steps(html, "detail") == [
        "作成（→ 下書き）",
        "編集",
        "申請（下書き → 申請中）",
        "承認（申請中 → 承認済み）",
        "公開（承認済み → 公開済み）",
    ]
    assert 'data-status="published">公開済み</dd>' in html
    assert "公開中" not in html


@pytest.mark.usefixtures("isolated_index")
def test_admin_event_list_in_words_and_in_english(make_change: MakeChange, editor: User, reviewer: User) -> None:
    change = published_change(make_change, editor, reviewer)
    url = reverse("admin:changeflow_changerequest_change", args=[change.pk])

    superuser = UserFactory.create(username="history_superuser", is_staff=True, is_superuser=True)
    ja = client_for(superuser, english=False).get(url)
    en = client_for(superuser).get(url)

    assert ja.status_code == en.status_code == 200
    assert history_steps(ja.content.decode(), "admin") == [
        "作成（→ 下書き）",
        "編集",
        "申請（下書き → 申請中）",
        "承認（申請中 → 承認済み）",
        "公開（承認済み → 公開済み）",
    ]
    assert history_steps(en.content.decode(), "admin")[1:] == [
        "Edited",
        "Submitted (Draft → Submitted)",
        "Approved (Submitted → Approved)",
        "Published (Approved → Published)",
    ]

"""The version pages of FAQs and departments as staff read them: words, reasons, and each change shown whole."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from changeflow.staff import department_editor_group_ensure
from faq.models import Department, DepartmentMember, FaqStatus
from tests.factories import FaqFactory, StaffUserFactory, UserFactory
from tests.faq.test_admin import faq_form_data

pytestmark = pytest.mark.django_db

OLD_ANSWER = "燃やせないごみは月2回、第2・第4水曜日に収集します。朝8時30分までに指定の集積所へ出してください。"
NEW_ANSWER = "燃やせないごみは月3回、第1・第3・第5水曜日に収集します。朝8時30分までに指定の集積所へ出してください。"


@pytest.fixture
def admin_client_ja(client: Client) -> Client:
    client.force_login(StaffUserFactory.create(username="history_faq_admin"))
    return client


def history_page(client: Client, model: str, pk: int) -> str:
    response = client.get(reverse(f"admin:faq_{model}_history", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def version_row(content: str, history_id: int) -> str:
    match = re.search(
        rf'<tr id="version-{history_id}">(.*?)</tr>\s*(?=<tr id="version-|</tbody>\s*</table>\s*<p)', content, re.S
    )
    assert match, f"no row for version {history_id}"
    return match[1]


def test_admin_edit_is_kept_with_the_default_reason_and_the_whole_change(admin_client_ja: Client, kankyo: Department):
    faq = FaqFactory.create(department=kankyo, answer=OLD_ANSWER)

    response = admin_client_ja.post(
        reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, answer=NEW_ANSWER)
    )
    assert response.status_code == 302

    latest = faq.history.latest("history_date")
    assert latest.history_change_reason == "管理画面で編集"
    content = history_page(admin_client_ja, "faq", faq.pk)
    row = version_row(content, latest.history_id)
    for header in ("日時", "操作", "状態", "質問", "変更者", "変更の理由", "変更内容"):
        assert f'<th scope="col">{header}</th>' in content
    assert "<td>変更</td>" in row
    assert '<td class="vh-cell">公開中</td>' in row
    assert '<td class="vh-reason">管理画面で編集</td>' in row
    assert "<caption>回答</caption>" in row
    assert "<del>2</del>" in row
    assert "<ins>3</ins>" in row
    assert OLD_ANSWER in text_of(row)
    assert NEW_ANSWER in text_of(row)
    assert "chars]" not in content
    assert "None" not in content
    assert "published" not in text_of(content)
    # The first version was made before reasons were kept in the admin.
    first = version_row(content, faq.history.earliest("history_date").history_id)
    assert "（記録なし）" in first
    assert "最初の版です。" in first


def test_the_editors_note_follows_the_default_reason(admin_client_ja: Client, kankyo: Department):
    faq = FaqFactory.create(department=kankyo, status=FaqStatus.DRAFT)

    form = admin_client_ja.get(reverse("admin:faq_faq_change", args=[faq.pk])).content.decode()
    assert "変更の理由（任意）" in form
    assert 'name="change_reason"' in form
    admin_client_ja.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(faq, status=FaqStatus.PUBLISHED, change_reason="  広報誌4月号に合わせて公開\n"),
    )

    latest = faq.history.latest("history_date")
    assert latest.history_change_reason == "管理画面で編集：広報誌4月号に合わせて公開"
    row = version_row(history_page(admin_client_ja, "faq", faq.pk), latest.history_id)
    assert "<caption>状態</caption>" in row
    assert "<del>下書き</del>" in row
    assert "<ins>公開中</ins>" in row
    assert "管理画面で編集：広報誌4月号に合わせて公開" in row


def test_alternate_questions_dates_and_department_are_compared_whole(
    admin_client_ja: Client, kankyo: Department, jumin: Department
):
    faq = FaqFactory.create(department=kankyo, alternate_questions=["不燃ごみの日", "瓶の出し方"])

    admin_client_ja.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(
            faq, alternate_questions="不燃ごみの日\n缶の出し方", valid_from="2027-04-01", department=str(jumin.pk)
        ),
    )

    row = version_row(history_page(admin_client_ja, "faq", faq.pk), faq.history.latest("history_date").history_id)
    assert "<caption>言い換え質問</caption>" in row
    assert "不燃ごみの日\n<del>瓶</del>の出し方" in row
    assert "不燃ごみの日\n<ins>缶</ins>の出し方" in row
    assert "<ins>2027-04-01</ins>" in row
    assert "<caption>担当課</caption>" in row
    assert "<del>環境</del>課" in row
    assert "<ins>住民</ins>課" in row


def test_restoring_an_earlier_version_says_so(admin_client_ja: Client, kankyo: Department):
    faq = FaqFactory.create(department=kankyo, answer=OLD_ANSWER)
    admin_client_ja.post(reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, answer=NEW_ANSWER))
    first = faq.history.earliest("history_date")
    revert_url = reverse("admin:faq_faq_simple_history", args=[faq.pk, first.history_id])

    page = admin_client_ja.get(revert_url).content.decode()
    assert "この版を復元" in page
    assert "変更の理由（任意）" in page
    faq.refresh_from_db()
    admin_client_ja.post(revert_url, faq_form_data(faq, answer=OLD_ANSWER))

    latest = faq.history.latest("history_date")
    assert latest.answer == OLD_ANSWER
    assert latest.history_change_reason == "管理画面で以前の版を復元"


def test_department_history_shows_the_change_and_the_reason(admin_client_ja: Client, kankyo: Department):
    data = {
        "code": kankyo.code,
        "name": kankyo.name,
        "name_en": kankyo.name_en,
        "phone": "0000-11-1399",
        "window": kankyo.window,
        "hours": kankyo.hours,
        "closed_days": kankyo.closed_days,
        "email": kankyo.email,
        "web_url": kankyo.web_url,
        "sort_order": str(kankyo.sort_order),
        "change_reason": "代表番号の変更",
        "_save": "1",
    }
    response = admin_client_ja.post(reverse("admin:faq_department_change", args=[kankyo.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    latest = kankyo.history.latest("history_date")
    row = version_row(history_page(admin_client_ja, "department", kankyo.pk), latest.history_id)
    assert "<caption>電話番号</caption>" in row
    assert "0000-11-13<del>01</del>" in row
    assert "0000-11-13<ins>99</ins>" in row
    assert "管理画面で編集：代表番号の変更" in row


def test_readers_see_the_versions_but_no_reason_field(client: Client, kankyo: Department):
    editor = UserFactory.create(username="history_reader", is_staff=True)
    editor.groups.add(department_editor_group_ensure())
    DepartmentMember.objects.create(user=editor, department=kankyo)
    faq = FaqFactory.create(department=kankyo)
    client.force_login(editor)

    change_page = client.get(reverse("admin:faq_faq_change", args=[faq.pk]))
    assert change_page.status_code == 200
    assert "change_reason" not in change_page.content.decode()
    content = history_page(client, "faq", faq.pk)
    assert "変更の理由" in content
    assert "この版を復元" not in content


def test_history_page_in_english(admin_client_ja: Client, kankyo: Department, settings):
    faq = FaqFactory.create(department=kankyo, answer=OLD_ANSWER)
    admin_client_ja.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    admin_client_ja.post(reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, answer=NEW_ANSWER))

    content = history_page(admin_client_ja, "faq", faq.pk)

    assert '<th scope="col">Reason for the change</th>' in content
    assert '<td class="vh-reason">Edited in admin</td>' in content
    assert '<td class="vh-cell">Published</td>' in content


def ja(msgid: str) -> str:
    """The text staff read in the Japanese admin for this message."""
    with translation.override("ja"):
        return translation.gettext(msgid)


def test_english_texts_are_compared_like_the_japanese_ones(admin_client_ja: Client, kankyo: Department):
    faq = FaqFactory.create(
        department=kankyo,
        question_en="When is non-burnable garbage collected?",
        answer_en="Collected 2 times a month, on Wednesdays.",
    )

    admin_client_ja.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(
            faq,
            answer_en="Collected 3 times a month, on Wednesdays.",
            alternate_questions_en="Garbage days\nNon-burnable waste",
            change_reason="英語の回答を更新",
        ),
    )

    latest = faq.history.latest("history_date")
    assert latest.answer_en == "Collected 3 times a month, on Wednesdays."
    row = version_row(history_page(admin_client_ja, "faq", faq.pk), latest.history_id)
    captions = re.findall(r"<caption>(.*?)</caption>", row)
    assert captions == [ja("alternate questions (English)"), ja("answer (English)")]
    assert "Collected <del>2</del> times a month, on Wednesdays." in row
    assert "Collected <ins>3</ins> times a month, on Wednesdays." in row
    assert "<ins>Garbage days\nNon-burnable waste</ins>" in row
    assert "管理画面で編集：英語の回答を更新" in row


def test_restoring_a_version_brings_back_its_english_texts(admin_client_ja: Client, kankyo: Department):
    faq = FaqFactory.create(department=kankyo, question_en="Old question?", answer_en="Old answer.")
    admin_client_ja.post(
        reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, question_en="", answer_en="")
    )
    first = faq.history.earliest("history_date")
    revert_url = reverse("admin:faq_faq_simple_history", args=[faq.pk, first.history_id])

    form = admin_client_ja.get(revert_url).content.decode()
    assert '<fieldset class="module aligned bilingual"' in form
    assert 'value="Old question?"' in form
    assert "/static/css/admin_bilingual.css" in form
    admin_client_ja.post(revert_url, faq_form_data(first.instance))

    faq.refresh_from_db()
    assert (faq.question_en, faq.answer_en) == ("Old question?", "Old answer.")
    assert faq.history.latest("history_date").history_change_reason == "管理画面で以前の版を復元"


def test_department_history_shows_english_changes(admin_client_ja: Client, kankyo: Department):
    data = {
        "code": kankyo.code,
        "name": kankyo.name,
        "name_en": kankyo.name_en,
        "phone": kankyo.phone,
        "window": kankyo.window,
        "window_en": "Main Building 1F, Window 3",
        "hours": kankyo.hours,
        "hours_en": "Weekdays 8:30-17:15",
        "closed_days": kankyo.closed_days,
        "closed_days_en": "",
        "email": kankyo.email,
        "web_url": kankyo.web_url,
        "sort_order": str(kankyo.sort_order),
        "_save": "1",
    }
    response = admin_client_ja.post(reverse("admin:faq_department_change", args=[kankyo.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    row = version_row(history_page(admin_client_ja, "department", kankyo.pk), kankyo.history.latest().history_id)
    assert re.findall(r"<caption>(.*?)</caption>", row) == [ja("window (English)"), ja("opening hours (English)")]
    assert "<ins>Main Building 1F, Window 3</ins>" in row
    assert "<ins>Weekdays 8:30-17:15</ins>" in row

"""The FAQ admin as town staff use it: pages, filters, editing with history, import, export and actions."""

import codecs
import csv
import datetime
import io
import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from faq.models import Faq, FaqStatus
from faq.selectors import today_local
from tests.factories import CategoryFactory, DepartmentFactory, FaqFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

JA_LOGOUT = "ログアウト"


@pytest.fixture(params=["faq_staff", "superuser"])
def any_admin_client(request, client: Client) -> Client:
    """A client logged in as a member of FAQ管理者, or as a superuser."""
    superuser = request.param == "superuser"
    user = UserFactory.create(is_staff=True, is_superuser=True) if superuser else StaffUserFactory.create()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


def changelist(client: Client, query: str = "") -> str:
    return page(client, reverse("admin:faq_faq_changelist") + query)


def faq_form_data(faq: Faq, **changes) -> dict[str, str]:
    """The change form as the browser submits it for this FAQ."""
    data = {
        "question": faq.question,
        "alternate_questions": "\n".join(faq.alternate_questions),
        "answer": faq.answer,
        "question_en": faq.question_en,
        "alternate_questions_en": "\n".join(faq.alternate_questions_en),
        "answer_en": faq.answer_en,
        "department": str(faq.department_id or ""),
        "category": str(faq.category_id or ""),
        "source_url": faq.source_url,
        "external_id": faq.external_id or "",
        "status": faq.status,
        "valid_from": faq.valid_from.isoformat() if faq.valid_from else "",
        "valid_until": faq.valid_until.isoformat() if faq.valid_until else "",
        "review_by": faq.review_by.isoformat() if faq.review_by else "",
        "_save": "1",
    }
    return data | changes


def run_action(client: Client, action: str, faqs: list[Faq]):
    return client.post(
        reverse("admin:faq_faq_changelist"),
        {"action": action, "_selected_action": [str(faq.pk) for faq in faqs], "index": "0", "select_across": "0"},
    )


# --- pages render ------------------------------------------------------------------------------------------------


def test_admin_index_renders_in_japanese_with_faq_app(any_admin_client):
    content = page(any_admin_client, reverse("admin:index"))

    assert JA_LOGOUT in content
    assert reverse("admin:faq_faq_changelist") in content
    assert reverse("admin:faq_department_changelist") in content


def test_admin_faq_changelist_lists_faqs_with_import_and_export_links(any_admin_client):
    FaqFactory(question="粗大ごみを出したい。")

    content = changelist(any_admin_client)

    assert "粗大ごみを出したい。" in content
    assert "変更する" in content
    assert reverse("admin:faq_faq_import") in content
    assert reverse("admin:faq_faq_export") in content


def test_admin_faq_changelist_search_by_question_and_answer(any_admin_client):
    FaqFactory(question="粗大ごみを出したい。", answer="電話で申し込みます。")
    FaqFactory(question="住民票の写しを取りたい。", answer="窓口で請求します。")

    by_question = changelist(any_admin_client, "?q=粗大ごみ")
    by_answer = changelist(any_admin_client, "?q=窓口で請求")

    assert "粗大ごみを出したい。" in by_question
    assert "住民票の写しを取りたい。" not in by_question
    assert "住民票の写しを取りたい。" in by_answer
    assert "粗大ごみを出したい。" not in by_answer


def test_admin_faq_changelist_search_by_external_id(any_admin_client):
    FaqFactory(question="粗大ごみを出したい。", external_id="KANKYO-042")
    FaqFactory(question="住民票の写しを取りたい。")

    content = changelist(any_admin_client, "?q=KANKYO-042")

    assert "粗大ごみを出したい。" in content
    assert "住民票の写しを取りたい。" not in content


def test_admin_faq_changelist_search_by_japanese_alternate_question(any_admin_client):
    FaqFactory(question="粗大ごみを出したい。", alternate_questions=["ソファを捨てたい"])
    FaqFactory(question="住民票の写しを取りたい。")

    content = changelist(any_admin_client, "?q=ソファ")

    assert "粗大ごみを出したい。" in content
    assert "住民票の写しを取りたい。" not in content


def test_admin_faq_changelist_status_filter(any_admin_client):
    FaqFactory(question="公開中の質問")
    FaqFactory(question="下書きの質問", status=FaqStatus.DRAFT)
    FaqFactory(question="取り下げた質問", status=FaqStatus.WITHDRAWN)

    content = changelist(any_admin_client, "?status__exact=draft")

    assert "下書きの質問" in content
    assert "公開中の質問" not in content
    assert "取り下げた質問" not in content


@pytest.mark.parametrize(
    ("validity", "shown"),
    [
        ("current", {"期限なしの質問", "今日までの質問", "要見直しの質問"}),
        ("future", {"来月からの質問"}),
        ("expired", {"終了した質問"}),
        ("review_due", {"要見直しの質問"}),
    ],
)
def test_admin_faq_changelist_validity_filter(any_admin_client, validity, shown):
    today = today_local()
    day = datetime.timedelta(days=1)
    FaqFactory(question="期限なしの質問")
    FaqFactory(question="今日までの質問", valid_until=today)
    FaqFactory(question="要見直しの質問", review_by=today - day)
    FaqFactory(question="来月からの質問", valid_from=today + 30 * day)
    FaqFactory(question="終了した質問", valid_until=today - day)

    content = changelist(any_admin_client, f"?validity={validity}")

    found = {question for question in Faq.objects.values_list("question", flat=True) if question in content}
    assert found == shown


def test_admin_faq_changelist_department_filter(any_admin_client, kankyo, jumin):
    FaqFactory(question="環境課の質問", department=kankyo)
    FaqFactory(question="住民課の質問", department=jumin)

    content = changelist(any_admin_client, f"?department__id__exact={kankyo.pk}")

    assert "環境課の質問" in content
    assert "住民課の質問" not in content


def test_admin_faq_changelist_category_filter(any_admin_client):
    gomi = CategoryFactory(name="ごみ")
    FaqFactory(question="ごみの質問", category=gomi)
    FaqFactory(question="税金の質問")

    content = changelist(any_admin_client, f"?category__id__exact={gomi.pk}")

    assert "ごみの質問" in content
    assert "税金の質問" not in content


def test_admin_faq_change_page_shows_alternates_one_per_line(any_admin_client):
    faq = FaqFactory(question="粗大ごみを出したい。", alternate_questions=["ソファを捨てたい", "大型ごみ"])

    content = page(any_admin_client, reverse("admin:faq_faq_change", args=[faq.pk]))

    assert "粗大ごみを出したい。" in content
    assert "ソファを捨てたい\n大型ごみ" in content
    assert JA_LOGOUT in content


def test_admin_faq_add_page_renders(any_admin_client):
    content = page(any_admin_client, reverse("admin:faq_faq_add"))

    assert "を追加" in content
    assert 'name="question"' in content


def test_admin_faq_history_page_lists_versions(any_admin_client):
    faq = FaqFactory(question="粗大ごみを出したい。")
    faq.status = FaqStatus.WITHDRAWN
    faq.save()

    content = page(any_admin_client, reverse("admin:faq_faq_history", args=[faq.pk]))

    assert "変更履歴" in content
    for record in faq.history.all():
        assert reverse("admin:faq_faq_simple_history", args=[faq.pk, record.history_id]) in content


@pytest.mark.parametrize("model", ["department", "category"])
def test_admin_department_and_category_changelists_render(any_admin_client, model, kankyo):
    CategoryFactory(name="ごみ・リサイクル")

    content = page(any_admin_client, reverse(f"admin:faq_{model}_changelist"))

    assert ("環境課" if model == "department" else "ごみ・リサイクル") in content
    assert JA_LOGOUT in content


def test_admin_department_change_page_renders(any_admin_client, kankyo):
    content = page(any_admin_client, reverse("admin:faq_department_change", args=[kankyo.pk]))

    assert "0000-11-1301" in content


# --- editing and history ------------------------------------------------------------------------------------------


def test_admin_faq_change_form_saves_new_version_by_user(client, faq_staff):
    client.force_login(faq_staff)
    faq = FaqFactory(answer="古い回答")
    versions_before = faq.history.count()

    response = client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(faq, answer="新しい回答", alternate_questions="言い方1\r\n\r\n言い方2\r\n"),
    )

    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.answer == "新しい回答"
    assert faq.alternate_questions == ["言い方1", "言い方2"]
    assert faq.history.count() == versions_before + 1
    assert faq.history.latest("history_date").history_user == faq_staff


def test_admin_faq_change_form_keeps_line_breaks_as_the_browser_sent_them_but_one_newline(client, faq_staff):
    """A browser's textarea sends CR LF; stored as it came, the history page would show a change on every line."""
    client.force_login(faq_staff)
    faq = FaqFactory(answer="一行目\n二行目")

    response = client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, answer="一行目\r\n二行目\r\n三行目")
    )

    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.answer == "一行目\n二行目\n三行目"


def test_admin_faq_add_form_creates_faq_with_history(staff_client, kankyo):
    response = staff_client.post(
        reverse("admin:faq_faq_add"),
        {"question": "新しい質問", "alternate_questions": "", "answer": "回答", "department": str(kankyo.pk)}
        | {"status": FaqStatus.PUBLISHED, "_save": "1"},
    )

    assert response.status_code == 302
    faq = Faq.objects.get(question="新しい質問")
    assert faq.status == FaqStatus.PUBLISHED
    assert faq.history.count() == 1


def test_admin_faq_change_form_publish_without_department_shows_error(staff_client):
    faq = FaqFactory(department=None, status=FaqStatus.DRAFT, answer="回答")

    response = staff_client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, status=FaqStatus.PUBLISHED)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    faq.refresh_from_db()
    assert faq.status == FaqStatus.DRAFT


def test_admin_faq_change_form_inverted_dates_show_error(staff_client):
    faq = FaqFactory()

    response = staff_client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        faq_form_data(faq, valid_from="2026-04-01", valid_until="2026-03-01"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    faq.refresh_from_db()
    assert faq.valid_from is None


def test_admin_faq_change_form_alternate_with_separator_rejected(staff_client):
    faq = FaqFactory()

    response = staff_client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]), faq_form_data(faq, alternate_questions="大型|粗大")
    )

    assert response.status_code == 200
    assert "alternate_questions" in response.context["adminform"].form.errors
    faq.refresh_from_db()
    assert faq.alternate_questions == []


def test_admin_history_revert_restores_old_text_as_new_version(client, faq_staff):
    client.force_login(faq_staff)
    faq = FaqFactory(answer="第1版の回答")
    for answer in ("第2版の回答", "第3版の回答"):
        faq.answer = answer
        faq.save()
    first, second, third = faq.history.order_by("history_id")
    revert_url = reverse("admin:faq_faq_simple_history", args=[faq.pk, first.history_id])

    form_page = page(client, revert_url)
    assert "第1版の回答" in form_page
    response = client.post(revert_url, faq_form_data(first.instance))

    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.answer == "第1版の回答"
    versions = list(faq.history.order_by("history_id"))
    assert len(versions) == 4
    assert [version.answer for version in versions] == ["第1版の回答", "第2版の回答", "第3版の回答", "第1版の回答"]
    assert versions[-1].history_user == faq_staff
    assert {second.history_id, third.history_id} <= {version.history_id for version in versions}


# --- import and export -------------------------------------------------------------------------------------------

IMPORT_CSV = "external_id,question,answer,department\nK-1,粗大ごみを出したい。,電話で申し込みます。,環境課\n"


def post_import(client: Client, data: bytes, name: str = "faqs.csv", **fields: str):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("admin:faq_faq_import"), {"file": upload, **fields})


def test_admin_import_page_renders_with_dry_run_checked(any_admin_client):
    content = page(any_admin_client, reverse("admin:faq_faq_import"))

    assert 'type="file"' in content
    assert re.search(r'<input[^>]*name="dry_run"[^>]*checked', content)
    assert JA_LOGOUT in content


def test_admin_import_dry_run_writes_nothing_and_shows_counts(staff_client, kankyo):
    response = post_import(staff_client, IMPORT_CSV.encode("cp932"), dry_run="on")

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.dry_run, report.created, report.encoding) == (True, 1, "cp932")
    assert Faq.objects.count() == 0


def test_admin_import_real_run_writes_drafts_by_user(client, faq_staff, kankyo):
    client.force_login(faq_staff)

    response = post_import(client, IMPORT_CSV.encode())

    assert response.status_code == 200
    assert response.context["report"].created == 1
    faq = Faq.objects.get(external_id="K-1")
    assert faq.status == FaqStatus.DRAFT
    latest = faq.history.latest("history_date")
    assert latest.history_user == faq_staff
    assert "faqs.csv" in latest.history_change_reason


def test_admin_import_publish_option_publishes(staff_client, kankyo):
    post_import(staff_client, IMPORT_CSV.encode(), publish="on")

    assert Faq.objects.get(external_id="K-1").status == FaqStatus.PUBLISHED


def test_admin_import_bad_row_shows_line_and_writes_nothing(staff_client, kankyo):
    data = (IMPORT_CSV + "K-2,児童手当について,福祉課へ,福祉課\n").encode()

    response = post_import(staff_client, data)

    content = response.content.decode()
    assert "line 3: " in content
    assert "福祉課" in content
    assert Faq.objects.count() == 0


def test_admin_import_skip_invalid_writes_valid_rows(staff_client, kankyo):
    data = (IMPORT_CSV + "K-2,児童手当について,福祉課へ,福祉課\n").encode()

    response = post_import(staff_client, data, skip_invalid="on")

    assert "line 3: " in response.content.decode()
    assert list(Faq.objects.values_list("external_id", flat=True)) == ["K-1"]


def test_admin_import_create_departments_option(staff_client):
    post_import(staff_client, IMPORT_CSV.encode(), create_departments="on")

    assert list(Faq.objects.values_list("department__name", flat=True)) == ["環境課"]


def test_admin_import_unreadable_file_shows_error(staff_client):
    response = post_import(staff_client, b"question,answer\nq,\xff\xfe\xfa\n")

    assert response.context["error"].startswith("line 2: ")
    assert "line 2: " in response.content.decode()
    assert Faq.objects.count() == 0


def test_admin_import_jsonl_by_extension(staff_client, kankyo):
    data = '{"question": "q", "answer": "a", "department": "環境課"}\n'.encode()

    post_import(staff_client, data, name="faqs.jsonl")

    assert Faq.objects.get().question == "q"


def test_admin_import_too_large_file_rejected(staff_client, kankyo, settings):
    settings.FAQ_IMPORT_MAX_BYTES = 50

    response = post_import(staff_client, IMPORT_CSV.encode() * 3)

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert Faq.objects.count() == 0


def exported_ids(data: bytes) -> list[str]:
    return [row["external_id"] for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))]


def test_admin_export_view_downloads_csv_with_bom(any_admin_client):
    FaqFactory(external_id="K-1")
    FaqFactory(external_id="K-2", status=FaqStatus.DRAFT)

    response = any_admin_client.get(reverse("admin:faq_faq_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(codecs.BOM_UTF8)
    assert exported_ids(response.content) == ["K-1", "K-2"]


def test_admin_export_view_status_filter(staff_client):
    FaqFactory(external_id="K-1")
    FaqFactory(external_id="K-2", status=FaqStatus.DRAFT)

    response = staff_client.get(reverse("admin:faq_faq_export") + "?status=draft")

    assert exported_ids(response.content) == ["K-2"]


def test_admin_export_selected_action_exports_only_selected(staff_client):
    FaqFactory(external_id="K-1")
    second = FaqFactory(external_id="K-2")

    response = run_action(staff_client, "export_selected_csv", [second])

    assert response.content.startswith(codecs.BOM_UTF8)
    assert exported_ids(response.content) == ["K-2"]


# --- actions -----------------------------------------------------------------------------------------------------


def test_admin_publish_action_publishes_each_as_a_version(staff_client):
    faqs = [FaqFactory(status=FaqStatus.DRAFT), FaqFactory(status=FaqStatus.DRAFT)]

    response = run_action(staff_client, "publish_selected", faqs)

    assert response.status_code == 302
    for faq in faqs:
        faq.refresh_from_db()
        assert faq.status == FaqStatus.PUBLISHED
        assert list(faq.history.order_by("history_id").values_list("status", flat=True)) == ["draft", "published"]
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.SUCCESS]


def test_admin_withdraw_action_withdraws_each_as_a_version(staff_client):
    faqs = [FaqFactory(), FaqFactory()]

    run_action(staff_client, "withdraw_selected", faqs)

    for faq in faqs:
        faq.refresh_from_db()
        assert faq.status == FaqStatus.WITHDRAWN
        assert faq.history.count() == 2
        assert faq.history.latest("history_date").history_change_reason


def test_admin_publish_action_without_department_changes_nothing(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with_department = FaqFactory(status=FaqStatus.DRAFT)
    without_department = FaqFactory(status=FaqStatus.DRAFT, department=None)

    response = run_action(staff_client, "publish_selected", [with_department, without_department])

    sent = list(get_messages(response.wsgi_request))
    assert [m.level for m in sent] == [messages.ERROR]
    assert "needs a department" in sent[0].message
    for faq in (with_department, without_department):
        faq.refresh_from_db()
        assert faq.status == FaqStatus.DRAFT
        assert faq.history.count() == 1


# --- access and language ------------------------------------------------------------------------------------------


def test_admin_non_staff_user_redirected_to_login(client):
    client.force_login(UserFactory(is_staff=False))

    response = client.get(reverse("admin:faq_faq_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_anonymous_import_redirected_to_login(client):
    response = client.get(reverse("admin:faq_faq_import"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_faq_staff_cannot_delete_faqs(staff_client):
    faq = FaqFactory()

    response = staff_client.post(reverse("admin:faq_faq_delete", args=[faq.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Faq.objects.filter(pk=faq.pk).exists()


def test_admin_staff_without_faq_group_cannot_import(client):
    client.force_login(UserFactory(is_staff=True))

    response = post_import(client, IMPORT_CSV.encode())

    assert response.status_code == 403
    assert Faq.objects.count() == 0


def test_admin_set_language_english_switches_admin_to_english(staff_client):
    assert JA_LOGOUT in page(staff_client, reverse("admin:index"))

    response = staff_client.post("/i18n/setlang/", {"language": "en", "next": reverse("admin:index")})

    assert response.status_code == 302
    content = page(staff_client, reverse("admin:index"))
    assert "Log out" in content
    assert JA_LOGOUT not in content
    faq_page = page(staff_client, reverse("admin:faq_faq_changelist"))
    assert "Select FAQ to change" in faq_page


def test_admin_department_changelist_shows_general_reception(staff_client):
    DepartmentFactory(name="総合案内", is_general_reception=True)

    content = page(staff_client, reverse("admin:faq_department_changelist") + "?is_general_reception__exact=1")

    assert "総合案内" in content

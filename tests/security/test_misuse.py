"""Misuse of a running copy: each request below once gave a 500, an HTML page to an API client, a leak of
internals, or a notice e-mail that was never sent. Each now gets a clear answer and changes nothing."""

import datetime
import json
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from analytics.models import MonthlyAggregate
from analytics.months import current_month
from changeflow import services
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind, ChangeRequest, ChangeStatus
from faq.models import Department, Faq
from faq.selectors import today_local
from tests.changeflow.conftest import editor_create
from tests.factories import FaqFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.7"
LINE_BREAK_JA = "改行を入れずに1行で入力してください。"


# /readyz: the public sees ready or not; staff and monitors on this machine see the components ----------------------


def readyz(client: Client | None = None, **headers: Any) -> Any:
    response = (client or Client()).get("/readyz", **headers)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]  # a shared cache never serves the staff view to the public
    return response


def test_readyz_from_outside_says_only_ready_or_degraded() -> None:
    response = readyz(REMOTE_ADDR=OUTSIDE)

    assert response.status_code == 200
    assert response.json() == {"status": "degraded"}  # no index is built
    for internal in ("sqlite", "postgresql", "engine", "encoder", "vectors", "rebuild_index"):
        assert internal not in response.content.decode()


def test_readyz_from_outside_is_still_503_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> None:
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(connection, "cursor", down)

    response = readyz(REMOTE_ADDR=OUTSIDE)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_readyz_on_this_machine_shows_the_components() -> None:
    for address in ("127.0.0.1", "::1"):
        body = readyz(REMOTE_ADDR=address).json()

        assert body["status"] == "degraded"
        assert body["components"]["database"]["engine"] == connection.vendor
        assert body["components"]["lexical_index"]["status"] == "degraded"


def test_readyz_shows_the_components_to_staff_from_anywhere_but_not_to_other_users() -> None:
    staff, resident = Client(REMOTE_ADDR=OUTSIDE), Client(REMOTE_ADDR=OUTSIDE)
    staff.force_login(StaffUserFactory.create())
    resident.force_login(UserFactory.create(is_staff=False))

    assert readyz(staff).json()["components"]["database"]["engine"] == connection.vendor
    assert readyz(resident).json() == {"status": "degraded"}


def test_readyz_forwarded_by_a_proxy_on_this_machine_is_not_taken_for_local() -> None:
    # No proxy is trusted: nginx on this machine makes every visitor arrive from 127.0.0.1.
    response = readyz(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE)

    assert response.json() == {"status": "degraded"}


def test_readyz_behind_trusted_proxies_uses_the_address_the_proxy_saw(settings: SettingsWrapper) -> None:
    settings.RATE_LIMIT_PROXY_COUNT = 1

    visitor = readyz(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    # A visitor who writes 127.0.0.1 into the header gets the proxy's entry appended after it.
    spoofed = readyz(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {OUTSIDE}")
    local_monitor = readyz(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert visitor.json() == {"status": "degraded"}
    assert spoofed.json() == {"status": "degraded"}
    assert "components" in local_monitor.json()


# Recomputing a month out of range in the analytics admin --------------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "1999-12", "2026-13", "202612"])
def test_recompute_of_a_month_out_of_range_is_refused_with_a_message(admin_client: Client, month: str) -> None:
    latest = f"{current_month():%Y-%m}"

    response = admin_client.post("/admin/analytics/monthlyaggregate/refresh/", {"month": month}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"{month} は再集計できません。2000-01 から {latest} までの月を選んでください。" in page
    assert response.redirect_chain[-1][0].endswith(f"?month={latest}")
    # Nothing was aggregated for the refused month (the dashboard it returns to may bring this month up to date).
    assert set(MonthlyAggregate.objects.values_list("month", flat=True)) <= {current_month()}


def test_recompute_of_the_current_month_still_works(admin_client: Client) -> None:
    month = current_month()

    response = admin_client.post("/admin/analytics/monthlyaggregate/refresh/", {"month": f"{month:%Y-%m}"})

    assert response.status_code == 302
    assert MonthlyAggregate.objects.filter(month=month).exists()


# Deeply nested JSON: FAQ import (admin and import_faq) and the public chat API ------------------------------------

NESTED_FILE = (
    '[\n{"question": "粗大ごみを出したい。", "answer": "申込制です。"},\n{"question": ' + "[" * 200_000 + "\n]"
)
NESTED_LINES = '{"question": "粗大ごみを出したい。", "answer": "申込制です。"}\n{"answer": ' + "[" * 200_000 + "\n"


def post_import(client: Client, data: str, name: str) -> Any:
    upload = SimpleUploadedFile(name, data.encode(), content_type="application/json")
    return client.post(reverse("admin:faq_faq_import"), {"file": upload})


def test_admin_import_of_deeply_nested_json_names_the_line_and_writes_nothing(staff_client: Client) -> None:
    response = post_import(staff_client, NESTED_FILE, "faqs.json")

    assert response.status_code == 200
    assert "line 3: JSONとして読めません: 入れ子が深すぎます" in response.content.decode()
    assert Faq.objects.count() == 0


def test_admin_import_of_deeply_nested_json_lines_reports_the_row_and_writes_nothing(staff_client: Client) -> None:
    response = post_import(staff_client, NESTED_LINES, "faqs.jsonl")

    assert response.status_code == 200
    assert "line 2: JSONとして読めません: 入れ子が深すぎます" in response.content.decode()
    assert Faq.objects.count() == 0


def test_import_faq_command_refuses_deeply_nested_json(write_file: Any) -> None:
    path = write_file("faqs.json", NESTED_FILE)

    with pytest.raises(CommandError) as refused:
        call_command("import_faq", str(path))

    assert refused.value.returncode == 1
    assert str(refused.value) == "line 3: JSONとして読めません: 入れ子が深すぎます"
    assert Faq.objects.count() == 0


# Within CHAT_MAX_BODY_BYTES (16 KB), far deeper than Python's recursion limit.
NESTED_BODIES = {
    "list": "[" * 12_000,
    "object": '{"a":' * 3_000,
    "question": '{"question": ' + "[" * 12_000,
    "question, closed": '{"question": ' + "[" * 900 + "]" * 900 + "}",
    "deep but parseable": '{"question": "a", "x": ' + "[" * 900 + "]" * 900 + "}",
}


@pytest.mark.parametrize("path", ["/api/v1/chat", "/api/v1/feedback"])
def test_chat_api_answers_deeply_nested_bodies_with_a_json_400(path: str) -> None:
    for name, body in NESTED_BODIES.items():
        response = Client().post(
            path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nested-json-0001", REMOTE_ADDR=OUTSIDE
        )

        assert response.status_code == 400, (name, response.content[:200])
        assert response["Content-Type"] == "application/json", name
        error = response.json()["error"]
        assert error["code"] in ("invalid_json", "invalid_body", "unknown_field"), (name, error)
        assert error["message"]


# A Host header not in ALLOWED_HOSTS -------------------------------------------------------------------------------


def test_api_with_a_bad_host_answers_json_in_the_api_error_shape() -> None:
    client = Client(HTTP_HOST="evil.example")
    responses = {
        "chat": client.post("/api/v1/chat", {"question": "粗大ごみ"}, content_type="application/json"),
        "feedback": client.post("/api/v1/feedback", {"turn_id": "x"}, content_type="application/json"),
        "schema": client.get("/api/v1/schema"),
        "unknown path": client.get("/api/v1/no-such-thing"),
    }

    for name, response in responses.items():
        assert response.status_code == 400, name
        assert response["Content-Type"] == "application/json", name
        assert response.json() == {"error": {"code": "bad_host", "message": "このホスト名では利用できません。"}}, name
        assert response["X-Content-Type-Options"] == "nosniff", name


def test_api_with_a_bad_host_answers_json_with_debug_on_too(settings) -> None:
    """`make run` serves with DEBUG on, where Django would answer with its debug page."""
    settings.DEBUG = True

    response = Client(HTTP_HOST="evil.example").post(
        "/api/v1/chat", {"question": "粗大ごみ"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_host", "message": "このホスト名では利用できません。"}}


def test_api_with_a_bad_host_answers_in_english_when_asked() -> None:
    response = Client(HTTP_HOST="evil.example").get("/api/v1/schema", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["error"] == {"code": "bad_host", "message": "This host name is not served here."}


def test_pages_with_a_bad_host_keep_the_html_400() -> None:
    for path in ("/", "/admin/login/"):
        response = Client(HTTP_HOST="evil.example").get(path)

        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")


# Line breaks in single-line fields, and notices that are sent whatever the title holds ---------------------------


@pytest.fixture
def fee_faq(kankyo: Department) -> Faq:
    return FaqFactory.create(department=kankyo, question="粗大ごみの手数料は？", answer="1点につき500円です。")


def change_form(kankyo: Department, fee_faq: Faq, title: str) -> dict[str, Any]:
    return {
        "department": kankyo.pk,
        "title": title,
        "old_value": "500円",
        "new_value": "700円",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "faqs": [fee_faq.pk],
        "reason": "手数料条例の改正",
        "action": "submit",
    }


def test_change_request_form_refuses_a_title_with_a_line_break(kankyo: Department, fee_faq: Faq) -> None:
    client = Client()
    client.force_login(editor_create(kankyo, "kankyo_editor", "kankyo-editor@example.org"))

    response = client.post(
        reverse("changeflow:create", args=[ChangeKind.FEE]), change_form(kankyo, fee_faq, "粗大ごみ\r\n手数料の改定")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [LINE_BREAK_JA]
    assert LINE_BREAK_JA in response.content.decode()
    assert ChangeRequest.objects.count() == 0


def test_admin_refuses_a_department_name_with_a_line_break(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:faq_department_add"), {"code": "FUKUSHI", "name": "福祉課\n（本庁舎）", "sort_order": 0}
    )

    assert response.status_code == 200
    assert LINE_BREAK_JA in response.content.decode()
    assert not Department.objects.filter(code="FUKUSHI").exists()


def test_import_refuses_an_external_id_with_a_line_break(staff_client: Client, kankyo: Department) -> None:
    rows = [{"external_id": "K-1\nK-2", "question": "粗大ごみを出したい。", "answer": "申込制です。"}]

    response = post_import(staff_client, json.dumps(rows, ensure_ascii=False), "faqs.json")

    assert "line 1: " in response.content.decode()
    assert LINE_BREAK_JA in response.content.decode()
    assert Faq.objects.count() == 0


@pytest.mark.embedded_only  # the notice is read back from django-q2's database queue
def test_notice_for_a_title_saved_with_a_line_break_is_still_sent(
    kankyo: Department,
    fee_faq: Faq,
    settings: SettingsWrapper,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    editor = editor_create(kankyo, "kankyo_editor", "kankyo-editor@example.org")
    reviewer = StaffUserFactory.create(username="reviewer_a", email="reviewer-a@example.org")
    change = services.change_create(
        user=editor,
        submit=True,
        kind=ChangeKind.FEE,
        department=kankyo,
        title="粗大ごみ処理手数料の改定",
        old_value="500円",
        new_value="700円",
        reason="手数料条例の改正",
        effective_date=today_local() + datetime.timedelta(days=3),
        items=[ItemDraft(fee_faq, fee_faq.question, "1点につき700円です。")],
    )
    # Saved before line breaks were refused.
    ChangeRequest.objects.filter(pk=change.pk).update(title="粗大ごみ\r\n処理手数料の改定")
    OrmQ.objects.all().delete()
    client = Client()
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("changeflow:detail", args=[change.pk]), {"action": "reject", "comment": "再考"})

    assert response.status_code == 302
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.REJECTED
    [task] = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert import_string(task["func"])(*task["args"], **task["kwargs"]) == 1
    [message] = mail.outbox
    assert message.to == ["kankyo-editor@example.org"]
    assert f"変更申請 #{change.pk}「粗大ごみ 処理手数料の改定」は差し戻されました" in message.subject
    assert "\n" not in message.subject
    assert "\r" not in message.subject

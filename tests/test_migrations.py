"""Upgrading an installation: a database made by the migrations before department membership moved from
changeflow to faq, with staff, FAQs and their versions, change requests, turns and feedback in it, is migrated
to today's schema and loses nothing."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from changeflow.models import ChangeRequest
from chatbot.models import Feedback, Turn
from faq.models import Department, DepartmentMember, Faq

# The last migrations of each app before the move: the schema of an installation set up before it.
BEFORE_THE_MOVE = [("faq", "0004_single_line_fields"), ("changeflow", "0005_single_line_fields")]


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.mark.django_db(transaction=True)
def test_an_installation_from_before_the_move_keeps_its_members_permissions_and_records() -> None:
    executor = migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    content_types = old.get_model("contenttypes", "ContentType")
    assert content_types.objects.filter(app_label="changeflow", model="departmentmember").exists()

    users = old.get_model("auth", "User")
    editor = users.objects.create(username="kankyo_editor_old", is_staff=True)
    users.objects.create(username="reviewer_old", is_staff=True)
    department = old.get_model("faq", "Department").objects.create(
        code="KANKYO-OLD", name="環境課", name_en="Environment Division", phone="0000-11-1301"
    )
    old.get_model("changeflow", "DepartmentMember").objects.create(user=editor, department=department)
    permission = old.get_model("auth", "Permission").objects.get(
        content_type__app_label="changeflow", codename="change_departmentmember"
    )
    group = old.get_model("auth", "Group").objects.create(name="部署編集者の管理")
    group.permissions.add(permission)
    faq = old.get_model("faq", "Faq").objects.create(
        question="粗大ごみの出し方", answer="電話で申し込んでください。", department=department, status="published"
    )
    history = old.get_model("faq", "HistoricalFaq")
    for text in ("電話で申し込んでください。", "電話かインターネットで申し込んでください。"):
        history.objects.create(
            id=faq.pk,
            question=faq.question,
            answer=text,
            department=department,
            status="published",
            created_at=faq.created_at,
            updated_at=faq.updated_at,
            history_date=faq.updated_at,
            history_type="~",
        )
    old.get_model("changeflow", "ChangeRequest").objects.create(
        kind="fee",
        department=department,
        title="粗大ごみ処理手数料の改定",
        old_value="500円",
        new_value="600円",
        effective_date=datetime.date(2027, 4, 1),
        reason="条例改正のため",
        status="submitted",
        created_by=editor,
    )
    turn = old.get_model("chatbot", "Turn").objects.create(
        id=uuid.uuid4(), idempotency_key="upgrade-test-1", channel="web", question="粗大ごみを出したい"
    )
    old.get_model("chatbot", "Feedback").objects.create(turn=turn, helpful=True, comment="")

    migrate()

    member = DepartmentMember.objects.get(user__username="kankyo_editor_old")
    assert member.department == Department.objects.get(code="KANKYO-OLD")
    assert list(Department.objects.get(code="KANKYO-OLD").members.values_list("user__username", flat=True)) == [
        "kankyo_editor_old"
    ]
    assert [
        f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name="部署編集者の管理").permissions.all()
    ] == ["faq.change_departmentmember"]
    upgraded = Faq.objects.get(pk=faq.pk)
    assert upgraded.question == "粗大ごみの出し方"
    assert [row.answer for row in upgraded.history.order_by("history_id")] == [
        "電話で申し込んでください。",
        "電話かインターネットで申し込んでください。",
    ]
    change = ChangeRequest.objects.get(title="粗大ごみ処理手数料の改定")
    assert (change.old_value, change.new_value, change.status, change.created_by.username) == (
        "500円",
        "600円",
        "submitted",
        "kankyo_editor_old",
    )
    assert Turn.objects.get(idempotency_key="upgrade-test-1").question == "粗大ごみを出したい"
    assert Feedback.objects.get(turn_id=turn.pk).helpful is True
    assert User.objects.filter(username__in=["kankyo_editor_old", "reviewer_old"]).count() == 2


BEFORE_ENGLISH = [("chatbot", "0013_english"), ("analytics", "0003_month_so_far_schedule")]


@pytest.mark.django_db(transaction=True)
def test_personal_data_stored_before_redaction_caught_it_is_redacted_on_upgrade() -> None:
    executor = migrate(BEFORE_ENGLISH)
    old = executor.loader.project_state(BEFORE_ENGLISH).apps
    turn = old.get_model("chatbot", "Turn").objects.create(
        idempotency_key=f"old-{uuid.uuid4()}", channel="web", question="大阪市北区梅田1-1に住んでいます。転入届は？"
    )
    old.get_model("chatbot", "Feedback").objects.create(
        turn=turn, helpful=False, comment="090の1234の5678に電話ください"
    )
    english = old.get_model("chatbot", "Turn").objects.create(
        idempotency_key=f"old-{uuid.uuid4()}", channel="web", question="My name is John Smith, where do I pay tax?"
    )
    aggregate = old.get_model("analytics", "MonthlyAggregate").objects.create(
        month=datetime.date(2026, 10, 1), computed_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    )
    old.get_model("analytics", "GapCluster").objects.create(
        aggregate=aggregate,
        rank=1,
        key="k",
        representative="東京都千代田区千代田1-1のごみ",
        size=1,
        distinct=1,
        wordings=[{"text": "東京都千代田区千代田1-1のごみ", "count": 1}],
    )
    ordinary = old.get_model("chatbot", "Turn").objects.create(
        idempotency_key=f"old-{uuid.uuid4()}", channel="web", question="本庁舎1階 1番窓口は何時まで？"
    )

    migrate()

    assert Turn.objects.get(pk=turn.pk).question == "［住所］に住んでいます。転入届は？"
    assert Feedback.objects.get(turn_id=turn.pk).comment == "［電話番号］に電話ください"
    assert "John Smith" not in Turn.objects.get(pk=english.pk).question
    assert Turn.objects.get(pk=ordinary.pk).question == "本庁舎1階 1番窓口は何時まで？"
    from analytics.models import GapCluster

    cluster = GapCluster.objects.get()
    assert cluster.representative == "［住所］のごみ"
    assert cluster.wordings == [{"text": "［住所］のごみ", "count": 1}]


@pytest.mark.django_db(transaction=True)
def test_readyz_says_so_when_the_code_was_upgraded_but_not_migrated() -> None:
    from django.test import Client

    from chatbot import health

    migrate([("chatbot", "0012_monitor_schedules")])
    health._migrated = False
    try:
        response = Client(REMOTE_ADDR="127.0.0.1").get("/readyz")
        assert response.status_code == 503
        database = response.json()["components"]["database"]
        assert database["status"] == "error"
        assert "not applied" in database["detail"]
        assert "manage.py migrate" in database["detail"]
    finally:
        migrate()
        health._migrated = False
    assert Client(REMOTE_ADDR="127.0.0.1").get("/readyz").json()["components"]["database"]["status"] == "ok"

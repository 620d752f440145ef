"""The turn log over time: the reaper for crashed turns, and the read-only turn admin."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatbot.models import Channel, FailureClass, Outcome, Turn, TurnStatus
from chatbot.pipeline import turn_ask
from chatbot.services import turns_reap
from faq.models import Department, Faq

TOKYO = ZoneInfo("Asia/Tokyo")


def pending(key: str, minutes_old: float) -> Turn:
    turn = Turn.objects.create(idempotency_key=key, channel=Channel.WEB, question="住民票の写しが欲しい", lang="ja")
    Turn.objects.filter(pk=turn.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes_old))
    return turn


# 10. reaper --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reap_turns_abandons_only_turns_pending_for_more_than_ten_minutes(reception: Department) -> None:
    stale = pending("web:stale", minutes_old=11)
    fresh = pending("web:fresh", minutes_old=2)
    done = pending("web:done", minutes_old=60)
    Turn.objects.filter(pk=done.pk).update(status=TurnStatus.COMPLETED, outcome=Outcome.ANSWER)

    out = io.StringIO()
    call_command("reap_turns", stdout=out)

    assert out.getvalue().strip() == "abandoned: 1"
    statuses = dict(Turn.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        "web:stale": TurnStatus.ABANDONED,
        "web:fresh": TurnStatus.PENDING,
        "web:done": TurnStatus.COMPLETED,
    }
    assert turns_reap() == 0  # nothing left to reap
    assert stale.pk != fresh.pk


@pytest.mark.django_db
def test_retry_of_an_abandoned_turn_gets_a_handoff_not_a_second_row(reception: Department) -> None:
    stale = pending("web:crashed", minutes_old=30)
    turns_reap()

    response = turn_ask(question="住民票の写しが欲しい", idempotency_key="web:crashed")

    assert response["outcome"] == Outcome.HANDOFF
    assert response["failure_class"] == FailureClass.INTERNAL_ERROR
    assert response["turn_id"] == str(stale.pk)
    assert response["handoff"]["department"] == reception.name
    assert Turn.objects.get().status == TurnStatus.ABANDONED


@pytest.mark.django_db
def test_retry_while_the_first_is_stuck_pending_waits_then_hands_off(
    reception: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = pending("web:stuck", minutes_old=0)
    naps: list[float] = []
    monkeypatch.setattr("chatbot.pipeline.run.time.sleep", naps.append)

    response = turn_ask(question="住民票の写しが欲しい", idempotency_key="web:stuck", lang="en")

    assert len(naps) == 50  # about five seconds of waiting for the first request
    assert response["outcome"] == Outcome.HANDOFF
    assert response["turn_id"] == str(stuck.pk)
    assert Turn.objects.count() == 1


# 12. turn admin ----------------------------------------------------------------------------------------------------


@pytest.fixture
def logged_turns(town: dict[str, Faq]) -> dict[str, Turn]:
    """An answer and a handoff asked now, and a turn from March 2025."""
    keys = {"answer": "住民票の写しが欲しい", "handoff": "明日の天気は？", "march": "水道を使い始めたい"}
    turns = {}
    for name, question in keys.items():
        response = turn_ask(question=question, channel=Channel.WEB)
        turns[name] = Turn.objects.get(pk=response["turn_id"])
    Turn.objects.filter(pk=turns["march"].pk).update(created_at=datetime.datetime(2025, 3, 10, 12, 0, tzinfo=TOKYO))
    assert turns["answer"].outcome == Outcome.ANSWER
    assert turns["handoff"].outcome == Outcome.HANDOFF
    return turns


@pytest.mark.django_db
def test_turn_changelist_filters_by_outcome_and_month(superuser_client: Client, logged_turns: dict[str, Turn]) -> None:
    url = reverse("admin:chatbot_turn_changelist")

    everything = superuser_client.get(url)
    answers = superuser_client.get(url, {"outcome": "answer"})
    now = timezone.localtime()
    this_month = superuser_client.get(url, {"created_at__year": now.year, "created_at__month": now.month})
    march = superuser_client.get(url, {"created_at__year": 2025, "created_at__month": 3})

    for response in (everything, answers, this_month, march):
        assert response.status_code == 200
    assert everything.context["cl"].result_count == 3
    assert {t.pk for t in answers.context["cl"].result_list} == {logged_turns["answer"].pk, logged_turns["march"].pk}
    assert {t.pk for t in this_month.context["cl"].result_list} == {
        logged_turns["answer"].pk,
        logged_turns["handoff"].pk,
    }
    assert {t.pk for t in march.context["cl"].result_list} == {logged_turns["march"].pk}
    assert "住民票の写しが欲しい" in answers.content.decode()
    assert "明日の天気は？" not in answers.content.decode()
    assert not everything.context["has_add_permission"]


@pytest.mark.django_db
def test_turn_change_page_shows_the_turn_read_only(superuser_client: Client, logged_turns: dict[str, Turn]) -> None:
    turn = logged_turns["answer"]

    response = superuser_client.get(reverse("admin:chatbot_turn_change", args=[turn.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "住民票の写しが欲しい" in page
    assert turn.idempotency_key in page
    assert 'name="_save"' not in page  # nothing to save: the log is read-only
    assert 'name="question"' not in page


@pytest.mark.django_db
def test_nobody_can_add_or_delete_turns(superuser_client: Client, logged_turns: dict[str, Turn]) -> None:
    turn = logged_turns["answer"]

    add = superuser_client.get(reverse("admin:chatbot_turn_add"))
    delete = superuser_client.post(reverse("admin:chatbot_turn_delete", args=[turn.pk]), {"post": "yes"})
    bulk = superuser_client.post(
        reverse("admin:chatbot_turn_changelist"),
        {"action": "delete_selected", "_selected_action": [turn.pk], "index": 0, "post": "yes"},
    )
    change = superuser_client.post(reverse("admin:chatbot_turn_change", args=[turn.pk]), {"question": "edited"})

    assert add.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert change.status_code == 403
    assert Turn.objects.count() == 3
    turn.refresh_from_db()
    assert turn.question == "住民票の写しが欲しい"

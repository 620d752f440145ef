"""Stored evaluation runs: configuration, measures and each case's result kept as a history; answer graders;
the nightly schedule; runs on demand from admin and the trend chart."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.signing import SignedPackage

from changeflow.staff import department_editor_group_ensure, faq_admin_group_ensure
from chatbot import tasks
from chatbot.models import EvaluationRun, GateConfig, GoldenCase, RunStatus, RunTrigger, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.evalruns import golden_run
from chatbot.quality.evaluation import answer_grades, key_facts
from chatbot.quality.golden import case_from_turn
from faq.models import Faq

NONSENSE = "宇宙船の操縦免許はどこで取れますか"


def _case(question: str, *, answerable: bool = True, faq: Faq | None = None) -> None:
    response = turn_ask(question=question)
    case_from_turn(Turn.objects.get(pk=response["turn_id"]), answerable=answerable, faq=faq)


# ---------------------------------------------------------------------------------------------- graders


def test_key_facts_are_the_numbers_width_folded() -> None:
    assert key_facts("手数料は１，０００円、受付は8:30から17時15分まで。電話0000-11-1301") == {
        "1000",
        "8:30",
        "17",
        "15",
        "0000-11-1301",
    }
    assert key_facts("番号はありません") == set()


def test_answer_grades_are_exact_on_known_texts() -> None:
    expected = "粗大ごみは1点300円です。受付は8:30から。"  # 22 characters, facts {1, 300, 8:30}
    same = answer_grades(expected, expected, 1.0)
    assert same == {"key_facts": 1.0, "length_deviation": 0.0, "similarity": 1.0}

    partial = answer_grades("1点300円です。", expected, 0.5)
    assert partial["key_facts"] == round(2 / 3, 4)
    assert partial["length_deviation"] == round(abs(9 - len(expected)) / len(expected), 4)
    assert partial["similarity"] == 0.5
    # An expected answer without numbers has nothing to miss.
    assert answer_grades("どうぞ", "窓口へどうぞ", 0.9)["key_facts"] == 1.0


# ---------------------------------------------------------------------------------------------- stored runs


@pytest.mark.django_db
def test_evaluate_save_keeps_the_run_with_its_configuration_and_each_case(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    _case(indexed_town["R-001"].question)
    _case(indexed_town["R-003"].question)
    _case(NONSENSE, answerable=False)
    out, err = StringIO(), StringIO()

    call_command("evaluate", "--golden", "--save", "--json", "--no-log", stdout=out, stderr=err)

    printed = json.loads(out.getvalue().strip().splitlines()[-1])
    run = EvaluationRun.objects.get()
    assert f"saved as evaluation run {run.pk}" in err.getvalue()
    assert run.status == RunStatus.COMPLETED
    assert run.trigger == RunTrigger.COMMAND
    assert run.cases_label == "golden set"
    assert run.finished_at is not None
    assert run.metrics == printed
    # Extractive answers are the FAQ's own text: every graded answer is exact.
    assert printed["answers_graded"] == 2
    assert printed["answer_key_facts"] == 1.0
    assert printed["answer_length_deviation"] == 0.0
    assert printed["answer_similarity"] == 1.0
    config = run.configuration
    assert config["gate_version"] == builtin_gate.pk
    assert config["faqs_published"] == len(indexed_town)
    assert config["encoders"]
    assert len(config["ranker"]["sha256"]) == 12
    assert config["composer"] == "ExtractiveComposer"
    assert config["index_generation"] is not None
    assert sorted(item["id"] for item in run.results) == sorted(GoldenCase.objects.values_list("case_id", flat=True))
    assert len(run.results) == 3
    assert all(item["right"] for item in run.results)
    assert {item["outcome"] for item in run.results if not item["answerable"]} <= {"handoff", "clarify", "rejected"}


@pytest.mark.django_db
def test_a_wrongly_answered_case_is_graded_against_the_expected_faq(indexed_town: dict[str, Faq]) -> None:
    # The label says R-002 (家庭ごみ, with "8時30分") but the bot answers R-003 (住民票, no number).
    _case(indexed_town["R-003"].question, faq=indexed_town["R-002"])

    run = golden_run(trigger=RunTrigger.COMMAND)

    assert run is not None
    metrics = run.metrics
    answer, expected = indexed_town["R-003"].answer, indexed_town["R-002"].answer
    assert metrics["wrong_answer_rate"] == 1.0
    assert metrics["answer_key_facts"] == 0.0
    assert metrics["answer_length_deviation"] == round(abs(len(answer) - len(expected)) / len(expected), 4)
    assert 0 < metrics["answer_similarity"] < 0.95
    assert run.results[0]["right"] is False
    assert run.results[0]["answered_with"] == "R-003"
    assert run.results[0]["rank"] != 1


@pytest.mark.django_db
def test_an_empty_golden_set_stores_no_run(town: dict[str, Faq]) -> None:
    assert golden_run() is None
    assert tasks.evaluate_golden() == "the golden set has no cases in use"
    assert EvaluationRun.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_evaluation_is_stored_as_failed(
    indexed_town: dict[str, Faq], monkeypatch: pytest.MonkeyPatch
) -> None:
    _case(indexed_town["R-001"].question)

    def broken(**kwargs: object) -> dict[str, object]:
        raise RuntimeError("index unreadable")

    monkeypatch.setattr("chatbot.quality.evaluation.turn_ask", broken)
    with pytest.raises(RuntimeError):
        golden_run()

    run = EvaluationRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert "index unreadable" in run.error
    assert run.finished_at is not None


@pytest.mark.django_db
def test_the_nightly_schedule_evaluates_the_golden_set() -> None:
    schedule = Schedule.objects.get(func="chatbot.tasks.evaluate_golden")
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1


# ---------------------------------------------------------------------------------------------- admin


def _staff(username: str, group_ensure: object) -> Client:
    user = User.objects.create_user(username, f"{username}@example.jp", "pw-eval-runs-123", is_staff=True)
    user.groups.add(group_ensure())  # type: ignore[operator]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_staff_queue_a_run_from_admin_and_see_it_in_the_history_and_trend(indexed_town: dict[str, Faq]) -> None:
    client = _staff("eval-admin", faq_admin_group_ensure)
    changelist = reverse("admin:chatbot_evaluationrun_changelist")
    run_url = reverse("admin:chatbot_evaluationrun_run")

    # The task queue is the broker configured (the database, or Redis when REDIS_URL is set).
    broker = get_broker()
    broker.purge_queue()

    # Nothing to evaluate yet: a clear message, nothing queued.
    response = client.post(run_url, follow=True)
    assert any("no cases" in str(m) or "ありません" in str(m) for m in response.context["messages"])
    assert broker.queue_size() == 0

    _case(indexed_town["R-001"].question)
    client.post(run_url)
    assert broker.queue_size() == 1
    ((_task_id, payload),) = broker.dequeue()
    task = SignedPackage.loads(payload)
    assert task["func"] == "chatbot.tasks.evaluate_golden"
    # What the task cluster does with it.
    assert "evaluation run" in tasks.evaluate_golden(*task["args"])
    run = EvaluationRun.objects.get()
    assert run.trigger == RunTrigger.ADMIN

    page = client.get(changelist)
    assert page.status_code == 200
    assert reverse("admin:chatbot_evaluationrun_trend") in page.content.decode()
    detail = client.get(reverse("admin:chatbot_evaluationrun_change", args=[run.pk]))
    assert detail.status_code == 200
    trend = client.get(reverse("admin:chatbot_evaluationrun_trend"))
    assert trend["Content-Type"] == "image/svg+xml"
    assert trend.content.lstrip().startswith(b"<?xml")
    assert b"<script" not in trend.content


@pytest.mark.django_db
def test_department_editors_cannot_queue_or_read_runs(town: dict[str, Faq]) -> None:
    client = _staff("eval-editor", department_editor_group_ensure)
    broker = get_broker()
    broker.purge_queue()

    assert client.post(reverse("admin:chatbot_evaluationrun_run")).status_code == 403
    assert client.get(reverse("admin:chatbot_evaluationrun_trend")).status_code == 403
    assert client.get(reverse("admin:chatbot_evaluationrun_changelist")).status_code == 403
    assert broker.queue_size() == 0

"""The regression gate on the change flow: asking to approve a change request queues a check in the task cluster
that evaluates the golden set with the change's FAQ texts as if published (unsaved copies of the FAQs, searched
through an index built aside in memory, for the checking thread only). The review page shows the progress and then
the result; approving against a passed check of the same texts is immediate, and a change that makes answers worse
is approved only with a recorded reason."""

import datetime
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django_q.conf import Conf

from changeflow import services
from changeflow.approval import Approval, ApprovalBlocked, change_approve_requested
from changeflow.drafts import ItemDraft
from changeflow.models import ApprovalCheck, ChangeKind, ChangeRequest, ChangeStatus, CheckStatus
from changeflow.tasks import run_approval_check
from chatbot.models import EvaluationRun, GoldenCase, RegressionCheck, Turn, TurnStatus
from chatbot.pipeline import PipelineConfig, turn_ask
from chatbot.quality import evaluation
from chatbot.quality.golden import case_from_turn
from faq.models import Faq, FaqStatus, IndexedDocument, IndexGeneration, IndexStatus
from faq.retrieval.index import search
from faq.retrieval.snapshot import snapshot_with_faqs
from faq.selectors import today_local
from tests.changeflow.conftest import client_for, editor_create
from tests.chatbot.test_api import post_chat
from tests.factories import StaffUserFactory

OUT_OF_SCOPE = [
    "宇宙船の操縦免許はどこで取れますか",
    "隣の市の花火大会は何時からですか",
    "おすすめのラーメン屋を教えて",
]
DOG_QUESTION = "飼い犬の登録をしたい。"
DOG_ANSWER = "犬を飼い始めたら30日以内に環境課で登録し、鑑札を受け取ってください。"


def _golden_set(town: dict[str, Faq]) -> None:
    for key in ("R-001", "R-003"):
        turn = Turn.objects.get(pk=turn_ask(question=town[key].question)["turn_id"])
        case_from_turn(turn, answerable=True)
    for question in OUT_OF_SCOPE:
        turn = Turn.objects.get(pk=turn_ask(question=question)["turn_id"])
        assert turn.outcome != "answer", question
        case_from_turn(turn, answerable=False)


def _change(faq: Faq, question: str, answer: str, *, days: int = 3) -> ChangeRequest:
    department = faq.department
    assert department is not None
    editor = editor_create(department, f"editor_{department.code.lower()}")
    return services.change_create(
        user=editor,
        kind=ChangeKind.FREE_TEXT,
        department=department,
        title="FAQの改定",
        reason="制度の見直し",
        effective_date=today_local() + datetime.timedelta(days=days),
        items=[ItemDraft(faq, question, answer)],
        submit=True,
    )


@pytest.fixture
def reviewer(db: None) -> User:
    return StaffUserFactory.create(username="reviewer_a", email="reviewer-a@example.org")


def _live_state(faq: Faq) -> tuple[str, int, int, str]:
    generation = IndexGeneration.objects.get(status=IndexStatus.ACTIVE)
    indexed = IndexedDocument.objects.get(generation=generation, faq=faq)
    return faq.question, faq.history.count(), generation.revision, indexed.question


def _checked(change: ChangeRequest, reviewer: User, **options: Any) -> ApprovalCheck:
    """Ask to approve (which queues the check), then run the queued check as the task cluster does."""
    started = change_approve_requested(change, user=reviewer, **options)
    assert started.approved is False
    assert started.started is True
    assert started.check is not None
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
    run_approval_check(started.check.pk)
    started.check.refresh_from_db()
    return started.check


def _state(faq: Faq) -> tuple[object, ...]:
    """What residents are answered from: FAQ rows and versions, the live index."""
    return (
        *_live_state(faq),
        Faq.objects.count(),
        Faq.history.count(),
        list(IndexGeneration.objects.values_list("pk", "status", "revision")),
    )


@pytest.mark.django_db
def test_a_change_that_breaks_answers_is_not_approved_and_leaves_nothing_behind(
    indexed_town: dict[str, Faq], reviewer: User
) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-003"]
    change = _change(target, DOG_QUESTION, DOG_ANSWER)
    before = _state(target)

    approval = _checked(change, reviewer)

    assert approval.status == CheckStatus.DONE
    assert approval.cases_done == approval.cases_total == 2 * GoldenCase.objects.count()
    check = approval.result
    assert check is not None
    assert check.action == RegressionCheck.Action.PUBLISH
    assert check.target == f"change request #{change.pk}"
    assert check.passed is False
    assert check.baseline.metrics["resolved"] == 1.0
    assert check.candidate.metrics["resolved"] == 0.5
    assert check.candidate.configuration["faqs_as_proposed"] == [target.pk]
    assert [case["query"] for case in check.failing_cases] == [target.question]
    with pytest.raises(ApprovalBlocked) as blocked:
        change_approve_requested(change, user=reviewer, comment="")
    assert blocked.value.result == check
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
    target.refresh_from_db()
    assert _state(target) == before
    assert not Faq.objects.filter(question=DOG_QUESTION).exists()
    # The live index still answers the FAQ as it is.
    assert search(target.question).candidates[0].faq_id == target.pk


@pytest.mark.django_db
def test_approving_against_a_passed_check_of_the_same_texts_evaluates_nothing(
    indexed_town: dict[str, Faq], reviewer: User
) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-001"]
    change = _change(target, target.question, target.answer + "処理券は1枚700円です。", days=0)
    approval = _checked(change, reviewer, comment="ok")
    runs = EvaluationRun.objects.count()

    approved = change_approve_requested(change, user=reviewer, comment="ok")

    assert approved == Approval(approved=True, check=approval)
    assert EvaluationRun.objects.count() == runs
    check = approval.result
    assert check is not None
    assert check.passed is True
    assert check.candidate.metrics["resolved"] == check.baseline.metrics["resolved"] == 1.0
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED
    target.refresh_from_db()
    assert target.answer.endswith("処理券は1枚700円です。")


@pytest.mark.django_db
def test_a_reviewer_can_approve_anyway_with_a_recorded_reason(indexed_town: dict[str, Faq], reviewer: User) -> None:
    _golden_set(indexed_town)
    change = _change(indexed_town["R-003"], DOG_QUESTION, DOG_ANSWER)
    approval = _checked(change, reviewer)

    approved = change_approve_requested(change, user=reviewer, override_reason="粗大ごみの受付は廃止されるため")

    assert approved.approved is True
    check = approval.result
    assert check is not None
    check.refresh_from_db()
    assert check.passed is False
    assert check.override_reason == "粗大ごみの受付は廃止されるため"
    assert check.overridden_by == reviewer
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED


@pytest.mark.django_db
def test_edited_texts_make_the_check_stale_and_need_a_new_one(indexed_town: dict[str, Faq], reviewer: User) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-001"]
    change = _change(target, target.question, target.answer + "処理券は1枚700円です。")
    first = _checked(change, reviewer)
    assert first.result is not None
    assert first.result.passed is True
    item = change.items.get()

    services.change_update_texts(change=change, user=reviewer, texts={item.pk: (DOG_QUESTION, DOG_ANSWER)})
    page = client_for(reviewer).get(reverse("changeflow:detail", args=[change.pk])).content.decode()
    again = change_approve_requested(change, user=reviewer)

    assert "The texts were edited after the last check; approving evaluates them again." in page
    assert again.approved is False
    assert again.started is True
    assert again.check is not None
    assert again.check.pk != first.pk
    assert again.check.fingerprint != first.fingerprint
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED


@pytest.mark.django_db
def test_without_golden_cases_approval_is_immediate(indexed_town: dict[str, Faq], reviewer: User) -> None:
    target = indexed_town["R-001"]
    change = _change(target, target.question, target.answer + "処理券は1枚700円です。")

    response = client_for(reviewer).post(reverse("changeflow:detail", args=[change.pk]), {"action": "approve"})

    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert not ApprovalCheck.objects.exists()
    assert not RegressionCheck.objects.exists()


@pytest.mark.django_db
def test_no_check_for_a_change_the_user_may_not_approve(indexed_town: dict[str, Faq]) -> None:
    _golden_set(indexed_town)
    change = _change(indexed_town["R-001"], DOG_QUESTION, DOG_ANSWER)
    author = change.created_by

    with pytest.raises(PermissionDenied):
        change_approve_requested(change, user=author)

    assert ApprovalCheck.objects.count() == 0
    assert RegressionCheck.objects.count() == 0


@pytest.mark.django_db
def test_the_aside_index_finds_a_new_faq_only_inside_the_check(indexed_town: dict[str, Faq]) -> None:
    live_first = search(DOG_QUESTION).candidates[0].faq_id

    with transaction.atomic():
        dog = Faq.objects.create(
            question=DOG_QUESTION,
            answer=DOG_ANSWER,
            department=indexed_town["R-001"].department,
            status=FaqStatus.PUBLISHED,
        )
        withdrawn = indexed_town["R-003"]
        Faq.objects.filter(pk=withdrawn.pk).update(status=FaqStatus.WITHDRAWN)
        aside = snapshot_with_faqs([dog.pk, withdrawn.pk])
        assert search(DOG_QUESTION, snapshot=aside).candidates[0].faq_id == dog.pk
        assert withdrawn.pk not in {c.faq_id for c in search(withdrawn.question, snapshot=aside).candidates}
        assert len(aside.documents) == len(indexed_town)
        assert sorted(aside.dense) == sorted(aside.signals[-len(aside.dense) :])
        transaction.set_rollback(True)

    after = [c.faq_id for c in search(DOG_QUESTION).candidates]
    assert after[0] == live_first
    assert dog.pk not in after
    assert search(withdrawn.question).candidates[0].faq_id == withdrawn.pk


@pytest.mark.django_db
def test_proposed_faqs_are_seen_only_by_the_check_and_nothing_is_written(
    indexed_town: dict[str, Faq],
) -> None:
    live_first = search(DOG_QUESTION).candidates[0].faq_id
    withdrawn = Faq.objects.get(pk=indexed_town["R-003"].pk)
    withdrawn.status = FaqStatus.WITHDRAWN
    dog = Faq(
        question=DOG_QUESTION,
        answer=DOG_ANSWER,
        department=indexed_town["R-001"].department,
        status=FaqStatus.PUBLISHED,
    )
    dog.pk = -1
    proposed = {dog.pk: dog, withdrawn.pk: withdrawn}
    rows = (Faq.objects.count(), Faq.history.count())
    seen: dict[str, Any] = {}

    def resident() -> None:
        try:
            seen["resident"] = turn_ask(question=DOG_QUESTION, log=False)
        finally:
            connection.close()

    config = PipelineConfig.with_faqs(proposed)
    assert search(DOG_QUESTION, snapshot=config.snapshot, proposed=proposed).candidates[0].faq_id == dog.pk
    aside = search(withdrawn.question, snapshot=config.snapshot, proposed=proposed).candidates
    assert withdrawn.pk not in {c.faq_id for c in aside}
    inside = turn_ask(question=DOG_QUESTION, log=False, config=config)
    other = threading.Thread(target=resident)
    other.start()
    other.join(timeout=60)

    assert inside["outcome"] == "answer"
    assert inside["answer"] == DOG_ANSWER
    assert seen["resident"]["answer"] != DOG_ANSWER
    assert (Faq.objects.count(), Faq.history.count()) == rows
    after = [c.faq_id for c in search(DOG_QUESTION).candidates]
    assert after[0] == live_first
    assert dog.pk not in after
    assert search(withdrawn.question).candidates[0].faq_id == withdrawn.pk


@pytest.mark.django_db
def test_the_review_page_shows_the_progress_then_the_blocked_change_and_takes_an_override(
    indexed_town: dict[str, Faq], reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-003"]
    change = _change(target, DOG_QUESTION, DOG_ANSWER)
    client = client_for(reviewer)
    url = reverse("changeflow:detail", args=[change.pk])

    with django_capture_on_commit_callbacks() as queued:
        asked = client.post(url, {"action": "approve", "comment": "確認済み"})

    assert asked.status_code == 302
    assert len(queued) == 1
    check = ApprovalCheck.objects.get()
    assert check.status == CheckStatus.QUEUED
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
    waiting = client.get(url).content.decode()
    assert "Evaluating" in waiting
    assert 'id="approval-progress"' in waiting
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert 'value="approve"' not in waiting
    assert "確認済み" in waiting
    assert "評価中" in client_for(reviewer, english=False).get(url).content.decode()

    # The task cluster runs the queued check.
    run_approval_check(check.pk)

    page = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "Answers get worse with these texts." in page
    assert target.question in page
    assert "resolved 1.0 -&gt; 0.5" in page
    assert 'name="override_reason"' in page
    runs = EvaluationRun.objects.count()

    blocked = client.post(url, {"action": "approve", "comment": "確認済み"})

    assert blocked.status_code == 200
    assert "Not approved: answers get worse" in blocked.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED

    done = client.post(url, {"action": "approve", "comment": "確認済み", "override_reason": "受付終了のため"})

    assert done.status_code == 302
    assert EvaluationRun.objects.count() == runs
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert change.review_comment == "確認済み"
    assert RegressionCheck.objects.filter(override_reason="受付終了のため", passed=False).count() == 1


@pytest.mark.django_db
def test_the_check_is_queued_as_a_task_and_a_passed_one_approves_at_once(
    indexed_town: dict[str, Faq], reviewer: User, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-001"]
    change = _change(target, target.question, target.answer + "処理券は1枚700円です。")
    client = client_for(reviewer)
    url = reverse("changeflow:detail", args=[change.pk])
    # The task queue in this process: what is queued on commit runs at once through django-q2's worker.
    monkeypatch.setattr(Conf, "SYNC", True)

    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url, {"action": "approve", "comment": "OK"})

    assert asked.status_code == 302
    check = ApprovalCheck.objects.get()
    assert check.status == CheckStatus.DONE
    assert check.result is not None
    assert check.result.passed is True
    page = client.get(url).content.decode()
    assert "Regression check passed: resolved 1.0 -&gt; 1.0" in page
    assert 'value="approve"' in page

    approved = client.post(url, {"action": "approve", "comment": "OK"}, follow=True)

    assert "Regression check passed" in approved.content.decode()
    assert ApprovalCheck.objects.count() == 1
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_residents_are_answered_and_logged_while_the_check_runs(
    indexed_town: dict[str, Faq], reviewer: User, monkeypatch: Any
) -> None:
    """Residents ask through the API while the check is halfway through the golden set with the change in place
    (its first question as if published waits until they are answered)."""
    _golden_set(indexed_town)
    target = indexed_town["R-003"]
    live_answer = target.answer
    change = _change(target, DOG_QUESTION, DOG_ANSWER)
    started = change_approve_requested(change, user=reviewer)
    assert started.check is not None
    before = _state(target)
    questions = [target.question, DOG_QUESTION, indexed_town["R-001"].question, *OUT_OF_SCOPE] * 2
    in_check = threading.Event()
    residents_done = threading.Event()
    answers: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []
    asked_in_check = evaluation.turn_ask

    def ask_in_check(**kwargs: Any) -> dict[str, Any]:
        if kwargs["config"].faqs and not in_check.is_set():
            in_check.set()
            residents_done.wait(timeout=120)
        return asked_in_check(**kwargs)

    def residents() -> None:
        try:
            assert in_check.wait(timeout=120)
            for number, question in enumerate(questions):
                response = post_chat(Client(), {"question": question}, key=f"resident-{number:04d}")
                answers.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            residents_done.set()
            connection.close()

    monkeypatch.setattr(evaluation, "turn_ask", ask_in_check)
    thread = threading.Thread(target=residents)
    thread.start()
    run_approval_check(started.check.pk)
    thread.join(timeout=120)

    assert errors == []
    assert in_check.is_set()
    assert [status for status, _body in answers] == [200] * len(questions)
    assert all(body["answer"] for _status, body in answers)
    turns = Turn.objects.filter(idempotency_key__startswith="http:resident-")
    assert turns.count() == len(questions)
    assert set(turns.values_list("status", flat=True)) == {TurnStatus.COMPLETED}
    assert {str(pk) for pk in turns.values_list("pk", flat=True)} == {body["turn_id"] for _status, body in answers}
    # Residents got the live texts while the check saw the proposed ones.
    assert answers[0][1]["answer"] == live_answer
    assert all(body["answer"] != DOG_ANSWER for _status, body in answers)
    check = ApprovalCheck.objects.get(pk=started.check.pk)
    assert check.status == CheckStatus.DONE
    assert check.result is not None
    assert check.result.passed is False
    # The check wrote no FAQ row or version, and the live index is as it was.
    target.refresh_from_db()
    assert _state(target) == before

"""The regression gate on the change flow: approving a change request first evaluates the golden set with the
change's FAQ texts as if published (written in a transaction that is rolled back, searched through an index built
aside in memory). A change that makes answers worse is not approved unless a reviewer records a reason."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from changeflow import services
from changeflow.models import ChangeKind, ChangeRequest, ChangeStatus
from chatbot.golden import case_from_turn
from chatbot.models import RegressionCheck, Turn
from chatbot.regression import RegressionBlocked, change_approve_checked
from chatbot.services import turn_ask
from faq.models import Faq, FaqStatus, IndexedDocument, IndexGeneration, IndexStatus
from faq.retrieval.index import search, snapshot_override, snapshot_with_faqs
from faq.selectors import today_local
from tests.changeflow.conftest import client_for, editor_create
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
        items=[services.ItemDraft(faq, question, answer)],
        submit=True,
    )


@pytest.fixture
def reviewer(db: None) -> User:
    return StaffUserFactory.create(username="reviewer_a", email="reviewer-a@example.org")


def _live_state(faq: Faq) -> tuple[str, int, int, str]:
    generation = IndexGeneration.objects.get(status=IndexStatus.ACTIVE)
    indexed = IndexedDocument.objects.get(generation=generation, faq=faq)
    return faq.question, faq.history.count(), generation.revision, indexed.question


@pytest.mark.django_db
def test_a_change_that_breaks_answers_is_not_approved_and_leaves_nothing_behind(
    indexed_town: dict[str, Faq], reviewer: User
) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-003"]
    before = _live_state(target)
    change = _change(target, DOG_QUESTION, DOG_ANSWER)

    with pytest.raises(RegressionBlocked) as blocked:
        change_approve_checked(change, user=reviewer, comment="")

    check = blocked.value.check
    assert check.action == RegressionCheck.Action.PUBLISH
    assert check.target == f"change request #{change.pk}"
    assert check.passed is False
    assert check.baseline.metrics["resolved"] == 1.0
    assert check.candidate.metrics["resolved"] == 0.5
    assert [case["query"] for case in check.failing_cases] == [target.question]
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
    target.refresh_from_db()
    assert _live_state(target) == before
    assert not Faq.objects.filter(question=DOG_QUESTION).exists()
    # The live index still answers the FAQ as it is.
    assert search(target.question).candidates[0].faq_id == target.pk


@pytest.mark.django_db
def test_a_harmless_change_is_approved_with_a_passed_check(indexed_town: dict[str, Faq], reviewer: User) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-001"]
    change = _change(target, target.question, target.answer + "処理券は1枚700円です。", days=0)

    check = change_approve_checked(change, user=reviewer, comment="ok")

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

    check = change_approve_checked(change, user=reviewer, override_reason="粗大ごみの受付は廃止されるため")

    assert check is not None
    assert check.passed is False
    assert check.override_reason == "粗大ごみの受付は廃止されるため"
    assert check.overridden_by == reviewer
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED


@pytest.mark.django_db
def test_no_check_for_a_change_the_user_may_not_approve(indexed_town: dict[str, Faq]) -> None:
    _golden_set(indexed_town)
    change = _change(indexed_town["R-001"], DOG_QUESTION, DOG_ANSWER)
    author = change.created_by

    with pytest.raises(PermissionDenied):
        change_approve_checked(change, user=author)

    assert RegressionCheck.objects.count() == 0


@pytest.mark.django_db
def test_the_aside_index_finds_a_new_faq_only_inside_the_check(indexed_town: dict[str, Faq]) -> None:
    live_top = [c.faq_id for c in search(DOG_QUESTION).candidates]

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
        with snapshot_override(aside):
            assert search(DOG_QUESTION).candidates[0].faq_id == dog.pk
            assert withdrawn.pk not in {c.faq_id for c in search(withdrawn.question).candidates}
            assert len(aside.documents) == len(indexed_town)
            assert sorted(aside.dense) == sorted(aside.signals[-len(aside.dense) :])
        transaction.set_rollback(True)

    assert [c.faq_id for c in search(DOG_QUESTION).candidates] == live_top
    assert search(withdrawn.question).candidates[0].faq_id == withdrawn.pk


@pytest.mark.django_db
def test_the_review_page_shows_the_blocked_change_and_takes_an_override(
    indexed_town: dict[str, Faq], reviewer: User
) -> None:
    _golden_set(indexed_town)
    target = indexed_town["R-003"]
    change = _change(target, DOG_QUESTION, DOG_ANSWER)
    client = client_for(reviewer)
    url = reverse("changeflow:detail", args=[change.pk])

    page = client.post(url, {"action": "approve", "comment": "確認済み"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Not approved: answers get worse" in html
    assert target.question in html
    assert "resolved 1.0 -&gt; 0.5" in html
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED

    done = client.post(url, {"action": "approve", "comment": "確認済み", "override_reason": "受付終了のため"})

    assert done.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert change.review_comment == "確認済み"
    assert RegressionCheck.objects.filter(override_reason="受付終了のため", passed=False).count() == 1

"""What staff do about a group of unanswered questions changes what the chat answers.

The real pipeline (turn_ask) answers residents on the small town's real index;
the groups come from aggregating the turns it logged; the index follows the
FAQ changes when the transaction commits.
"""

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from analytics.aggregation import aggregate_month
from analytics.models import GapAction, GapActionKind, GapCluster, MonthlyAggregate
from analytics.months import current_month
from analytics.services import cluster_add_alternates, cluster_create_draft_faq
from chatbot.models import Channel, Outcome
from chatbot.pipeline import turn_ask
from chatbot.privacy import PLACEHOLDERS
from faq.models import (
    ALTERNATE_QUESTIONS_MAX,
    Department,
    Faq,
    FaqStatus,
    IndexedDocument,
    IndexGeneration,
    IndexStatus,
)
from faq.retrieval.index import search
from faq.selectors import faq_list_public
from faq.services import faq_publish, faq_save
from tests.analytics.support import OCTOBER, OCTOBER_GAPS, jst, make_turn
from tests.factories import FaqFactory, UserFactory

pytestmark = pytest.mark.django_db

LIBRARY_ANSWER = (
    "町立図書館の開館時間は、火曜日から金曜日は午前9時から午後7時まで、土曜日・日曜日・祝日は午前9時から午後5時までです。"
    "毎週月曜日と年末年始は休館日です。"
)
# Resident wordings the small town does not answer today (handed off / a choice offered), and the FAQ they mean.
RESIDENT_WORDINGS = [("ソファを処分したい", "R-001"), ("住民票はどこでもらえますか", "R-003")]
NOT_ANSWERED = (Outcome.HANDOFF, Outcome.CLARIFY)


def ask(question: str) -> dict[str, Any]:
    """A resident asks in the chat widget."""
    return turn_ask(question=question, channel=Channel.WEB)


def group_with(aggregate: MonthlyAggregate, wording: str) -> GapCluster:
    groups = [group for group in aggregate.clusters.all() if wording in [w["text"] for w in group.wordings]]
    assert len(groups) == 1, [(g.representative, g.wordings) for g in aggregate.clusters.all()]
    return groups[0]


def indexed_alternates(faq: Faq) -> list[str]:
    generation = IndexGeneration.objects.get(status=IndexStatus.ACTIVE)
    return list(IndexedDocument.objects.get(generation=generation, faq=faq).alternates)


def library_group() -> GapCluster:
    """October's generated gaps; the library questions are the largest group."""
    for texts in OCTOBER_GAPS.values():
        for day, text in enumerate(texts, start=1):
            make_turn(text, jst(2026, 10, day), Outcome.HANDOFF)
    aggregate = aggregate_month(OCTOBER)
    group = aggregate.clusters.get(rank=1)
    assert {w["text"] for w in group.wordings} >= {"図書館は何時まで開いていますか", "図書館の開館時間は？"}
    return group


# 7a. add the wordings as alternate questions -------------------------------------------------------------------------


@pytest.mark.parametrize(("wording", "faq_key"), RESIDENT_WORDINGS)
def test_wording_added_as_alternate_question_reaches_the_index_on_commit(
    chat_town: dict[str, Faq],
    faq_admin: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    wording: str,
    faq_key: str,
) -> None:
    faq = chat_town[faq_key]
    assert ask(wording)["outcome"] in NOT_ANSWERED
    # An FAQ not among the candidates at all is not similar to the wording either.
    similarity_before = next(
        (c.signals["use-multilingual:question"] for c in search(wording).candidates if c.faq_id == faq.pk), 0.0
    )
    group = group_with(aggregate_month(current_month()), wording)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        added = cluster_add_alternates(group=group, faq=faq, wordings=[wording], user=faq_admin)

    assert added == [wording]
    assert len(callbacks) == 1
    faq.refresh_from_db()
    assert faq.alternate_questions[-1] == wording
    assert indexed_alternates(faq)[-1] == wording
    top = search(wording).candidates[0]
    assert top.faq_id == faq.pk
    assert similarity_before < 0.95
    assert top.signals["use-multilingual:question"] == pytest.approx(1.0, abs=1e-3)  # the exact wording is indexed
    action = GapAction.objects.get()
    assert (action.kind, action.faq, action.wordings, action.cluster_key) == (
        GapActionKind.ALTERNATES,
        faq,
        [wording],
        group.key,
    )


@pytest.mark.parametrize(("wording", "faq_key"), RESIDENT_WORDINGS)
def test_wording_added_as_alternate_question_is_then_answered_with_that_faq(
    chat_town: dict[str, Faq],
    faq_admin: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    wording: str,
    faq_key: str,
) -> None:
    """The promise of the action ("residents asking this way now get its answer"), with the built-in gate."""
    faq = chat_town[faq_key]
    first = ask(wording)
    assert first["outcome"] in NOT_ANSWERED
    group = group_with(aggregate_month(current_month()), wording)
    with django_capture_on_commit_callbacks(execute=True):
        cluster_add_alternates(group=group, faq=faq, wordings=[wording], user=faq_admin)

    again = ask(wording)

    assert again["outcome"] == Outcome.ANSWER, (
        f"{wording!r} is now an alternate question of FAQ {faq.pk} but the chat still gives "
        f"{again['outcome']} (confidence {again['confidence']}, before {first['confidence']})"
    )
    assert again["sources"][0]["faq_id"] == faq.pk
    assert again["answer"] == faq.answer


# 7b. promote a group to a draft FAQ ----------------------------------------------------------------------------------


def test_group_becomes_a_draft_faq_that_is_answered_once_written_and_published(
    chat_town: dict[str, Faq],
    faq_admin: User,
    library_department: Department,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    questions = ["図書館は何時まで開いていますか", "図書館の開館時間は？", "図書館は何時まで開いていますか"]
    assert [ask(question)["outcome"] for question in questions] == [Outcome.HANDOFF] * 3
    group = group_with(aggregate_month(current_month()), "図書館の開館時間は？")
    assert (group.representative, group.size) == ("図書館は何時まで開いていますか", 3)

    with django_capture_on_commit_callbacks(execute=True):
        draft = cluster_create_draft_faq(group=group, user=faq_admin, department=library_department)

    draft.refresh_from_db()
    assert (draft.status, draft.answer, draft.department) == (FaqStatus.DRAFT, "", library_department)
    assert draft.question == "図書館は何時まで開いていますか"
    assert draft.alternate_questions == ["図書館の開館時間は？"]
    assert not faq_list_public().filter(pk=draft.pk).exists()
    action = GapAction.objects.get()
    assert (action.kind, action.faq, action.cluster_key, action.created_by) == (
        GapActionKind.DRAFT_FAQ,
        draft,
        group.key,
        faq_admin,
    )
    while_draft = ask("図書館は何時まで開いていますか")
    assert while_draft["outcome"] != Outcome.ANSWER
    assert draft.pk not in [c["faq_id"] for c in while_draft["candidates"]]

    # The department writes the answer; staff publish it.
    draft.answer = LIBRARY_ANSWER
    with django_capture_on_commit_callbacks(execute=True):
        faq_save(faq=draft, reason="回答を記入")
        assert faq_publish(faqs=[Faq.objects.get(pk=draft.pk)], reason="公開") == 1

    assert faq_list_public().filter(pk=draft.pk).exists()
    for question in ["図書館の開館時間は？", "図書館は何時まで開いていますか"]:
        response = ask(question)
        assert response["outcome"] == Outcome.ANSWER, (question, response["outcome"], response["confidence"])
        assert response["sources"][0]["faq_id"] == draft.pk
        assert response["answer"] == LIBRARY_ANSWER


def test_draft_goes_to_the_groups_first_department_by_default(
    kankyo: Department, jumin: Department, faq_admin: User
) -> None:
    for day, text in enumerate(OCTOBER_GAPS["sodai"], start=1):
        make_turn(text, jst(2026, 10, day), Outcome.HANDOFF, department=kankyo)
    make_turn("粗大ごみの料金はいくらですか", jst(2026, 10, 9), Outcome.HANDOFF, department=jumin)
    group = aggregate_month(OCTOBER).clusters.get()
    assert [d["id"] for d in group.departments] == [kankyo.pk, jumin.pk]

    draft = cluster_create_draft_faq(group=group, user=faq_admin)

    assert draft.department == kankyo
    assert draft.status == FaqStatus.DRAFT
    assert draft.question == group.representative


# 7. permissions and limits -------------------------------------------------------------------------------------------


def test_department_editor_cannot_create_a_draft(department_editor: User, kankyo: Department) -> None:
    group = library_group()

    with pytest.raises(PermissionDenied):
        cluster_create_draft_faq(group=group, user=department_editor, department=kankyo)

    assert not Faq.objects.exists()
    assert not GapAction.objects.exists()


def test_user_without_change_faq_permission_cannot_add_alternates(department_editor: User, kankyo: Department) -> None:
    faq = FaqFactory.create(department=kankyo, question="図書館の利用案内", alternate_questions=[])
    viewer = UserFactory.create(username="analytics_viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_faq", "view_monthlyaggregate"]))
    group = library_group()
    versions = faq.history.count()

    for user in (department_editor, viewer):
        assert not user.has_perm("faq.change_faq")
        with pytest.raises(PermissionDenied):
            cluster_add_alternates(group=group, faq=faq, wordings=["図書館の開館時間は？"], user=user)

    faq.refresh_from_db()
    assert faq.alternate_questions == []
    assert faq.history.count() == versions
    assert not GapAction.objects.exists()


def test_wordings_not_in_the_group_are_ignored(faq_admin: User, kankyo: Department) -> None:
    faq = FaqFactory.create(department=kankyo, question="図書館の利用案内", alternate_questions=[])
    group = library_group()

    added = cluster_add_alternates(
        group=group,
        faq=faq,
        wordings=["図書館の開館時間は？", "粗大ごみの料金はいくらですか", "無関係な文言", group.representative],
        user=faq_admin,
    )

    assert added == ["図書館の開館時間は？", group.representative]
    faq.refresh_from_db()
    assert faq.alternate_questions == added
    assert GapAction.objects.get().wordings == added
    with pytest.raises(ValidationError):
        cluster_add_alternates(group=group, faq=faq, wordings=["無関係な文言"], user=faq_admin)
    with pytest.raises(ValidationError):  # nothing new: both are already alternates
        cluster_add_alternates(group=group, faq=faq, wordings=added, user=faq_admin)
    assert GapAction.objects.count() == 1


def test_adding_beyond_the_limit_of_alternate_questions_changes_nothing(faq_admin: User, kankyo: Department) -> None:
    existing = [f"図書館の質問その{n}" for n in range(ALTERNATE_QUESTIONS_MAX - 1)]
    faq = FaqFactory.create(department=kankyo, question="図書館の利用案内", alternate_questions=existing)
    group = library_group()
    versions = faq.history.count()
    assert ALTERNATE_QUESTIONS_MAX == 30

    with pytest.raises(ValidationError, match="30"):
        cluster_add_alternates(
            group=group, faq=faq, wordings=["図書館の開館時間は？", "図書館は何時から開いていますか"], user=faq_admin
        )

    faq.refresh_from_db()
    assert faq.alternate_questions == existing
    assert faq.history.count() == versions
    assert not GapAction.objects.exists()
    # One more still fits exactly.
    assert cluster_add_alternates(group=group, faq=faq, wordings=["図書館の開館時間は？"], user=faq_admin) == [
        "図書館の開館時間は？"
    ]
    faq.refresh_from_db()
    assert len(faq.alternate_questions) == ALTERNATE_QUESTIONS_MAX


def test_month_of_the_group_is_named_in_the_faq_version(faq_admin: User, kankyo: Department) -> None:
    faq = FaqFactory.create(department=kankyo, question="図書館の利用案内", alternate_questions=[])
    group = library_group()

    cluster_add_alternates(group=group, faq=faq, wordings=["図書館の開館時間は？"], user=faq_admin)

    latest = faq.history.order_by("-history_id").first()
    assert latest is not None
    assert "2026-10" in (latest.history_change_reason or "")
    assert group.aggregate.month == datetime.date(2026, 10, 1)


# 7c. only what staff chose, never a wording with personal data removed -----------------------------------------------


def stored_group(representative: str, wordings: list[str]) -> GapCluster:
    """A group as aggregate_month stores it, with the wordings given (most frequent first)."""
    aggregate = MonthlyAggregate.objects.create(month=OCTOBER, computed_at=jst(2026, 11, 1), turns=len(wordings))
    return GapCluster.objects.create(
        aggregate=aggregate,
        rank=1,
        key="0" * 64,
        representative=representative,
        size=len(wordings),
        distinct=len(wordings),
        wordings=[{"text": text, "count": 1} for text in wordings],
        centroid=b"",
    )


def test_adding_no_wording_changes_nothing(faq_admin: User, kankyo: Department) -> None:
    faq = FaqFactory.create(department=kankyo, question="図書館の利用案内", alternate_questions=[])
    group = library_group()
    versions = faq.history.count()

    with pytest.raises(ValidationError) as refused:
        cluster_add_alternates(group=group, faq=faq, wordings=[], user=faq_admin)

    assert refused.value.code == "nothing_chosen"

    faq.refresh_from_db()
    assert faq.alternate_questions == []
    assert faq.history.count() == versions
    assert not GapAction.objects.exists()


@pytest.mark.parametrize("placeholder", list(PLACEHOLDERS.values()))
def test_wording_with_a_redaction_placeholder_never_becomes_an_alternate_question(
    faq_admin: User, kankyo: Department, placeholder: str
) -> None:
    faq = FaqFactory.create(department=kankyo, question="住民票の写しの手数料はいくらですか", alternate_questions=[])
    wording = f"{placeholder}の住民票がほしい"
    group = stored_group("住民票がほしい", ["住民票がほしい", wording])
    versions = faq.history.count()

    for wordings in ([wording], ["住民票がほしい", wording]):
        with pytest.raises(ValidationError, match=re.escape(placeholder)):
            cluster_add_alternates(group=group, faq=faq, wordings=wordings, user=faq_admin)

    faq.refresh_from_db()
    assert faq.alternate_questions == []
    assert faq.history.count() == versions
    assert not GapAction.objects.exists()


def test_placeholder_written_with_ascii_brackets_is_refused_too(faq_admin: User, kankyo: Department) -> None:
    faq = FaqFactory.create(department=kankyo, question="住民票の写しの手数料はいくらですか", alternate_questions=[])
    wording = "[個人番号]が載った住民票がほしい"
    group = stored_group(wording, [wording])

    with pytest.raises(ValidationError, match="個人番号"):
        cluster_add_alternates(group=group, faq=faq, wordings=[wording], user=faq_admin)

    faq.refresh_from_db()
    assert faq.alternate_questions == []


def test_draft_leaves_out_the_wordings_with_placeholders(faq_admin: User, library_department: Department) -> None:
    group = stored_group(
        "［氏名］ですが図書館は何時まで開いていますか",
        [
            "［氏名］ですが図書館は何時まで開いていますか",
            "図書館の開館時間は？",
            "［電話番号］に図書館の開館時間を教えて",
            "図書館は何時から開いていますか",
        ],
    )

    draft = cluster_create_draft_faq(group=group, user=faq_admin, department=library_department)

    assert draft.question == "図書館の開館時間は？"
    assert draft.alternate_questions == ["図書館は何時から開いていますか"]
    assert GapAction.objects.get().wordings == ["図書館の開館時間は？", "図書館は何時から開いていますか"]


def test_no_draft_from_a_group_whose_every_wording_has_a_placeholder(
    faq_admin: User, library_department: Department
) -> None:
    group = stored_group("［氏名］の住民票", ["［氏名］の住民票", "［住所］の住民票がほしい"])

    with pytest.raises(ValidationError):
        cluster_create_draft_faq(group=group, user=faq_admin, department=library_department)

    assert not Faq.objects.exists()
    assert not GapAction.objects.exists()

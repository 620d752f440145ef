"""The chat pipeline end to end on a small real town: outcomes, the turn log, bad input and faults."""

import datetime
import shutil
import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from chatbot import messages
from chatbot.models import Channel, FailureClass, GateConfig, Outcome, Turn, TurnStatus
from chatbot.pipeline import IdempotencyConflict, turn_ask
from faq.models import Department, Faq
from faq.retrieval import vectorstore
from faq.retrieval.snapshot import forget_loaded_index
from tests.chatbot.chat_support import CONTACT_KEYS, assert_contract


def latest_history_id(faq: Faq) -> int:
    return int(Faq.history.filter(id=faq.pk).aggregate(latest=Max("history_id"))["latest"])


def assert_contact(contact: dict[str, Any], department: Department | None) -> None:
    assert department is not None
    assert set(contact) >= CONTACT_KEYS
    assert contact["department"] == department.name
    assert contact["phone"] == department.phone
    assert contact["window"] == department.window
    assert contact["hours"] == department.hours
    assert contact["closed_days"] == department.closed_days


# 1. outcomes --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_clear_question_is_answered_with_the_faqs_own_text_and_logged_once(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    faq = indexed_town["R-001"]

    response = turn_ask(question="粗大ごみの収集を申し込みたい", question_id="q-1")

    assert_contract(response)
    assert response["outcome"] == Outcome.ANSWER
    assert response["id"] == "q-1"
    assert response["answer"] == faq.answer
    assert response["failure_class"] is None
    source = response["sources"][0]
    assert source["faq_id"] == faq.pk
    assert source["external_id"] == "R-001"
    assert source["question"] == faq.question
    assert source["score"] == response["confidence"] > 0.5
    # The FAQ has no source page of its own: its page on this site.
    assert source["source_url"] == f"{settings.SITE_URL}/faq/{faq.pk}/"
    assert source["updated"] == timezone.localdate().isoformat()
    assert response["candidates"][0]["faq_id"] == faq.pk
    assert_contact(response["contact"], faq.department)
    assert response["contact"]["department"] == "環境課"

    turn = Turn.objects.get()
    assert str(turn.pk) == response["turn_id"]
    assert turn.status == TurnStatus.COMPLETED
    assert turn.completed_at is not None
    assert turn.channel == Channel.CLI
    assert turn.lang == "ja"
    assert turn.outcome == Outcome.ANSWER
    assert turn.failure_class == ""
    assert turn.department == faq.department
    assert turn.gate == builtin_gate
    assert turn.answer == faq.answer
    assert turn.faq_versions == [latest_history_id(faq)]
    assert turn.candidates[0]["faq_id"] == faq.pk
    assert {"score", "fused", "signals"} <= set(turn.candidates[0])
    assert turn.gate_features["top_score"] == pytest.approx(source["score"], abs=1e-4)
    assert {"p_answer", "margin", "top_fused"} <= set(turn.gate_features)
    assert set(turn.latency_ms) >= {"redact", "retrieve", "gate", "compose"}
    assert turn.total_ms is not None
    assert turn.total_ms >= turn.latency_ms["retrieve"] > 0
    assert turn.response == response

    # Another department's FAQ: the contact follows the FAQ.
    water = turn_ask(question="水道を使い始めたい")
    assert water["outcome"] == Outcome.ANSWER
    assert water["sources"][0]["external_id"] == "R-005"
    assert water["contact"]["department"] == "上下水道課"
    assert Turn.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("question", ["明日の天気は？", "what's the bitcoin price", "ラーメンのおすすめは？"])
def test_out_of_scope_question_is_handed_off_with_contact_details(
    indexed_town: dict[str, Faq], reception: Department, question: str
) -> None:
    response = turn_ask(question=question)

    assert_contract(response)
    assert response["outcome"] == Outcome.HANDOFF
    assert response["sources"] == []
    assert not any(faq.answer == response["answer"] for faq in indexed_town.values())
    contact = response["handoff"]
    assert contact["phone"]
    assert contact["phone"] in response["answer"]
    assert all(contact[key] is not None for key in CONTACT_KEYS)
    turn = Turn.objects.get()
    assert turn.outcome == Outcome.HANDOFF
    assert turn.failure_class in (FailureClass.LOW_CONFIDENCE, FailureClass.NO_CANDIDATES)


@pytest.mark.django_db
def test_question_no_department_owns_goes_to_general_reception(
    indexed_town: dict[str, Faq], reception: Department
) -> None:
    for question, lang in (("what's the bitcoin price", "en"), ("ラーメンのおすすめは？", "ja")):
        response = turn_ask(question=question)

        assert response["outcome"] == Outcome.HANDOFF
        assert_contact(response["handoff"], reception)
        assert response["answer"] == messages.text(
            "handoff_general", lang, department=messages.contact_line(reception, lang)
        )
    assert set(Turn.objects.values_list("department", flat=True)) == {reception.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("question", ["ごみを出したい", "ごみを捨てたい"])
def test_confusable_question_clarifies_between_both_or_answers_right(
    indexed_town: dict[str, Faq], question: str
) -> None:
    bulky, household = indexed_town["R-001"], indexed_town["R-002"]

    response = turn_ask(question=question)

    assert_contract(response)
    assert response["outcome"] in (Outcome.CLARIFY, Outcome.ANSWER)
    if response["outcome"] == Outcome.ANSWER:
        assert response["sources"][0]["faq_id"] == household.pk
        assert response["answer"] == household.answer
    else:
        offered = [choice["faq_id"] for choice in response["choices"]]
        assert 2 <= len(offered) <= 3
        assert {bulky.pk, household.pk} <= set(offered)
        assert response["answer"] == messages.text("clarify", "ja")
        assert response["handoff"]["department"] == "環境課"
        assert all(set(choice) >= {"faq_id", "external_id", "question", "score"} for choice in response["choices"])
        turn = Turn.objects.get()
        assert turn.failure_class == FailureClass.CLOSE_CANDIDATES
        offered_faqs = Faq.objects.filter(pk__in=offered)
        assert sorted(turn.faq_versions) == sorted(latest_history_id(faq) for faq in offered_faqs)


# 6. exactly-once turn log ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_idempotency_key_gives_the_stored_response_and_one_row(town: dict[str, Faq]) -> None:
    first = turn_ask(question="住民票の写しが欲しい", idempotency_key="web:abc-123")
    again = turn_ask(question="住民票の写しが欲しい", idempotency_key="web:abc-123")
    # A different question under the same key is refused (the API answers 409), never a second row.
    with pytest.raises(IdempotencyConflict) as conflict:
        turn_ask(question="犬の登録", idempotency_key="web:abc-123")

    assert first["outcome"] == Outcome.ANSWER
    assert again == first
    assert str(conflict.value.turn.pk) == first["turn_id"]
    turn = Turn.objects.get()
    assert str(turn.pk) == first["turn_id"]
    assert turn.idempotency_key == "web:abc-123"


@pytest.mark.django_db
def test_different_keys_and_no_key_give_distinct_rows(town: dict[str, Faq]) -> None:
    responses = [
        turn_ask(question="住民票の写しが欲しい", idempotency_key="web:1"),
        turn_ask(question="住民票の写しが欲しい", idempotency_key="web:2"),
        turn_ask(question="住民票の写しが欲しい"),
        turn_ask(question="住民票の写しが欲しい"),
    ]

    assert len({r["turn_id"] for r in responses}) == 4
    assert Turn.objects.count() == 4
    assert set(Turn.objects.values_list("status", flat=True)) == {TurnStatus.COMPLETED}


@pytest.mark.django_db
def test_log_false_writes_no_row(town: dict[str, Faq]) -> None:
    response = turn_ask(question="住民票の写しが欲しい", log=False)

    assert response["outcome"] == Outcome.ANSWER
    assert not Turn.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_racing_requests_with_one_key_write_one_row(indexed_town: dict[str, Faq]) -> None:
    responses: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def ask() -> None:
        try:
            start.wait()
            responses.append(turn_ask(question="印鑑登録をしたい", channel=Channel.WEB, idempotency_key="web:race"))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(responses) == 20
    turn = Turn.objects.get()
    assert turn.status == TurnStatus.COMPLETED
    assert all(response == responses[0] for response in responses)
    assert responses[0]["turn_id"] == str(turn.pk)
    assert responses[0]["outcome"] == Outcome.ANSWER
    assert responses[0]["sources"][0]["external_id"] == "R-009"


# 7. bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("question", "lang", "problem", "message_lang"),
    [
        ("", None, "empty", "ja"),
        (" \u3000\n\t ", None, "empty", "ja"),
        ("😀😀", None, "no_text", "ja"),
        ("？！…", None, "no_text", "ja"),
        ("住民票" * 167, None, "too_long", "ja"),
        ("ごみ\x07の日", None, "control", "ja"),
        ("abc\x00", None, "control", "en"),
        ("住民票の写しが欲しい", "fr", "lang", "ja"),
        ("How do I register my dog? " * 20, None, "too_long", "en"),
        ("!!!", "en", "no_text", "en"),
        ("", "en", "empty", "en"),
    ],
)
def test_bad_input_is_rejected_with_a_message_and_one_row(
    reception: Department, question: str, lang: str | None, problem: str, message_lang: str
) -> None:
    response = turn_ask(question=question, lang=lang)

    assert_contract(response)
    assert response["outcome"] == Outcome.REJECTED
    assert response["failure_class"] == FailureClass.INVALID_INPUT
    assert response["answer"] == messages.text(problem, message_lang, limit=settings.CHAT_MAX_QUESTION_CHARS)
    assert response["candidates"] == []
    turn = Turn.objects.get()
    assert turn.status == TurnStatus.COMPLETED
    assert turn.outcome == Outcome.REJECTED
    assert turn.failure_class == FailureClass.INVALID_INPUT
    assert turn.answer == response["answer"]
    assert "\x00" not in turn.question


@pytest.mark.django_db
def test_too_long_message_names_the_limit_and_the_limit_itself_is_accepted(town: dict[str, Faq]) -> None:
    limit = settings.CHAT_MAX_QUESTION_CHARS
    over = turn_ask(question="あ" * (limit + 1))
    at_limit = turn_ask(question="住民票の写しが欲しい。" + "あ" * (limit - 11))

    assert over["outcome"] == Outcome.REJECTED
    assert str(limit) in over["answer"]
    assert at_limit["outcome"] != Outcome.REJECTED
    assert Turn.objects.count() == 2


@pytest.mark.django_db
def test_not_a_string_is_rejected_not_an_exception(reception: Department) -> None:
    response = turn_ask(question=None)  # type: ignore[arg-type]

    assert response["outcome"] == Outcome.REJECTED
    assert Turn.objects.get().outcome == Outcome.REJECTED


@pytest.mark.django_db
@pytest.mark.parametrize("question", ["Where can I buy a train ticket to Tokyo?", "What time is garbage collection?"])
def test_unmatched_question_without_any_index_is_handed_off_in_english(
    town: dict[str, Faq], reception: Department, question: str
) -> None:
    """No index built yet (lexical search from the database): no FAQ shares a word, so no arbitrary choices."""
    response = turn_ask(question=question)

    assert response["lang"] == "en"
    assert response["outcome"] == Outcome.HANDOFF
    assert response["candidates"] == []
    assert response["answer"] == messages.text(
        "handoff_general", "en", department=messages.contact_line(reception, "en")
    )
    assert response["answer"].startswith("We could not find an answer. Please contact General Reception (Phone")
    turn = Turn.objects.get()
    assert (turn.lang, turn.failure_class) == ("en", FailureClass.NO_CANDIDATES)


# 9. faults ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.embedded_only
def test_vector_store_deleted_still_answers_or_hands_off(indexed_town: dict[str, Faq], reception: Department) -> None:
    path = settings.CHROMA_PATH
    shutil.rmtree(path)
    vectorstore.forget_client(path)
    forget_loaded_index()

    response = turn_ask(question="水道を使い始めたい")
    # Nothing in common with any FAQ: handed off, not a choice among unrelated FAQs.
    weather = turn_ask(question="明日の天気は？")

    assert_contract(response)
    assert response["outcome"] in (Outcome.ANSWER, Outcome.HANDOFF)
    if response["outcome"] == Outcome.ANSWER:
        assert response["sources"][0]["external_id"] == "R-005"
    else:
        assert response["handoff"]["department"] == "上下水道課"
    assert response["failure_class"] == FailureClass.VECTOR_STORE_UNAVAILABLE
    turn = Turn.objects.get(pk=response["turn_id"])
    assert turn.failure_class == FailureClass.VECTOR_STORE_UNAVAILABLE
    assert turn.status == TurnStatus.COMPLETED
    # Lexical signals only: no dense signal in the logged candidates.
    assert all(":" not in name for c in turn.candidates for name in c["signals"])

    assert weather["outcome"] == Outcome.HANDOFF
    assert weather["handoff"]["department"] == reception.name
    assert Turn.objects.count() == 2


@pytest.mark.django_db
def test_retrieval_error_hands_off_to_general_reception(
    town: dict[str, Faq], reception: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr("chatbot.pipeline.steps.search", broken)

    response = turn_ask(question="住民票の写しが欲しい")

    assert_contract(response)
    assert response["outcome"] == Outcome.HANDOFF
    assert response["failure_class"] == FailureClass.RETRIEVAL_ERROR
    assert_contact(response["handoff"], reception)
    assert response["answer"] == messages.text("error", "ja", department=messages.contact_line(reception, "ja"))
    turn = Turn.objects.get()
    assert turn.status == TurnStatus.COMPLETED
    assert turn.outcome == Outcome.HANDOFF
    assert turn.failure_class == FailureClass.RETRIEVAL_ERROR
    assert turn.department == reception


@pytest.mark.django_db
def test_internal_error_in_a_later_step_hands_off_and_logs(
    town: dict[str, Faq], reception: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("gate parameters")

    monkeypatch.setattr("chatbot.pipeline.steps.gate_decide", broken)

    response = turn_ask(question="住民票の写しが欲しい", lang="en")

    assert response["outcome"] == Outcome.HANDOFF
    assert response["failure_class"] == FailureClass.INTERNAL_ERROR
    assert response["answer"].startswith("We cannot answer right now.")
    assert response["handoff"]["department"] == reception.name
    turn = Turn.objects.get()
    assert (turn.status, turn.failure_class) == (TurnStatus.COMPLETED, FailureClass.INTERNAL_ERROR)


@pytest.mark.django_db
def test_expired_faq_that_matches_best_hands_off_to_its_department(indexed_town: dict[str, Faq]) -> None:
    water = indexed_town["R-005"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Faq.objects.filter(pk=water.pk).update(valid_until=yesterday)

    response = turn_ask(question="水道を使い始めたい")

    assert_contract(response)
    assert response["outcome"] == Outcome.HANDOFF
    assert response["failure_class"] == FailureClass.OUT_OF_DATE
    assert_contact(response["handoff"], water.department)
    assert "上下水道課" in response["answer"]
    assert water.answer not in response["answer"]
    assert water.pk not in [c["faq_id"] for c in response["candidates"]]
    turn = Turn.objects.get()
    assert (turn.outcome, turn.failure_class) == (Outcome.HANDOFF, FailureClass.OUT_OF_DATE)
    assert turn.department == water.department

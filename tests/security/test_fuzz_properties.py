"""Property tests (hypothesis) on the real views: whatever a client sends, no 5xx, JSON errors, nothing lost or doubled.

The public chat and feedback API is driven through django.test.Client with
any unicode text (NUL, control characters, lone surrogates escaped in JSON,
emoji, RTL marks, very long), any JSON value in each field and any
Idempotency-Key. The staff change-request form gets random posts from a
logged-in department editor. Real database, real answer pipeline.
"""

import datetime
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from changeflow.forms import KINDS
from changeflow.models import ChangeEvent, ChangeItem, ChangeKind, ChangeRequest, ChangeStatus
from chatbot.api.views import stored_idempotency_key
from chatbot.models import Feedback, Turn
from chatbot.privacy import redact
from faq.models import Department, Faq, FaqStatus
from faq.selectors import today_local
from tests.changeflow.conftest import client_for, editor_create
from tests.factories import CategoryFactory, FaqFactory
from tests.security.support_api import (  # noqa: F401  (fixtures re-exported for this directory)
    CHAT,
    FEEDBACK,
    FuzzTally,
    TurnLedger,
    builtin_gate,
    error_envelope_problem,
    indexed_town,
    post_chat,
    post_feedback,
    reception,
    record_fuzz,
    town,
)

ALLOWED_STATUSES = {200, 400, 409, 413, 415, 429}
PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------------------------------------- strategies

SPECIAL = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\u0085",
    "\u200b",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffd",
    "\ud800",
    "\udfff",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u3000",
    "\r\n",
    "\t",
    "ｱｲｳ",
    "㍻",
    "住民票の写しを取りたい",
    "粗大ごみ",
    "How do I register my dog?",
    "<script>alert(1)</script>",
    "'; DROP TABLE chatbot_turn;--",
    "{{7*7}}",
    "%s%n",
    "090-1234-5678",
    "山田太郎様",
]
QUESTIONS = [
    "住民票の写しを取りたい",
    "粗大ごみの収集を申し込みたい",
    "印鑑登録をしたい",
    "水道の使用を開始したい",
    "How do I register my dog?",
    "Where can I park overnight?",
]
any_char = st.characters(exclude_categories=())  # every code point, lone surrogates too
hostile_text = st.one_of(
    # A real question wrapped in hostile characters (RTL and zero-width marks, emoji, BOM, NUL, escapes...).
    st.builds(
        lambda before, question, after: before + question + after,
        st.sampled_from(["", *SPECIAL]),
        st.sampled_from(QUESTIONS),
        st.sampled_from(["", *SPECIAL]),
    ),
    st.text(any_char, max_size=40),
    st.lists(st.sampled_from(SPECIAL) | st.text(any_char, max_size=4), max_size=8).map("".join),
    st.builds(
        lambda unit, count: unit * count,
        st.sampled_from(["あ", "a", "\U0001f600", "\u202e", "住民票 ", "\x00"]),
        st.integers(0, 3000),
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(any_char, max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
FRESH_KEY = "<a fresh key>"
valid_key = st.from_regex(r"[A-Za-z0-9_-]{8,128}", fullmatch=True)
any_key = st.one_of(
    st.just(FRESH_KEY),
    st.just(FRESH_KEY),
    valid_key,
    st.sampled_from(["prop-shared-key-1", "prop-shared-key-2", "prop-shared-key-3"]),
    st.sampled_from(["k" * 128, "k" * 129, "short"]),
    st.none(),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=140),
)
langs = st.sampled_from(["ja", "en", "", "fr", "EN", "ja\x00", "\u202eja"])
chat_body = st.one_of(
    # A well-formed request with a hostile question (most examples, so that they reach the pipeline).
    st.fixed_dictionaries(
        {"question": hostile_text},
        optional={"session_id": hostile_text, "lang": langs, "faq_id": st.integers(-(2**70), 2**70)},
    ),
    st.fixed_dictionaries({"question": hostile_text}),
    # Any JSON value in each field, unknown fields, or not an object at all.
    st.fixed_dictionaries(
        {},
        optional={
            "question": hostile_text | json_values,
            "session_id": hostile_text | json_values,
            "lang": langs | json_values,
            "faq_id": st.integers() | json_values,
        },
    ),
    st.tuples(
        st.fixed_dictionaries({"question": hostile_text}),
        st.dictionaries(st.text(any_char, max_size=8), json_values, min_size=1, max_size=2),
    ).map(lambda parts: parts[0] | parts[1]),
    json_values,
)
content_types = st.sampled_from(
    ["application/json"] * 6
    + ["application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded"]
)


def coercible_to_bool(value: Any) -> bool:
    """What DRF's BooleanField would read as true or false although it is not a JSON boolean."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    return value in (0, 1) or str(value).lower() in {"t", "f", "y", "n", "yes", "no", "true", "false", "on", "off"}


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def encoded(body: Any, ascii_only: bool) -> bytes:
    """JSON text; lone surrogates either as \\ud800 escapes or as the (invalid) UTF-8 bytes a client might send."""
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def assert_json_answer(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = json.loads(response.content)
    if response.status_code >= 400:
        problem = error_envelope_problem(response.status_code, response["Content-Type"], response.content)
        assert problem is None, problem
    assert isinstance(body, dict)
    return body


@pytest.fixture
def no_rate_limit(settings: SettingsWrapper) -> None:
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    cache.clear()


# ---------------------------------------------------------------------------------------------- chat


@pytest.mark.django_db
@pytest.mark.usefixtures("indexed_town", "no_rate_limit")
def test_any_chat_request_gets_a_json_answer_and_at_most_one_turn_per_key() -> None:
    client = Client()
    ledger = TurnLedger()
    tally = FuzzTally("property: POST /api/v1/chat")

    @PROPERTY_SETTINGS
    @given(body=chat_body, key=any_key, ascii_only=st.booleans(), content_type=content_types)
    def ask(body: Any, key: str | None, ascii_only: bool, content_type: str) -> None:
        if key == FRESH_KEY:
            key = f"prop-fresh-{tally.requests:06d}"
        note(f"body={body!r:.500} key={key!r} ascii_only={ascii_only} content_type={content_type!r}")
        extra: dict[str, Any] = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
        response = client.post(CHAT, encoded(body, ascii_only), content_type=content_type, **extra)
        tally.add(response.status_code, response.content)

        assert response.status_code in ALLOWED_STATUSES, (response.status_code, response.content[:300])
        assert_json_answer(response)
        ledger.observe(key, response.status_code, response.content)
        assert Turn.objects.count() == len(ledger.turns)

    try:
        ask()
    finally:
        record_fuzz(tally, dict(ledger.figures()))
    ledger.assert_matches_the_database()
    # Hostile input got past the front door: answered by the pipeline, or logged as a refused question.
    assert ledger.answered >= 10, (tally.as_dict(), ledger.figures())
    assert len(ledger.turns) >= 20, (tally.as_dict(), ledger.figures())


@pytest.mark.django_db
@pytest.mark.usefixtures("town", "no_rate_limit")
def test_repeated_key_replays_the_same_turn_and_a_different_question_conflicts() -> None:
    client = Client()
    sequence = iter(range(1_000_000))
    seen = {"turns": 0, "conflicts": 0, "retries": 0}

    @settings(PROPERTY_SETTINGS, max_examples=80)
    @given(question=hostile_text, other=hostile_text, lang=st.sampled_from([None, "ja", "en"]))
    def ask_twice_then_differently(question: str, other: str, lang: str | None) -> None:
        key = f"prop-idem-{next(sequence):07d}"
        note(f"question={question!r:.300} other={other!r:.300} lang={lang!r}")
        body: dict[str, Any] = {"question": question} | ({"lang": lang} if lang else {})
        first = post_chat(client, body, key=key)
        turns = Turn.objects.count()
        second = post_chat(client, body, key=key)

        assert first.status_code in {200, 400, 413}
        assert (second.status_code, second.content) == (first.status_code, first.content)
        assert Turn.objects.count() == turns
        stored = Turn.objects.filter(idempotency_key=stored_idempotency_key(key))
        wrote_turn = first.status_code == 200 or first.json()["error"]["code"] == "invalid_question"
        assert stored.count() == (1 if wrote_turn else 0)
        if not wrote_turn:
            return
        turn_id = first.json()["turn_id"]
        assert str(stored.get().pk) == turn_id
        seen["turns"] += 1

        third = post_chat(client, {"question": other} | ({"lang": lang} if lang else {}), key=key)

        assert Turn.objects.count() == turns
        if third.status_code == 413:  # refused for its size before the key is looked at
            return
        if third.status_code == 400 and third.json()["error"]["code"] == "invalid_body":
            # Refused by the serializer before the key is looked at: only NUL or a lone surrogate does that.
            assert "\x00" in other or has_surrogate(other), third.content[:300]
            return
        same_as_stored = redact(other).text.replace("\x00", "") == stored.get().question
        if same_as_stored:  # the same question once redacted: a retry, answered from the store
            assert (third.status_code, third.content) == (first.status_code, first.content)
            seen["retries"] += 1
        else:
            assert third.status_code == 409, third.content[:300]
            seen["conflicts"] += 1
            conflict = assert_json_answer(third)
            assert conflict["error"]["code"] == "idempotency_conflict"
            assert conflict["turn"] is None or conflict["turn"]["turn_id"] == turn_id

    ask_twice_then_differently()
    print(f"PROPERTY: repeated keys {seen}")
    assert seen["turns"] >= 30, seen
    assert seen["conflicts"] >= 20, seen


# ---------------------------------------------------------------------------------------------- feedback


@pytest.fixture
def api_turns(no_rate_limit: None, request: pytest.FixtureRequest) -> list[str]:
    request.getfixturevalue("town")
    client = Client()
    turn_ids = []
    for question in ("粗大ごみの収集を申し込みたい", "住民票の写しを取りたい"):
        response = post_chat(client, {"question": question})
        assert response.status_code == 200
        turn_ids.append(response.json()["turn_id"])
    return turn_ids


@pytest.mark.django_db
def test_any_feedback_gets_a_json_answer_and_the_last_valid_one_counts(api_turns: list[str]) -> None:
    client = Client()
    turns_before = Turn.objects.count()
    expected: dict[str, tuple[bool, str]] = {}

    @PROPERTY_SETTINGS
    @given(
        turn_id=st.sampled_from(api_turns) | st.uuids().map(str) | hostile_text | json_values,
        # Right types, or types DRF cannot coerce ("yes", 1 or 5.0 are test_feedback_fields_are_as_strict_...).
        helpful=st.booleans() | st.booleans() | json_values.filter(lambda value: not coercible_to_bool(value)),
        comment=st.none() | hostile_text | json_values.filter(lambda value: not isinstance(value, int | float)),
        extra=st.none() | st.dictionaries(st.text(max_size=6), json_values, min_size=1, max_size=2),
    )
    def send(turn_id: Any, helpful: Any, comment: Any, extra: dict[str, Any] | None) -> None:
        note(f"turn_id={turn_id!r:.200} helpful={helpful!r:.200} comment={comment!r:.300} extra={extra!r:.200}")
        body: dict[str, Any] = {"turn_id": turn_id, "helpful": helpful}
        if comment is not None:
            body["comment"] = comment
        response = post_feedback(client, encoded(body | (extra or {}), True))

        assert response.status_code in {200, 400, 413}, (response.status_code, response.content[:300])
        answer = assert_json_answer(response)
        if response.status_code == 200:
            assert answer == {"ok": True, "turn_id": turn_id}
            expected[turn_id] = (helpful, redact(comment or "").text.replace("\x00", ""))
        stored = {str(pk): (h, c) for pk, h, c in Feedback.objects.values_list("turn_id", "helpful", "comment")}
        assert stored == expected
        assert Turn.objects.count() == turns_before

    send()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "wrong",
    [
        *(pytest.param({"helpful": value}, id=f"helpful-{value!r}") for value in ("true", "yes", "1", 1, 1.0)),
        *(pytest.param({"helpful": value}, id=f"helpful-{value!r}") for value in ("off", 0)),
        pytest.param({"helpful": True, "comment": 5}, id="comment-int"),
        pytest.param({"helpful": True, "comment": 1.5}, id="comment-float"),
    ],
)
def test_feedback_fields_are_as_strict_as_the_schema(api_turns: list[str], wrong: dict[str, Any]) -> None:
    """`helpful` is a JSON boolean and `comment` a JSON string (the schema's types), as the chat fields are.

    DRF's BooleanField takes "yes", "on", "1", 1 and 1.0 as true, and its
    CharField 5 as "5"; the chat API has StrictCharField/StrictIntegerField for
    exactly this. Such feedback must be refused and store nothing.
    """
    response = post_feedback(Client(), {"turn_id": api_turns[0], **wrong})

    assert response.status_code == 400, f"{wrong!r} was accepted: {response.content[:200]!r}"
    assert assert_json_answer(response)["error"]["code"] == "invalid_body"
    assert not Feedback.objects.exists()


# ---------------------------------------------------------------------------------------------- staff forms


@pytest.fixture
def form_world(kankyo: Department, jumin: Department) -> dict[str, Any]:
    """A department editor of 環境課 with two of its FAQs, another department's FAQ and a withdrawn one."""
    fee = FaqFactory.create(
        department=kankyo,
        question="粗大ごみの手数料はいくらですか。",
        answer="粗大ごみ処理券は1点につき500円です。",
    )
    hours = FaqFactory.create(department=kankyo, question="清掃センターの受付時間は。", answer="平日9時から16時です。")
    foreign = FaqFactory.create(department=jumin, question="住民票の写しの手数料は。", answer="1通300円です。")
    withdrawn = FaqFactory.create(department=kankyo, status=FaqStatus.WITHDRAWN)
    return {
        "editor": editor_create(kankyo, "sec_prop_editor"),
        "kankyo": kankyo,
        "jumin": jumin,
        "fee": fee,
        "hours": hours,
        "foreign": foreign,
        "withdrawn": withdrawn,
        "category": CategoryFactory.create(),
    }


def counts() -> tuple[int, int, int, int]:
    return (
        ChangeRequest.objects.count(),
        ChangeItem.objects.count(),
        ChangeEvent.objects.count(),
        Faq.history.count(),
    )


@pytest.mark.django_db
def test_random_change_request_posts_never_fail_and_never_half_save(form_world: dict[str, Any]) -> None:
    editor: User = form_world["editor"]
    client = client_for(editor)
    fee, hours = form_world["fee"], form_world["hours"]
    faq_pks = [str(fee.pk), str(hours.pk), str(form_world["foreign"].pk), str(form_world["withdrawn"].pk)]
    soon = (today_local() + datetime.timedelta(days=3)).isoformat()
    valid = {  # a complete fee change; each example spoils some of it
        "department": str(form_world["kankyo"].pk),
        "title": "粗大ごみ処理手数料の改定",
        "old_value": "500円",
        "new_value": "700円",
        "effective_date": soon,
        "reason": "手数料条例の改正",
        "faqs": [str(fee.pk)],
        "new_question": "新しいサービスを知りたい。",
        "new_answer": "新しいサービスが始まります。",
        "new_category": str(form_world["category"].pk),
        "action": "save",
    }
    # A browser sends a form as UTF-8: any code point but a lone surrogate.
    form_char = st.characters(exclude_categories=["Cs"])
    short_text = (
        st.text(form_char, max_size=30)
        | st.sampled_from([text for text in SPECIAL if not has_surrogate(text)])
        | st.just("x" * 3000)
    )
    spoiled = st.fixed_dictionaries(
        {},
        optional={
            "department": st.sampled_from([str(form_world["jumin"].pk), "0", "-1", "abc", ""]) | short_text,
            "title": short_text,
            "old_value": short_text,
            "new_value": short_text,
            "effective_date": st.dates().map(datetime.date.isoformat) | short_text,
            "confirm_past": st.sampled_from(["on", "", "false"]) | short_text,
            "faqs": st.lists(st.sampled_from([*faq_pks, "999999", "x", ""]) | short_text, max_size=3),
            "new_question": short_text,
            "new_answer": short_text,
            "new_category": st.sampled_from(["", "999999", "x"]) | short_text,
            "reason": short_text,
            "notice_url": st.sampled_from(["https://www.town.example.lg.jp/n", "javascript:alert(1)", "//evil"])
            | short_text,
            "action": st.sampled_from(["preview", "save", "submit", "approve", ""]) | short_text,
            f"q-{fee.pk}": short_text,
            f"a-{fee.pk}": short_text,
            f"a-{hours.pk}": short_text,
        },
    )

    outcomes = {"saved": 0, "refused": 0}

    @settings(PROPERTY_SETTINGS, max_examples=60)
    @given(
        kind=st.sampled_from([*KINDS, *KINDS, "unknown", "FEE"]),
        spoil=spoiled,
        drop=st.sets(st.sampled_from(sorted(valid)), max_size=3),
        to_new_page=st.booleans(),
    )
    def post(kind: str, spoil: dict[str, Any], drop: set[str], to_new_page: bool) -> None:
        note(f"kind={kind!r} spoil={spoil!r:.600} drop={drop!r} to_new_page={to_new_page}")
        data = {name: value for name, value in (valid | spoil).items() if name not in drop}
        before = counts()
        path = reverse("changeflow:new") if to_new_page else f"/changes/new/{kind}/"
        response = client.post(path, data)

        assert response.status_code < 500
        if to_new_page or kind not in KINDS:
            assert response.status_code == (200 if to_new_page else 404)
            assert counts() == before
            return
        assert response.status_code in {200, 302}, response.status_code
        if response.status_code == 200:  # the form again, with its errors or a preview: nothing saved
            assert counts() == before
            outcomes["refused"] += 1
            return
        outcomes["saved"] += 1
        change = ChangeRequest.objects.order_by("-pk").first()
        assert change is not None
        assert response["Location"] == reverse("changeflow:detail", kwargs={"pk": change.pk})
        assert ChangeRequest.objects.count() == before[0] + 1
        assert change.kind == kind
        assert change.created_by_id == editor.pk
        assert change.department_id == form_world["kankyo"].pk
        assert change.status == (ChangeStatus.SUBMITTED if data.get("action") == "submit" else ChangeStatus.DRAFT)
        assert ChangeEvent.objects.count() == before[2] + (2 if change.status == ChangeStatus.SUBMITTED else 1)
        assert change.items.exists()
        for item in change.items.select_related("faq"):  # only this department's published FAQs
            assert item.faq is None or item.faq.department_id == change.department_id
            assert item.faq is None or item.faq.status == FaqStatus.PUBLISHED
        if kind == ChangeKind.NEW_SERVICE:
            assert change.items.get().faq is None
        assert Faq.history.count() == before[3], "saving a change request must not change any FAQ"

    post()
    # Both paths were taken: some random posts saved (a whole request), some were refused (nothing).
    assert outcomes["saved"] >= 3, outcomes
    assert outcomes["refused"] >= 10, outcomes

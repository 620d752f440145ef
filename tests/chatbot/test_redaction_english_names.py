"""Names in English questions are removed; ordinary English questions pass unchanged.

The figures (recall on tests/chatbot/pii_english_names.py, false positives on its ordinary questions) are
printed on a line starting "EN NAMES:" (run with -s to see it).
"""

from __future__ import annotations

import pytest

from chatbot.privacy import Redaction, redact
from tests.chatbot.pii_corpus import PiiCase
from tests.chatbot.pii_english_names import EN_NAME_CASES, EN_NAME_NEGATIVES, name_left

RECALL_TARGET = 0.95
FALSE_POSITIVE_BOUND = 0.01


def _misses(case: PiiCase) -> list[str]:
    result = redact(case.text)
    return [name for name, _ in case.items if name_left(name, result.text) or "name" not in result.kinds]


def test_the_corpus_is_large_and_varied() -> None:
    names = [name for case in EN_NAME_CASES for name, _ in case.items]
    assert len(EN_NAME_CASES) >= 150
    assert len(set(EN_NAME_NEGATIVES)) == len(EN_NAME_NEGATIVES) >= 300
    assert any(name.islower() for name in names)
    assert any(not name.isascii() for name in names)
    for case in EN_NAME_CASES:
        for name, kind in case.items:
            assert kind == "name"
            assert name in case.text, case.text
    starts = ("I'm", "I am", "My", "This is", "It's")
    assert sum(q.startswith(starts) for q in EN_NAME_NEGATIVES) >= 150


def test_recall_and_false_positive_rate(capsys: pytest.CaptureFixture[str]) -> None:
    total = sum(len(case.items) for case in EN_NAME_CASES)
    missed = {case.text: misses for case in EN_NAME_CASES if (misses := _misses(case))}
    removed = total - sum(len(names) for names in missed.values())
    changed = {q: redact(q).text for q in EN_NAME_NEGATIVES if redact(q) != Redaction(text=q, kinds=())}
    recall = removed / total
    rate = len(changed) / len(EN_NAME_NEGATIVES)
    with capsys.disabled():
        print(
            f"\nEN NAMES: recall {recall:.4f} ({removed}/{total} names in {len(EN_NAME_CASES)} questions), "
            f"false positives {len(changed)}/{len(EN_NAME_NEGATIVES)} ({rate:.4f})"
        )
    assert recall >= RECALL_TARGET, missed
    assert rate <= FALSE_POSITIVE_BOUND, changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My name is John Smith", "My name is ［氏名］"),
        ("my name is john smith", "my name is ［氏名］"),
        ("this is Maria Garcia calling", "this is ［氏名］ calling"),
        ("I'm Nguyen Van An", "I'm ［氏名］"),
        ("I am Kenji Sato and I need a certificate", "I am ［氏名］ and I need a certificate"),
        ("Mr. Tanaka", "Mr. ［氏名］"),
        ("Ms. Lee", "Ms. ［氏名］"),
        ("Mrs. Brown, Dr. Patel and Miss Santos", "Mrs. ［氏名］, Dr. ［氏名］ and Miss ［氏名］"),
        ("my wife Anna Müller", "my wife ［氏名］"),
        ("name: John Smith", "name: ［氏名］"),
        ("Where is the office? Thanks, John", "Where is the office? Thanks, ［氏名］"),
        ("Our names are Lucas Pereira and Ana Souza.", "Our names are ［氏名］ and ［氏名］."),
        ("Mrs. García de la Cruz", "Mrs. ［氏名］"),
        ("Thiago dos Santos", "Thiago dos Santos"),  # no context: not a name by itself
        ("Is Tanaka-san there?", "Is ［氏名］-san there?"),
        # Decision: the tenant's first name is personal data too.
        ("I'm John's landlord", "I'm ［氏名］'s landlord"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm moving to B Town",
        "I am a foreign resident",
        "My name is not on the list",
        "I'm looking for the garbage schedule",
        "Is this the right window?",
        "Mr. and Mrs.",
        "I'm Japanese",
        "This is City Hall?",
        "It's Monday.",
        "Thank you, everyone.",
        "My wife and I want to register our marriage.",
        "How do I get to Tokyo Station? Thanks!",
        "oji-san and obaa-chan live with us",
    ],
)
def test_ordinary_english_is_left_alone(text: str) -> None:
    assert redact(text) == Redaction(text=text, kinds=())


@pytest.mark.parametrize("text", [case.text for case in EN_NAME_CASES] + list(EN_NAME_NEGATIVES))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once.text) == Redaction(text=once.text, kinds=())

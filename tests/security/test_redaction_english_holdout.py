"""Names in English on a second corpus, written after the English-name detector, with phrasings its own corpus
(tests/chatbot/pii_english_names.py) does not have: "Maria Lopez here", "I, ... ,", "under the name ...",
"It's me, ...", "We are ... and ...", a name alone on the last line, fields such as "Applicant name:", and
ordinary questions full of shops, holidays, places and religions.

`pii_holdout/en_names.jsonl` holds 60 questions with 63 names, `pii_holdout/en_ordinary.jsonl` 148 ordinary
questions. As first measured: recall 0.794 (50/63), false positives 6/148. The causes were fixed in general
(the phrasings above, a question mark after "This is ...", shops such as Lawson and Mr Max, single words such as
"Christian" and "Black"); after that: recall 0.968 (61/63), false positives 1/148. What is still missed or
wrongly removed is listed here: a new miss or false positive fails the test, and a fix must take its entry out.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from chatbot.privacy import redact
from tests.chatbot.pii_english_names import name_left

CORPUS = Path(__file__).resolve().parent / "pii_holdout"

# Still missed: a name typed in lower case after "this is" or "my husband" (a lower-case word there is
# usually not a name: "this is urgent", "my husband needs").
KNOWN_MISSES = {("en-018", "jennifer lee"), ("en-058", "john")}
# Still removed: a doctor's surname in the name of a clinic.
KNOWN_FALSE_POSITIVES = {"en-ord-062"}


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CORPUS / name).read_text("utf-8").splitlines() if line.strip()]


def test_the_corpus_is_as_described() -> None:
    names, ordinary = _lines("en_names.jsonl"), _lines("en_ordinary.jsonl")
    assert len(names) == 60
    assert sum(len(row["names"]) for row in names) == 63
    assert len(ordinary) == 148
    assert len({row["text"] for row in ordinary}) == 148
    for row in names:
        for name in row["names"]:
            assert name in row["text"], row["id"]


def test_recall_and_false_positives_on_the_english_holdout(capsys: pytest.CaptureFixture[str]) -> None:
    total = 0
    misses = set()
    for row in _lines("en_names.jsonl"):
        result = redact(row["text"])
        for name in row["names"]:
            total += 1
            if name_left(name, result.text) or "name" not in result.kinds:
                misses.add((row["id"], name))
    ordinary = _lines("en_ordinary.jsonl")
    false_positives = {row["id"]: text for row in ordinary if (text := redact(row["text"]).text) != row["text"]}
    with capsys.disabled():
        print(
            f"\nEN NAMES HOLDOUT: recall {(total - len(misses)) / total:.4f} ({total - len(misses)}/{total}), "
            f"false positives {len(false_positives)}/{len(ordinary)}"
        )

    assert misses - KNOWN_MISSES == set(), "new misses"
    assert KNOWN_MISSES - misses == set(), "fixed: take them out of KNOWN_MISSES"
    assert set(false_positives) == KNOWN_FALSE_POSITIVES, false_positives

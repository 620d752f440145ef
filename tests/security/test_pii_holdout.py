"""Redaction on a corpus written after the redaction module, by someone who had not seen it or its tests.

`pii_holdout/ordinary.jsonl` holds 300 ordinary questions full of what a careless redactor removes (屋さん,
occupations with さん, fees, dates, window numbers, 氏名 and 住所 as topics); `pii_holdout/pii.jsonl` holds 150
questions carrying 274 personal items, each with the exact text that must go. The odd lines were used to find
what to fix; the even lines were measured before and after, and only then looked at (README, "Security and
privacy tests"). What is still missed or wrongly removed is listed here: a new miss or a new false positive
fails the test, and a fix must take its entry out.
"""

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings

from chatbot.privacy import redact

CORPUS = Path(__file__).resolve().parent / "pii_holdout"
ARTIFACT = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "security" / "pii_holdout.json"
NUMBERS = ("phone", "my_number", "card_number", "postal_code", "bank_account")

# Still missed: surnames alone that SudachiPy does not tag as names (森, 上野 and 宮城 are also places and
# words), a name in katakana, and names with no context that tells a person (「新井、…生まれ」, 「吉川まで」).
# (pii-040, a building name with a number in it before the room, グランドメゾン北3条808号室, is removed now.)
KNOWN_MISSES = {
    ("pii-009", "森はると"),
    ("pii-054", "林"),
    ("pii-055", "森"),
    ("pii-064", "守屋あかり"),
    ("pii-085", "宮城"),
    ("pii-094", "新井"),
    ("pii-113", "吉川"),
    ("pii-125", "上野"),
    ("pii-126", "ハヤシ ダイスケ"),
    ("pii-140", "堀"),
    ("pii-142", "関"),
    ("pii-150", "小野寺"),
}
# Still removed wrongly: two trades with さん. (A shop called Mr. Donut, ord-255, is left alone now.)
KNOWN_FALSE_POSITIVES = {"ord-050", "ord-090"}


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CORPUS / name).read_text("utf-8").splitlines() if line.strip()]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _leaked(item: dict[str, str], redacted: str) -> bool:
    """The item's text survives, or (for numbers) its digits do, whatever separators are left."""
    value = item["value"]
    if value in redacted:
        return True
    if item["kind"] in NUMBERS:
        digits = _digits(value)[-7:] if item["kind"] == "bank_account" else _digits(value)
        return len(digits) >= 4 and digits in _digits(redacted)
    if item["kind"] == "address":
        runs = re.findall(r"\d+", unicodedata.normalize("NFKC", value))
        return len(runs) >= 2 and "".join(runs[-2:]) in _digits(redacted)
    return False


def test_the_corpus_is_as_described() -> None:
    ordinary, pii = _lines("ordinary.jsonl"), _lines("pii.jsonl")

    assert len(ordinary) == 300
    assert len({row["id"] for row in ordinary}) == 300
    assert len(pii) == 150
    assert len({row["id"] for row in pii}) == 150
    kinds = Counter(item["kind"] for row in pii for item in row["items"])
    assert sum(kinds.values()) == 274
    assert min(kinds.values()) >= 12
    assert len(kinds) == 9
    for row in pii:
        for item in row["items"]:
            assert item["value"] in row["text"], row["id"]


def test_recall_and_false_positives_on_the_held_out_corpus() -> None:
    false_positives = {}
    for row in _lines("ordinary.jsonl"):
        result = redact(row["text"])
        if result.kinds:
            false_positives[row["id"]] = result.text
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    misses = set()
    for row in _lines("pii.jsonl"):
        redacted = redact(row["text"]).text
        for item in row["items"]:
            total[item["kind"]] += 1
            if _leaked(item, redacted):
                misses.add((row["id"], item["value"]))
            else:
                found[item["kind"]] += 1
    report = {
        "personal_items": sum(total.values()),
        "removed": sum(found.values()),
        "recall": round(sum(found.values()) / sum(total.values()), 4),
        "recall_by_kind": {kind: f"{found[kind]}/{total[kind]}" for kind in sorted(total)},
        "ordinary_questions": 300,
        "false_positives": len(false_positives),
        "false_positive_examples": false_positives,
        "missed": sorted(misses),
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nPII HOLDOUT: recall {report['recall']} ({report['removed']}/{report['personal_items']}), "
        f"false positives {len(false_positives)}/300 -> {ARTIFACT}"
    )

    assert misses - KNOWN_MISSES == set(), "new misses"
    assert KNOWN_MISSES - misses == set(), "fixed: take them out of KNOWN_MISSES"
    assert set(false_positives) == KNOWN_FALSE_POSITIVES
    for kind in (*NUMBERS, "email", "birth_date"):
        assert found[kind] == total[kind], kind

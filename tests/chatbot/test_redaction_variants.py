"""Addresses without 丁目/番地 and phone numbers written the way they are said are removed; FAQ text with
numbers that look like them is not.

The figures are printed on a line starting "VARIANTS:" (run with -s to see it).
"""

from __future__ import annotations

import pytest

from chatbot.privacy import PLACEHOLDERS, Redaction, redact
from tests.chatbot.pii_corpus import PiiCase
from tests.chatbot.pii_variants import ADDRESS_CASES, PHONE_CASES, VARIANT_NEGATIVES

CASES = (*ADDRESS_CASES, *PHONE_CASES)


def _strip(text: str) -> str:
    for placeholder in PLACEHOLDERS.values():
        text = text.replace(placeholder, "")
    return text


def _covered(case: PiiCase, item: str, redacted: str) -> bool:
    """Whether all of ``item`` went: what is left of the redacted text, placeholders aside, is some of the text
    before the item and some of the text after it (the placeholder may take in a little more than the item).
    The case's other items count as removed."""
    text = case.text
    for other, kind in case.items:
        if other != item:
            text = text.replace(other, PLACEHOLDERS[kind])
    at = text.index(item)
    before, after = _strip(text[:at]), _strip(text[at + len(item) :])
    left = _strip(redacted)
    return any(before.startswith(left[:k]) and after.endswith(left[k:]) for k in range(len(left) + 1))


def _removed(case: PiiCase) -> bool:
    result = redact(case.text)
    return all(_covered(case, item, result.text) and kind in result.kinds for item, kind in case.items)


def test_the_corpus_covers_every_variant() -> None:
    assert len(ADDRESS_CASES) >= 60
    assert len(PHONE_CASES) >= 30
    assert len(set(VARIANT_NEGATIVES)) == len(VARIANT_NEGATIVES) >= 50


def test_recall_and_false_positives(capsys: pytest.CaptureFixture[str]) -> None:
    missed = [(case.text, redact(case.text).text) for case in CASES if not _removed(case)]
    changed = [(q, redact(q).text) for q in VARIANT_NEGATIVES if redact(q) != Redaction(text=q, kinds=())]
    with capsys.disabled():
        print(
            f"\nVARIANTS: recall {len(CASES) - len(missed)}/{len(CASES)} "
            f"({len(ADDRESS_CASES)} addresses, {len(PHONE_CASES)} phone numbers), "
            f"false positives {len(changed)}/{len(VARIANT_NEGATIVES)}"
        )
    assert missed == []
    assert changed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大阪市北区梅田1-1に住んでいます", "［住所］に住んでいます"),
        ("東京都千代田区千代田1-1", "［住所］"),
        ("〒100-0001 東京都千代田区千代田1-1", "〒［郵便番号］ ［住所］"),
        ("北区梅田1-1に住んでいます", "［住所］に住んでいます"),
        ("大阪市北区梅田1-1 〇〇マンション101号室に住んでいます", "［住所］に住んでいます"),
        ("090の1234の5678", "［電話番号］"),
        ("〇九〇の一二三四の五六七八", "［電話番号］"),
        ("ゼロキューゼロの1234の5678に電話して", "［電話番号］に電話して"),
        ("０９０－１２３４－５６７８", "［電話番号］"),
        ("本庁舎1階 1番窓口", "本庁舎1階 1番窓口"),
        ("2023年4月1日", "2023年4月1日"),
        ("第1-2号様式", "第1-2号様式"),
        ("1-2月", "1-2月"),
        ("手数料は1-2千円", "手数料は1-2千円"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [case.text for case in CASES] + list(VARIANT_NEGATIVES))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once.text) == Redaction(text=once.text, kinds=())

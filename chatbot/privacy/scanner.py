"""The scan of one text (its folded copies and the spans found so far) and helpers shared by the detectors."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chatbot.privacy.folding import MASK, fold
from chatbot.privacy.patterns import Y4, compile_pattern

PLACEHOLDERS: dict[str, str] = {
    "phone": "［電話番号］",
    "email": "［メール］",
    "my_number": "［個人番号］",
    "postal_code": "［郵便番号］",
    "address": "［住所］",
    "name": "［氏名］",
    "birth_date": "［生年月日］",
    "bank_account": "［口座番号］",
    "card_number": "［カード番号］",
}
KINDS: tuple[str, ...] = tuple(PLACEHOLDERS)


def is_kanji(char: str) -> bool:
    return (
        "\u3400" <= char <= "\u4dbf" or "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char in "々〆"
    )


class Scan:
    """The two folded copies of a text and the spans recognised so far."""

    __slots__ = ("digit_count", "digits", "lower", "spans", "words")

    def __init__(self, text: str) -> None:
        self.words, self.digits = fold(text)
        self.spans: list[tuple[int, int, str]] = []
        self.digit_count = sum(map(self.digits.count, "0123456789"))
        self.lower = self.words.lower()  # for keyword hints only (not kept in step with the masks)
        for placeholder in PLACEHOLDERS.values():
            start = text.find(placeholder)
            while start != -1:
                self._mask(start, start + len(placeholder))
                start = text.find(placeholder, start + len(placeholder))

    def _mask(self, start: int, end: int) -> None:
        fill = MASK * (end - start)
        self.words = self.words[:start] + fill + self.words[end:]
        self.digits = self.digits[:start] + fill + self.digits[end:]

    def mark(self, start: int, end: int, kind: str) -> None:
        while start < end and self.words[start] == " ":
            start += 1
        while end > start and self.words[end - 1] == " ":
            end -= 1
        if start < end:
            self.spans.append((start, end, kind))
            self._mask(start, end)

    def mark_all(self, spans: Iterable[tuple[int, int, str]]) -> None:
        for start, end, kind in list(spans):
            self.mark(start, end, kind)


_NOT_DIGIT = re.compile(r"[^0-9]+")


def digits_of(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def has_hint(scan: Scan, hints: tuple[str, ...]) -> bool:
    """Whether the text holds one of ``hints``, keywords without which a context pattern cannot match.

    Checked with ``in``, which is much faster than letting the pattern scan the text. English keywords
    are looked up in the lower-cased text.
    """
    text = scan.lower
    return any(hint in text for hint in hints)


def near_before(text: str, start: int, pattern: re.Pattern[str], window: int) -> bool:
    return pattern.search(text[max(0, start - window) : start]) is not None


# Ordinary ISO dates and clock times, masked before the looser number patterns run.
_ORDINARY_DATE_TIME = compile_pattern(
    r"(?=[0-9])(?<![0-9])(?:"
    rf"{Y4}(?P<s>[-/.])[0-9]{{1,2}}(?P=s)[0-9]{{1,2}}"  # 2026-04-01, 2026/4/1
    r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"  # 8:30, 17:15:00
    r")(?![0-9])"
)


def protected(text: str) -> str:
    """The text with ordinary ISO dates and clock times masked, for the looser patterns."""
    return _ORDINARY_DATE_TIME.sub(lambda m: MASK * len(m.group()), text)

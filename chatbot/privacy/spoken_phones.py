"""Phone numbers spelt out digit by digit: ゼロキューゼロ イチニーサンヨン…, zero nine zero one two …, 0 9 0 1 2 3 ….

A resident who does not want a form to "see" the number, or who types what they would say on the phone,
writes each digit as a word. The words cannot be folded one character for one character like the kanji
digits, so they are read here: a run of 10 or 11 digit words (katakana readings, English words or single
digits, mixed, with or without separators) that reads as a domestic phone number is one. Anything shorter
or longer, or not starting with 0, is left alone: a run of ordinary katakana words never reads as ten digits.
"""

from __future__ import annotations

import re

from chatbot.privacy.patterns import compile_pattern
from chatbot.privacy.phones import phone_is_plausible
from chatbot.privacy.scanner import Scan

# Readings of each digit, the longer spellings first (キュー before ク, ニー before ニ).
_KATAKANA_DIGITS: dict[str, str] = {
    "ゼロ": "0",
    "レイ": "0",
    "マル": "0",
    "イチ": "1",
    "ワン": "1",
    "ニー": "2",
    "ツー": "2",
    "ニ": "2",
    "サン": "3",
    "スリー": "3",
    "ヨン": "4",
    "フォー": "4",
    "シ": "4",
    "ゴー": "5",
    "ファイブ": "5",
    "ゴ": "5",
    "ロク": "6",
    "シックス": "6",
    "ナナ": "7",
    "シチ": "7",
    "セブン": "7",
    "ハチ": "8",
    "エイト": "8",
    "キュー": "9",
    "キュウ": "9",
    "ナイン": "9",
    "ク": "9",
}
_ENGLISH_DIGITS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_READINGS = {**_KATAKANA_DIGITS, **_ENGLISH_DIGITS}


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_KATAKANA_TOKEN = _alternation(list(_KATAKANA_DIGITS))
_ENGLISH_TOKEN = r"(?i:(?<![a-z])(?:" + _alternation(list(_ENGLISH_DIGITS)) + r")(?![a-z]))"
_TOKEN = rf"(?:[0-9]|{_KATAKANA_TOKEN}|{_ENGLISH_TOKEN})"
# Between two digits: nothing, a long-vowel mark (ゼロー), の, a dash, dot, comma or middle dot, spaces.
_SEP = r"(?:ー?[ ]{0,2}(?:[-.,、・の][ ]{0,2})?)"
_KATA = r"\u30a1-\u30fa\u30fc"
_SPOKEN_RUN = compile_pattern(rf"(?<![{_KATA}0-9A-Za-z])(?:{_TOKEN}{_SEP}){{9,10}}{_TOKEN}(?![{_KATA}0-9A-Za-z])(?!ー)")
# One digit word: a text needs ten of them before the run pattern is worth trying.
_DIGIT_WORD = compile_pattern(_TOKEN)


def _read(run: str) -> str:
    """The digits a run of digit words stands for: ゼロキューゼロの1234 -> 0901234."""
    return "".join(
        word.group() if word.group().isdigit() else _READINGS[word.group().lower()]
        for word in _DIGIT_WORD.finditer(run)
    )


def detect_spoken_phones(scan: Scan) -> None:
    text = scan.digits
    if len(_DIGIT_WORD.findall(text)) < 10:
        return
    scan.mark_all(
        (m.start(), m.end(), "phone") for m in _SPOKEN_RUN.finditer(text) if phone_is_plausible(_read(m.group()))
    )

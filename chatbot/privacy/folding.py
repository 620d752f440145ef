"""Folding of a text, one character for one character, into the ASCII working copies the detectors read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MASK = "\x1a"  # stands in for text already recognised: not a digit, letter, separator or kana
_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_DASHES = "\u00ad\u02d7\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2796\ufe58\ufe63\uff0d"
_KANJI_DIGITS = "〇一二三四五六七八九"

# Decimal digits of every script (full-width, Arabic-Indic, Devanagari, mathematical bold ...).
_OTHER_DIGITS = {cp: str(unicodedata.decimal(chr(cp))) for cp in range(0x80, 0x1FC00) if chr(cp).isdecimal()}


def char_class(code_points: Iterable[int]) -> str:
    """A regular-expression character class of the code points, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


_FOLD_TABLE = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_FOLD_TABLE.update({ord(c): " " for c in _SPACES + _INVISIBLE})
_FOLD_TABLE.update({ord(c): "-" for c in _DASHES})
_FOLD_TABLE.update(_OTHER_DIGITS)
# Only the runs of characters that change are translated (``str.translate`` over a whole Japanese text
# costs more than finding the few full-width characters in it).
# Astral characters make a character class much slower, so they get a second class that is only used
# for a text that has some (emoji, mathematical digits ...).
_TO_FOLD = re.compile(char_class(cp for cp in _FOLD_TABLE if cp <= 0xFFFF) + "+")
_TO_FOLD_ASTRAL = re.compile(char_class(cp for cp in _FOLD_TABLE if cp > 0xFFFF) + "+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_KANJI_DIGIT_TABLE = {ord(c): str(i) for i, c in enumerate(_KANJI_DIGITS)}
_KANJI_DIGIT = re.compile(f"[{_KANJI_DIGITS}]+")
# The katakana prolonged sound mark is a dash next to a digit (090ー1234ー5678), not after katakana.
_CHOONPU = re.compile(r"[ーｰ](?:(?<=[0-9].)|(?<=[0-9] .)|(?<![\u30a1-\u30fa\u30fc\uff66-\uff9f].)(?= ?[0-9]))")


def _fold_runs(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD_TABLE)


def _kanji_digit_runs(match: re.Match[str]) -> str:
    return match.group().translate(_KANJI_DIGIT_TABLE)


# A middle dot between digits separates the parts of a number: 03・4567・8901.
_DIGIT_DOT = re.compile(r"(?<=[0-9])[・･](?=[0-9])")


def _choonpu(text: str) -> str:
    if "ー" in text or "ｰ" in text:
        text = _CHOONPU.sub("-", text)
    if "・" in text or "･" in text:
        text = _DIGIT_DOT.sub("-", text)
    return text


# の between two digits separates the parts of a number as a resident says it: 090の1234の5678, 1の2の3.
# Only in the copy for numbers: the words keep their の (丸の内, 456番地の7).
_DIGIT_NO = re.compile(r"(?:(?<=[0-9])|(?<=[0-9] ))の(?= ?[0-9])")


def fold(text: str) -> tuple[str, str]:
    """The text for words (full-width, dashes and spaces folded) and for numbers (kanji digits too)."""
    base = _TO_FOLD.sub(_fold_runs, text)
    if _ASTRAL.search(base):
        base = _TO_FOLD_ASTRAL.sub(_fold_runs, base)
    words = _choonpu(base)
    digits = _choonpu(_KANJI_DIGIT.sub(_kanji_digit_runs, base)) if _KANJI_DIGIT.search(base) else words
    if "の" in digits:
        digits = _DIGIT_NO.sub("-", digits)
    return words, digits

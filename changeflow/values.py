"""Replacing one value (a fee, a time, a phone number, a date) by another in an FAQ's texts.

A value is replaced only where it stands whole: 500円 never matches inside 1,500円, 1万500円 or 1500円, 8:30
never inside 18:30, a phone number never inside a longer one. Width and spacing variants are the same value
(５００円, 500 円, 1,500 / 1500 / １，５００, ８：３０, 08:30), and the new value is written as the editor typed it.
What was replaced, and what may need a person's eye, is reported with the new texts.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from changeflow.models import ChangeKind

CONTEXT_CHARS = 20
SPACE = r"[ \t]*"
# Dashes written between the digit groups of a phone number or a date; ー (the long-vowel mark) is a common slip.
DASHES = "-‐‑‒–—―−ー"
DASH = f"[{re.escape(DASHES)}]"
# Characters that join digits into one larger value: 1,500 / 1.5 / 18:30 / 2025/4/1 / 1万500.
JOINERS = ",.:/"
UNITS = "兆億万千"
NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"

AMOUNT = re.compile(
    rf"(?<![\d,.])(?:{NUMBER})(?:{SPACE}[{UNITS}]{SPACE}(?:{NUMBER})?)*{SPACE}円|[¥￥]{SPACE}(?:{NUMBER})(?![\d,])"
)
TIME = re.compile(
    rf"(?<![\d:])\d{{1,2}}{SPACE}:{SPACE}\d{{2}}(?![\d:])|(?<!\d)\d{{1,2}}{SPACE}時(?!間)(?:{SPACE}(?:\d{{1,2}}{SPACE}分|半))?"
)
PHONE = re.compile(
    rf"(?<![\d{re.escape(DASHES)}])(?:\(0\d{{1,4}}\){SPACE}\d{{1,4}}|0\d{{1,4}}{DASH}\d{{1,4}}){DASH}\d{{3,4}}(?!\d)"
)
# Values of the template's kind that are worth a second look when they appear beside the replaced one.
NEIGHBOURS: dict[str, re.Pattern[str]] = {ChangeKind.FEE: AMOUNT, ChangeKind.HOURS: TIME, ChangeKind.CONTACT: PHONE}


@dataclass(frozen=True)
class Replacement:
    """One place where the old value was replaced: `part` indexes the texts, start/end are positions in it."""

    part: int
    start: int
    end: int
    old: str
    new: str
    before: str
    after: str


@dataclass(frozen=True)
class ValueWarning:
    code: str  # "not_found", "repeated" or "other_values"
    message: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueProposal:
    texts: tuple[str, ...]
    replacements: list[Replacement] = field(default_factory=list)
    warnings: list[ValueWarning] = field(default_factory=list)


def fold(text: str) -> str:
    """Full-width and half-width forms (and no-break spaces) as their plain forms; every position is kept."""
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    if unicodedata.decomposition(ch).startswith(("<wide>", "<narrow>", "<noBreak>")):
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1:
            return folded
    return ch


def same_value(first: str, second: str) -> bool:
    """True when two values differ only in width, spacing or digit grouping (５００円, 500 円, 1,500 / 1500)."""
    return _canonical(first) == _canonical(second)


def _canonical(value: str) -> str:
    folded = re.sub(r"\s+", "", fold(value))
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", folded)


def _looks_like_phone(folded: str) -> bool:
    digits = re.sub(r"\D", "", folded)
    return bool(re.fullmatch(rf"[\d\s(){re.escape(DASHES)}]+", folded)) and len(digits) >= 9 and digits[0] == "0"


def _number_pattern(digits: str, *, phone: bool) -> str:
    """Every written form of one digit run: with or without thousands commas, 8 or 08 in times and dates."""
    plain = digits.replace(",", "")
    if phone:
        return re.escape(plain)
    if len(plain) <= 2 and plain.isdigit():
        short = plain[1:] if len(plain) == 2 and plain[0] == "0" else plain
        if len(short) == 1:
            return f"0?{short}"
    forms = [plain]
    if len(plain) >= 4 and not plain.startswith("0"):
        head = len(plain) % 3 or 3
        groups = [plain[:head]] + [plain[i : i + 3] for i in range(head, len(plain), 3)]
        forms.insert(0, ",".join(groups))
    return "(?:" + "|".join(re.escape(form) for form in forms) + ")"


def _value_pattern(old_value: str) -> re.Pattern[str] | None:
    """The pattern that finds the old value whole in a folded text; None when there is nothing to look for."""
    folded = fold(old_value).strip()
    if not folded:
        return None
    phone = _looks_like_phone(folded)
    tokens = re.findall(rf"{NUMBER}|\s+|.", folded, flags=re.DOTALL)
    pieces: list[str] = []
    joiners = JOINERS
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token[0].isdigit():
            pieces.append(_number_pattern(token, phone=phone))
        elif token.isspace():
            pieces.append(SPACE)
        elif token in DASHES and previous[:1].isdigit() and following[:1].isdigit():
            joiners = JOINERS + DASHES
            pieces.append(DASH)
        else:
            pieces.append(re.escape(token))
        if _spaced(token, following):
            pieces.append(SPACE)
    return re.compile(_leading_edge(folded, joiners) + "".join(pieces) + _trailing_edge(folded, joiners))


def _spaced(token: str, following: str) -> bool:
    """Spaces may stand between a number and what is next to it (500 円, 8 : 30), never inside a word."""
    if not following or token.isspace() or following.isspace() or token[0].isdigit() == following[0].isdigit():
        return False
    other = following if token[0].isdigit() else token
    return not (other.isascii() and other.isalpha())


def _leading_edge(folded: str, joiners: str) -> str:
    if folded[0].isdigit():
        return rf"(?<!\d)(?<!\d[{re.escape(joiners + UNITS)}])"
    if folded[0].isascii() and folded[0].isalnum():
        return r"(?<![A-Za-z0-9_])(?<![A-Za-z0-9][.@+\-])"
    return ""


def _trailing_edge(folded: str, joiners: str) -> str:
    if folded[-1].isdigit():
        return rf"(?!\d)(?![{re.escape(joiners)}]\d)(?!{SPACE}[{UNITS}])"
    if folded[-1].isascii() and folded[-1].isalnum():
        return r"(?![A-Za-z0-9_])(?![.@\-][A-Za-z0-9])"
    return ""


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    before = text[max(start - CONTEXT_CHARS, 0) : start]
    after = text[end : end + CONTEXT_CHARS]
    if start > CONTEXT_CHARS:
        before = "…" + before
    if end + CONTEXT_CHARS < len(text):
        after += "…"
    return re.sub(r"\s*\n\s*", " ", before), re.sub(r"\s*\n\s*", " ", after)


def value_replace(*, texts: Sequence[str], old_value: str, new_value: str, kind: str = "") -> ValueProposal:
    """The texts of one FAQ (question, answer, ...) with every whole occurrence of the old value replaced.

    Warnings: the old value is not in the FAQ; it is there more than once (each place deserves a look); the FAQ
    holds other values of the template's kind (other fees, other times) that may have to change as well.
    """
    old, new = old_value.strip(), new_value.strip()
    pattern = _value_pattern(old) if old and new else None
    if pattern is None:
        return ValueProposal(tuple(texts))
    replacements: list[Replacement] = []
    new_texts: list[str] = []
    for part, text in enumerate(texts):
        pieces, last = [], 0
        for match in pattern.finditer(fold(text)):
            start, end = match.span()
            before, after = _context(text, start, end)
            replacements.append(Replacement(part, start, end, text[start:end], new, before, after))
            pieces += [text[last:start], new]
            last = end
        new_texts.append("".join(pieces) + text[last:])
    warnings = []
    if not replacements:
        warnings.append(
            ValueWarning(
                "not_found",
                _("“%(value)s” was not found in this FAQ as a whole value; edit the new text by hand if it changes.")
                % {"value": old},
            )
        )
    elif len(replacements) > 1:
        warnings.append(
            ValueWarning(
                "repeated",
                _("“%(value)s” was replaced in %(count)d places in this FAQ; check each of them.")
                % {"value": old, "count": len(replacements)},
            )
        )
    others = _other_values(texts, replacements, NEIGHBOURS.get(kind))
    if others:
        warnings.append(
            ValueWarning(
                "other_values",
                _("This FAQ also mentions %(values)s; check whether they change too.")
                % {"values": "、".join(f"「{value}」" for value in others)},
                tuple(others),
            )
        )
    return ValueProposal(tuple(new_texts), replacements, warnings)


def _other_values(texts: Sequence[str], replaced: list[Replacement], pattern: re.Pattern[str] | None) -> list[str]:
    if pattern is None:
        return []
    found: list[str] = []
    for part, text in enumerate(texts):
        for match in pattern.finditer(fold(text)):
            start, end = match.span()
            if any(r.part == part and r.start < end and start < r.end for r in replaced):
                continue
            value = text[start:end].strip()
            if value not in found:
                found.append(value)
    return found

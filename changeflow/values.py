"""Replacing one value (a fee, a time, a phone number, a date) by another in an FAQ's texts.

A value is replaced only where it stands whole: 500円 never matches inside 1,500円, 1万500円 or 1500円, 8:30
never inside 18:30, a phone number never inside a longer one. Width and spacing variants are the same value
(５００円, 500 円, 1,500 / 1500 / １，５００, ８：３０, 08:30), and the new value is written as the editor typed it.
What was replaced, and what may need a person's eye, is reported with the new texts.

An FAQ's English texts (`language="en"`) are searched for the English forms of the same value, and the new value
is written in the form found there: a fee 300円 → 400円 turns "300 yen" / "¥300" / "JPY 300" into "400 yen" /
"¥400" / "JPY 400" (never inside "1,300 yen"); a time 17:15 → 18:00 turns "17:15" into "18:00" and "5:15 p.m."
into "6:00 p.m."; a date 2026/4/1 → 2026/5/1 turns "April 1, 2026" into "May 1, 2026"; a range of two times or
fees (8:30～17:15) is found with any of its separators ("8:30 to 17:15", "8:30–17:15"). Phone numbers, e-mail
addresses and any other value are the same in both languages.
"""

import datetime
import re
import unicodedata
from collections.abc import Callable, Sequence
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
    code: str  # "not_found", "repeated", "other_values", or in English texts "not_translated"
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


def value_replace(
    *, texts: Sequence[str], old_value: str, new_value: str, kind: str = "", language: str = "ja"
) -> ValueProposal:
    """The texts of one FAQ (question, answer, ...) with every whole occurrence of the old value replaced.

    Warnings: the old value is not in the FAQ; it is there more than once (each place deserves a look); the FAQ
    holds other values of the template's kind (other fees, other times) that may have to change as well.
    `language="en"`: the texts are the FAQ's English ones, searched for the English forms of the value (see the
    module's description); the new value is written in the form found, and a value that has no English form to
    be written in (300円 → 無料) is pointed out instead of replaced.
    """
    old, new = old_value.strip(), new_value.strip()
    if not (old and new):
        return ValueProposal(tuple(texts))
    if language == ENGLISH:
        return _english_proposal(texts, old, new, kind)
    pattern = _value_pattern(old)
    if pattern is None:
        return ValueProposal(tuple(texts))
    new_texts, replacements = _replace_all(texts, pattern, lambda _text, _match: new)
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
                _("This FAQ also mentions %(values)s; check whether they change too.") % {"values": _listed(others)},
                tuple(others),
            )
        )
    return ValueProposal(tuple(new_texts), replacements, warnings)


def _listed(values: Sequence[str]) -> str:
    return "、".join(f"「{value}」" for value in values)


def _replace_all(
    texts: Sequence[str], pattern: re.Pattern[str], render: Callable[[str, re.Match[str]], str]
) -> tuple[list[str], list[Replacement]]:
    """Each text with every match replaced by what `render(text, match)` writes for it, and the places."""
    replacements: list[Replacement] = []
    new_texts: list[str] = []
    for part, text in enumerate(texts):
        pieces, last = [], 0
        for match in pattern.finditer(fold(text)):
            start, end = match.span()
            written = render(text, match)
            before, after = _context(text, start, end)
            replacements.append(Replacement(part, start, end, text[start:end], written, before, after))
            pieces += [text[last:start], written]
            last = end
        new_texts.append("".join(pieces) + text[last:])
    return new_texts, replacements


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


# ---------------------------------------------------------------- the English texts

ENGLISH = "en"
YEN_SIGN = "[¥￥]"
# "300 yen", "300-yen ticket", "300 JPY", "300円"; and "¥300", "JPY 300".
YEN_AFTER = rf"{SPACE}(?:-{SPACE})?(?:(?i:yen|jpy)|円)(?![A-Za-z])"
YEN_BEFORE = rf"(?:{YEN_SIGN}|(?<![A-Za-z])(?i:jpy))"
LARGER_UNIT = rf"(?!{SPACE}(?:[{UNITS}]|(?i:thousand|million|billion)(?![A-Za-z])))"
# "a.m.", "p. m.", "am", "PM".
MERIDIEM = r"(?:[AaPp]\. ?[Mm]\.?|[AaPp][Mm])(?![A-Za-z])"
SCALE = rf"(?:{SPACE}(?i:thousand|million|billion)(?![A-Za-z]))?"
AMOUNT_EN = re.compile(
    rf"(?<![\d,.])(?:{NUMBER}){SCALE}{YEN_AFTER}|{YEN_BEFORE}{SPACE}(?:{NUMBER})(?![\d,])(?!\.\d){SCALE}"
)
TIME_EN = re.compile(
    rf"(?<![\d:.])\d{{1,2}}(?:{SPACE}:{SPACE}\d{{2}})?{SPACE}{MERIDIEM}"
    rf"|(?<![\d:.])\d{{1,2}}{SPACE}:{SPACE}\d{{2}}(?![\d:])"
)
NEIGHBOURS_EN: dict[str, re.Pattern[str]] = {
    ChangeKind.FEE: AMOUNT_EN,
    ChangeKind.HOURS: TIME_EN,
    ChangeKind.CONTACT: PHONE,
}
# Between the two ends of a range: 8:30～17:15, 8:30-17:15, "8:30 to 17:15", "9:00 until 12:00".
RANGE_SEPARATOR = rf"[~〜{re.escape(DASHES)}]|(?i:to|until|till|through)(?![A-Za-z])|から"
UNIT_SIZES = {"兆": 10**12, "億": 10**8, "万": 10**4, "千": 10**3}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY = rf"(?:(?i:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|{'|'.join(WEEKDAYS)})\.?,?{SPACE})?"
ORDINAL = r"(?:st|nd|rd|th)?"
# The first day of each era (and the year before its first year), for dates written 令和8年4月1日.
ERAS = (("令和", datetime.date(2019, 5, 1), 2018), ("平成", datetime.date(1989, 1, 8), 1988))


@dataclass(frozen=True)
class _Yen:
    amount: int


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int


@dataclass(frozen=True)
class _Day:
    date: datetime.date


_Value = _Yen | _Clock | _Day


def _kanji_number(text: str) -> int | None:
    """1,500 / 1万500 / 1,000万 as a number; None when it is not one."""
    total, rest = 0, text
    for unit, size in UNIT_SIZES.items():
        if unit in rest:
            head, rest = rest.split(unit, 1)
            if not re.fullmatch(NUMBER, head or ("1" if unit == "千" else "")):
                return None
            total += int((head or "1").replace(",", "")) * size
    if rest:
        if not re.fullmatch(NUMBER, rest):
            return None
        total += int(rest.replace(",", ""))
    return total


def _parse_yen(compact: str, *, bare: bool) -> _Yen | None:
    match = re.fullmatch(r"(?:[¥￥]|JPY)?([\d,兆億万千]+)(?:円|yen|JPY)?", compact, flags=re.IGNORECASE)
    if match is None or (compact == match.group(1) and not bare):
        return None
    amount = _kanji_number(match.group(1))
    return None if amount is None else _Yen(amount)


def _parse_clock(compact: str) -> _Clock | None:
    hour, minute = -1, -1
    if match := re.fullmatch(r"(\d{1,2}):(\d{2})", compact):
        hour, minute = int(match.group(1)), int(match.group(2))
    elif match := re.fullmatch(r"(\d{1,2})時(?:(\d{1,2})分|(半))?", compact):
        hour = int(match.group(1))
        minute = int(match.group(2)) if match.group(2) else 30 if match.group(3) else 0
    elif match := re.fullmatch(r"(\d{1,2})(?::(\d{2}))?([AaPp])\.?[Mm]\.?", compact):
        twelve = int(match.group(1))
        if not 1 <= twelve <= 12:
            return None
        hour = twelve % 12 + (12 if match.group(3) in "Pp" else 0)
        minute = int(match.group(2) or 0)
    if not (0 <= hour <= 24 and 0 <= minute < 60) or (hour == 24 and minute):
        return None
    return _Clock(hour, minute)


def _parse_day(compact: str) -> _Day | None:
    year = 0
    if match := re.fullmatch(r"(\d{4})([/\-.])(\d{1,2})\2(\d{1,2})", compact):
        year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
    elif match := re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", compact):
        year, month, day = (int(number) for number in match.groups())
    elif match := re.fullmatch(r"(令和|平成)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日", compact):
        before = next(offset for name, _first, offset in ERAS if name == match.group(1))
        year = before + (1 if match.group(2) == "元" else int(match.group(2)))
        month, day = int(match.group(3)), int(match.group(4))
    if not year:
        return None
    try:
        return _Day(datetime.date(year, month, day))
    except ValueError:
        return None


def _parse_value(text: str, *, bare_yen: bool = False) -> _Value | None:
    """A fee, a time of day or a date as the editor typed it (300円, ¥300, 17:15, 17時15分, 2026/4/1, 令和8年4月1日)."""
    compact = re.sub(r"\s+", "", fold(text))
    return _parse_yen(compact, bare=bare_yen) or _parse_clock(compact) or _parse_day(compact)


def _parse_values(text: str, like: Sequence[_Value] = ()) -> list[_Value] | None:
    """One value, or the two ends of a range (8:30～17:15); None when the text is neither. `like`: the old value's
    parts, which the new value must match (a bare number is a fee where the old value is one)."""
    folded = fold(text).strip()
    first = like[0] if like else None
    single = _parse_value(folded, bare_yen=isinstance(first, _Yen))
    if single is not None and len(like) <= 1:
        return [single]
    for separator in re.finditer(rf"{SPACE}(?:{RANGE_SEPARATOR}){SPACE}", folded):
        head, tail = folded[: separator.start()], folded[separator.end() :]
        second = like[1] if len(like) > 1 else None
        start = _parse_value(head, bare_yen=isinstance(first, _Yen))
        end = _parse_value(tail, bare_yen=isinstance(second, _Yen))
        if start is not None and end is not None and type(start) is type(end):
            return [start, end]
    return None


def _month_pattern(month: int) -> str:
    name = MONTHS[month - 1]
    return rf"(?i:{name}|{name[:3]}{'t?' if month == 9 else ''}\.?)"


def _era(day: datetime.date) -> tuple[str, int] | None:
    for name, first, before in ERAS:
        if day >= first:
            return name, day.year - before
    return None


def _english_value_pattern(value: _Value) -> str:
    """Every written form of one value in an English text (and its Japanese forms, which an English text may quote)."""
    if isinstance(value, _Yen):
        number = _number_pattern(str(value.amount), phone=False)
        return (
            rf"(?<![\d,.{UNITS}]){number}{YEN_AFTER}"
            rf"|{YEN_BEFORE}{SPACE}{number}(?!\d)(?![,.]\d){LARGER_UNIT}"
        )
    if isinstance(value, _Clock):
        edge = r"(?<!\d)(?<!\d[.:])"
        minute = f"{value.minute:02d}"
        forms = [
            rf"{edge}{_number_pattern(str(value.hour), phone=False)}{SPACE}:{SPACE}{minute}"
            rf"(?!\d)(?![:.]\d)(?!{SPACE}{MERIDIEM})"
        ]
        if value.hour < 24:
            twelve = _number_pattern(str(value.hour % 12 or 12), phone=False)
            minutes = rf"(?:{SPACE}:{SPACE}{minute}){'?' if value.minute == 0 else ''}"
            half = "[Pp]" if value.hour >= 12 else "[Aa]"
            forms.insert(0, rf"{edge}{twelve}{minutes}{SPACE}(?:{half}\. ?[Mm]\.?|{half}[Mm])(?![A-Za-z])")
        return "|".join(forms)
    day = value.date
    number_day = _number_pattern(str(day.day), phone=False)
    number_month = _number_pattern(str(day.month), phone=False)
    month = _month_pattern(day.month)
    start = r"(?<![A-Za-z0-9])"
    forms = [
        rf"{start}{WEEKDAY}{month}{SPACE}{number_day}{ORDINAL}(?!\d),?{SPACE}{day.year}(?!\d)",
        rf"{start}{WEEKDAY}{number_day}{ORDINAL}{SPACE}(?:of{SPACE})?{month},?{SPACE}{day.year}(?!\d)",
        *(
            rf"(?<![\d/.\-]){day.year}{re.escape(separator)}{number_month}{re.escape(separator)}{number_day}"
            rf"(?!\d)(?![/.\-]\d)"
            for separator in "/-."
        ),
        rf"(?<!\d){day.year}{SPACE}年{SPACE}{number_month}{SPACE}月{SPACE}{number_day}{SPACE}日",
    ]
    era = _era(day)
    if era is not None:
        year = "(?:1|元)" if era[1] == 1 else _number_pattern(str(era[1]), phone=False)
        forms.append(rf"{era[0]}{SPACE}{year}{SPACE}年{SPACE}{number_month}{SPACE}月{SPACE}{number_day}{SPACE}日")
    return "|".join(forms)


def _english_pattern(values: Sequence[_Value]) -> re.Pattern[str]:
    parts = [f"(?P<p{index}>{_english_value_pattern(value)})" for index, value in enumerate(values)]
    return re.compile(rf"{SPACE}(?:{RANGE_SEPARATOR}){SPACE}".join(parts))


def _styled(written: str, name: str) -> str:
    """`name` (a month or a weekday) as `written` was: abbreviated or not, in its case."""
    text = name if len(written) >= len(name) else name[:3]
    if written.isupper() and len(written) > 1:
        return text.upper()
    return text.lower() if written.islower() else text


def _ordinal(number: int) -> str:
    if 11 <= number % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def _padded(written: str, number: int) -> str:
    """A number as wide as the one it replaces when that one was zero-padded (08:30, 2026/04/01)."""
    return f"{number:02d}" if len(written) == 2 and written.startswith("0") else str(number)


def _render_yen(found: str, value: _Yen) -> str:
    number = re.search(r"\d(?:[\d,]*\d)?", fold(found))
    assert number is not None
    grouped = "," in number.group() or len(number.group()) < 4
    written = f"{value.amount:,}" if grouped else str(value.amount)
    return found[: number.start()] + written + found[number.end() :]


def _render_clock(found: str, value: _Clock) -> str:
    folded = fold(found)
    head = re.match(r"(\d{1,2})(?:([ \t]*:[ \t]*)(\d{2}))?", folded)
    assert head is not None
    marker = re.search(r"[AaPp]\.? ?[Mm]", folded[head.end() :])
    if marker is None:
        return f"{_padded(head.group(1), value.hour)}{head.group(2) or ':'}{value.minute:02d}" + found[head.end() :]
    twelve = value.hour % 12 or 12
    written = f"{twelve}:{value.minute:02d}" if head.group(3) or value.minute else str(twelve)
    letter = "p" if 12 <= value.hour < 24 else "a"
    at = head.end() + marker.start()
    return written + found[head.end() : at] + (letter.upper() if found[at].isupper() else letter) + found[at + 1 :]


def _render_day(found: str, value: _Day) -> str:
    day = value.date
    folded = fold(found)
    tokens = list(re.finditer(r"[A-Za-z]+|\d+|元|令和|平成", folded))
    named = any(token.group()[:3].lower() in {name[:3].lower() for name in MONTHS} for token in tokens)
    edits: list[tuple[int, int, str]] = []
    numbers = [token for token in tokens if token.group()[0].isdigit() or token.group() == "元"]
    if named:
        previous = ""
        for token in tokens:
            word = token.group()
            if word[0].isdigit():
                edits.append((*token.span(), str(day.year) if len(word) == 4 else str(day.day)))
            elif word.lower() in ("st", "nd", "rd", "th") and previous[:1].isdigit():
                edits.append((*token.span(), _ordinal(day.day)))
            elif word[:3].lower() in {name[:3].lower() for name in MONTHS}:
                edits.append((*token.span(), _styled(word, MONTHS[day.month - 1])))
            elif word[:3].lower() in {name[:3].lower() for name in WEEKDAYS}:
                edits.append((*token.span(), _styled(word, WEEKDAYS[day.weekday()])))
            previous = word
    elif len(numbers) == 3:
        era_token = next((token for token in tokens if token.group() in ("令和", "平成")), None)
        year = str(day.year)
        if era_token is not None:
            era = _era(day)
            edits.append((*era_token.span(), era[0] if era else ""))
            if era is not None:
                year = "元" if era[1] == 1 and numbers[0].group() == "元" else str(era[1])
        edits.append((*numbers[0].span(), year))
        edits.append((*numbers[1].span(), _padded(numbers[1].group(), day.month)))
        edits.append((*numbers[2].span(), _padded(numbers[2].group(), day.day)))
    written = found
    for start, end, text in sorted(edits, reverse=True):
        written = written[:start] + text + written[end:]
    return written


def _render(found: str, value: _Value) -> str:
    if isinstance(value, _Yen):
        return _render_yen(found, value)
    if isinstance(value, _Clock):
        return _render_clock(found, value)
    return _render_day(found, value)


def _english_proposal(texts: Sequence[str], old: str, new: str, kind: str) -> ValueProposal:
    values = _parse_values(old)
    new_values = _parse_values(new, like=values) if values else None
    fits = (
        values is not None
        and new_values is not None
        and [type(value) for value in values] == [type(value) for value in new_values]
    )
    if values is None:
        # The same in both languages: a phone number, an e-mail address, a word (written in half-width forms).
        pattern = _value_pattern(old)
        if pattern is None:
            return ValueProposal(tuple(texts))
        written = fold(new)
        new_texts, replacements = _replace_all(texts, pattern, lambda _text, _match: written)
    else:
        pattern = _english_pattern(values)
        chosen = new_values or []

        def render(text: str, match: re.Match[str]) -> str:
            pieces, last = [], match.start()
            for index, value in enumerate(chosen):
                start, end = match.span(f"p{index}")
                pieces += [text[last:start], _render(text[start:end], value)]
                last = end
            return "".join(pieces) + text[last : match.end()]

        new_texts, replacements = _replace_all(texts, pattern, render)
    warnings = []
    if not replacements:
        warnings.append(
            ValueWarning(
                "not_found",
                _(
                    "“%(value)s” was not found in the English text of this FAQ as a whole value; edit the new "
                    "English text by hand if it changes."
                )
                % {"value": old},
            )
        )
    elif values is not None and not fits:
        found = list(dict.fromkeys(place.old for place in replacements))
        warnings.append(
            ValueWarning(
                "not_translated",
                _(
                    "The English text of this FAQ mentions %(values)s, but “%(value)s” cannot be written there "
                    "automatically; edit the new English text by hand."
                )
                % {"values": _listed(found), "value": new},
                tuple(found),
            )
        )
        others = _other_values(texts, replacements, NEIGHBOURS_EN.get(kind))
        return ValueProposal(tuple(texts), [], [*warnings, *_english_others(others)])
    elif len(replacements) > 1:
        warnings.append(
            ValueWarning(
                "repeated",
                _("“%(value)s” was replaced in %(count)d places in the English text of this FAQ; check each of them.")
                % {"value": old, "count": len(replacements)},
            )
        )
    others = _other_values(texts, replacements, NEIGHBOURS_EN.get(kind))
    return ValueProposal(tuple(new_texts), replacements, [*warnings, *_english_others(others)])


def _english_others(others: Sequence[str]) -> list[ValueWarning]:
    if not others:
        return []
    return [
        ValueWarning(
            "other_values",
            _("The English text of this FAQ also mentions %(values)s; check whether they change too.")
            % {"values": _listed(others)},
            tuple(others),
        )
    ]

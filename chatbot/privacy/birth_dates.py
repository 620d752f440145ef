"""Dates of birth: a full date next to a birth keyword (生年月日, 誕生日, 生まれ, born ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chatbot.privacy.patterns import SENTENCE_END, Y4, compile_pattern
from chatbot.privacy.scanner import Scan, has_hint, near_before

# Dates, in Japanese (with eras), numeric and English spellings.
_ERA = r"(?:明治|大正|昭和|平成|令和|[MTSHRmtshr]\.?)"
_KNUM = r"[0-9十]{1,3}"
_MONTHS = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = compile_pattern(
    r"(?=[0-9明大昭平令]|[MTSHRmtshr]\.?[ ]?[0-9]|[A-Za-z]{3})(?<![0-9A-Za-z])(?:"
    rf"(?:{Y4}|{_ERA}[ ]?(?:{_KNUM}|元))[ ]?年[ ]?{_KNUM}[ ]?月[ ]?{_KNUM}[ ]?日"
    rf"|(?:{Y4}|{_ERA}[ ]?[0-9]{{1,2}})[ ]?(?P<s1>[-/.])[ ]?[0-9]{{1,2}}[ ]?(?P=s1)[ ]?[0-9]{{1,2}}"
    rf"|[0-9]{{1,2}}(?P<s2>[-/.])[0-9]{{1,2}}(?P=s2){Y4}"
    rf"|{Y4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    rf"|{_MONTHS}[ ]+[0-9]{{1,2}}(?:st|nd|rd|th)?,?[ ]+{Y4}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?[ ]+(?:of[ ]+)?{_MONTHS},?[ ]+{Y4}"
    r")(?![0-9])"
)
_BIRTH_BEFORE = compile_pattern(
    r"(?:生年月日|誕生日|生まれ|出生(?!届)|誕生|date[ ]of[ ]birth|birth[ ]?date|birthday|born(?:[ ]on)?|d\.?o\.?b\.?)"
    r"[^" + SENTENCE_END + r"]{0,15}$",
    re.IGNORECASE,
)
_BIRTH_AFTER = compile_pattern(
    r"^[ ]?(?:(?:に|で|の)?[ ]?(?:生まれ(?!の(?:人|方|かた|世代|皆))|うまれ|誕生(?!日会)|出生(?!届))"
    r"|生(?!まれ|[活産徒涯命物協存前鮮]))"
)
_BIRTH_AFTER_WORD = compile_pattern(r"生|うまれ|誕生|出生")
_BIRTH_BEFORE_WORD = compile_pattern(r"生年月日|誕生日|生まれ|出生|誕生")
_BIRTH_BEFORE_WORD_EN = compile_pattern(r"date[ ]of[ ]birth|birth[ ]?date|birthday|born|d\.?o\.?b", re.IGNORECASE)
_RANGE_BEFORE = compile_pattern(r"(?:[～〜~-]|から|より)[ ]?$")
# A dash after a date starts a range only when another date follows ("1990/11/02 - how do I" is a birth date).
_NOT_A_BIRTH = compile_pattern(
    r"^[ ]?(?:以前|以降|以後|より|から|まで|迄|頃|ごろ|前後"
    r"|[-~〜～](?=[ ]?(?:[0-9明大昭平令]|[MTSHRmtshr]\.?[ ]?[0-9])))"
)


_HINTS_BIRTH = ("生", "うまれ", "誕", "birth", "born", "dob", "d.o.b")


def _birth_date_candidates(text: str, english: bool) -> Iterator[re.Match[str]]:
    """Dates that end right before 生/生まれ/誕生 or start shortly after a birth keyword."""
    regions: list[tuple[int, int, int]] = []  # (search from, search to, latest start accepted)
    for k in _BIRTH_AFTER_WORD.finditer(text):
        end = k.start()
        while end > 0 and end > k.start() - 3 and text[end - 1] in " にでの":
            end -= 1
        if end > 0 and text[end - 1] in "0123456789日":  # a date can end here
            regions.append((max(0, k.start() - 40), k.start(), k.start()))
    before = [*_BIRTH_BEFORE_WORD.finditer(text), *(_BIRTH_BEFORE_WORD_EN.finditer(text) if english else ())]
    for k in before:
        regions.append((k.end(), min(len(text), k.end() + 60), k.end() + 16))
    seen: set[tuple[int, int]] = set()
    for begin, end, latest_start in regions:
        for m in _DATE.finditer(text, begin, end):
            if m.start() > latest_start:
                break
            if m.span() not in seen:
                seen.add(m.span())
                yield m


def detect_birth_dates(scan: Scan) -> None:
    text = scan.digits
    if not has_hint(scan, _HINTS_BIRTH):
        return
    found = []
    english = any(hint in scan.lower for hint in ("birth", "born", "dob", "d.o.b"))
    for m in _birth_date_candidates(text, english):
        after = text[m.end() : m.end() + 8]
        if _NOT_A_BIRTH.match(after):
            continue
        if _RANGE_BEFORE.search(text[max(0, m.start() - 3) : m.start()]):
            continue
        if _BIRTH_AFTER.match(after) or near_before(text, m.start(), _BIRTH_BEFORE, 30):
            found.append((m.start(), m.end(), "birth_date"))
    scan.mark_all(found)

"""Phone numbers: domestic, international (+81) and local numbers after a phone keyword."""

from __future__ import annotations

import re

from chatbot.privacy.patterns import LB, RB, SEP, UNITS, compile_pattern
from chatbot.privacy.scanner import Scan, digits_of, has_hint

_PHONE_LOCAL = compile_pattern(
    r"(?=[電tTfFフ携☎℡])(?:電話|TEL|FAX|ファックス|ファクス|携帯|☎|℡)"
    r"[^0-9\n。]{0,8}?(?<![0-9])([0-9]{2,4}-[0-9]{4})" + RB + UNITS,
    re.IGNORECASE,
)


# Inside a phone number a slash or an underscore separates the groups too (090/1234/5678), and the area
# code may stand in any bracket: (03), [03], 【03】 (full-width brackets are folded to ASCII ones).
_SEP_PHONE = r"(?:[ ]{0,2}[-./_][ ]{0,2}|[ ]{1,2})"
_OPEN = r"[(\[【]"
_CLOSE = r"[)\]】]"
_PHONE_DOMESTIC = compile_pattern(
    r"(?=[(\[【0])"
    + LB
    + rf"(?:{_OPEN}0[0-9]{{1,4}}{_CLOSE}(?:{_SEP_PHONE})?|0[0-9]{{1,4}}(?:{_SEP_PHONE}|[ ]?{_OPEN}[ ]?)?)"
    rf"[0-9]{{1,4}}(?:[ ]?{_CLOSE}[ ]?|{_SEP_PHONE})?[0-9]{{3,4}}" + RB
)
_PHONE_INTERNATIONAL = compile_pattern(
    r"(?<![0-9+])(?:\+|00[ ]?)81\)?[ ]{0,2}[-.]?[ ]{0,2}(?:\(0\)[ ]{0,2}[-.]?[ ]{0,2})?"
    r"\(?[1-9][0-9]{0,3}\)?(?:" + SEP + r")?[0-9]{1,4}(?:" + SEP + r")?[0-9]{3,4}" + RB
)


def phone_is_plausible(match: str) -> bool:
    digits = digits_of(match)
    if len(digits) == 10:
        return digits[0] == "0" and digits[1] != "0"
    if len(digits) == 11:
        return bool(re.match(r"0[2-9]0|0800", digits))
    return False


def _international_is_plausible(match: str) -> bool:
    digits = digits_of(match.replace("(0)", ""))
    national = digits[4:] if digits.startswith("0081") else digits[2:]
    if national.startswith("0"):
        national = national[1:]
    return 9 <= len(national) <= 10


_HINTS_PHONE = ("電話", "tel", "fax", "ファックス", "ファクス", "携帯", "☎", "℡")


def detect_international_phones(scan: Scan) -> None:
    if "81" in scan.digits:
        scan.mark_all(
            (m.start(), m.end(), "phone")
            for m in _PHONE_INTERNATIONAL.finditer(scan.digits)
            if _international_is_plausible(m.group())
        )


def detect_phones(scan: Scan) -> None:
    scan.mark_all(
        (m.start(), m.end(), "phone") for m in _PHONE_DOMESTIC.finditer(scan.digits) if phone_is_plausible(m.group())
    )
    if has_hint(scan, _HINTS_PHONE):
        scan.mark_all((m.start(1), m.end(1), "phone") for m in _PHONE_LOCAL.finditer(scan.digits))

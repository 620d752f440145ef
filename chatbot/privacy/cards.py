"""Credit card numbers, with their Luhn check."""

from __future__ import annotations

import re

from chatbot.privacy.patterns import D1, D1_WIDE, LONG_RUN, RB, RB_WIDE, SEP, compile_pattern
from chatbot.privacy.scanner import Scan, digits_of, near_before


def luhn_is_valid(digits: str) -> bool:
    """Luhn (mod 10) check of an ASCII digit string."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Credit cards: 4-4-4-4(-3), 4-6-5 / 4-6-4, or 13-19 digits in one run; Luhn decides.
_CARD_SHAPES = (
    compile_pattern(D1_WIDE + r"[0-9]{3}(?:" + SEP + r"[0-9]{4}){3}(?:" + SEP + r"[0-9]{1,3})?" + RB_WIDE),
    compile_pattern(D1_WIDE + r"[0-9]{3}" + SEP + r"[0-9]{6}" + SEP + r"[0-9]{4,5}" + RB_WIDE),
    compile_pattern(D1 + r"[0-9]{12,18}" + RB),
)
CARD_CONTEXT = compile_pattern(r"(?:カード|クレジット|card|visa|master|amex|jcb|diners)", re.IGNORECASE)


def detect_cards(scan: Scan) -> None:
    if not LONG_RUN.search(scan.digits):  # every card shape is also a long run
        return
    for pattern in _CARD_SHAPES:
        found = []
        for m in pattern.finditer(scan.digits):
            digits = digits_of(m.group())
            if 13 <= len(digits) <= 19 and (
                luhn_is_valid(digits) or near_before(scan.digits, m.start(), CARD_CONTEXT, 30)
            ):
                found.append((m.start(), m.end(), "card_number"))
        scan.mark_all(found)

"""My Numbers (個人番号), with their check digit, and other long runs of digits."""

from __future__ import annotations

import re
import unicodedata

from chatbot.privacy.cards import CARD_CONTEXT, luhn_is_valid
from chatbot.privacy.patterns import LONG_RUN, compile_pattern
from chatbot.privacy.scanner import Scan, digits_of, has_hint, near_before, protected

_MY_NUMBER_WEIGHTS = tuple(n + 1 if n <= 6 else n - 5 for n in range(1, 12))  # Q1..Q11


def my_number_is_valid(digits: str) -> bool:
    """Whether ``digits`` is a 12-digit individual number whose check digit is right.

    Full-width digits and space or dash separators are accepted; anything else makes it invalid.
    The algorithm is the one in the Ministry's ordinance: P1..P11 are the first eleven digits counted
    from the right, Q_n = n + 1 for n <= 6 and n - 5 for n >= 7, and the check digit is 0 when
    sum(P_n * Q_n) % 11 <= 1, else 11 minus that remainder.
    """
    plain = unicodedata.normalize("NFKC", digits)
    plain = re.sub(r"[\s\-‐‑‒–—―−]", "", plain)
    if len(plain) != 12 or not plain.isascii() or not plain.isdigit():
        return False
    body = plain[:11]
    total = sum(int(body[10 - i]) * _MY_NUMBER_WEIGHTS[i] for i in range(11))
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(plain[11])


# My Number after an explicit keyword, in any grouping (also odd separators such as ／ or ・).
_MY_NUMBER_CONTEXT = compile_pattern(
    r"(?=[マ個mMiI])(?:マイナンバー|個人番号|my[ ]?number|individual[ ]number)[^0-9\n]{0,20}?"
    r"(?<![0-9+])([0-9](?:(?:[^\w\n]|_){0,3}[0-9]){11})(?![0-9])",
    re.IGNORECASE,
)


# Numbers that are not personal (book and article codes) in front of a long digit run.
_NOT_PERSONAL_NUMBER = compile_pattern(r"(?:ISBN|ISSN|JAN|EAN)[^0-9\n]{0,4}$", re.IGNORECASE)

_HINTS_MY_NUMBER = ("マイナンバー", "個人番号", "number")


def detect_my_number_context(scan: Scan) -> None:
    if not has_hint(scan, _HINTS_MY_NUMBER):
        return
    scan.mark_all((m.start(1), m.end(1), "my_number") for m in _MY_NUMBER_CONTEXT.finditer(scan.digits))


def detect_long_runs(scan: Scan) -> None:
    """Long digit runs (12 digits and more, any single separators).

    A run is a My Number, or a card number when it has 13-19 digits that pass the Luhn check or follow
    a card keyword.
    """
    if not LONG_RUN.search(scan.digits):
        return
    found = []
    text = protected(scan.digits)
    for m in LONG_RUN.finditer(text):
        if near_before(text, m.start(), _NOT_PERSONAL_NUMBER, 10):
            continue
        digits = digits_of(m.group())
        kind = "my_number"
        if 13 <= len(digits) <= 19 and (luhn_is_valid(digits) or near_before(text, m.start(), CARD_CONTEXT, 30)):
            kind = "card_number"
        found.append((m.start(), m.end(), kind))
    scan.mark_all(found)

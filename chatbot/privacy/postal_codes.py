"""Postal codes: after 〒, 郵便番号 or zip, or in the bare 123-4567 shape."""

from __future__ import annotations

import re

from chatbot.privacy.patterns import RB, UNITS, compile_pattern
from chatbot.privacy.scanner import Scan, has_hint, near_before

_POSTAL_CONTEXT = compile_pattern(
    r"(?=[〒郵pPzZ])(?:〒|郵便番号|postal[ ]?code|post[ ]?code|zip(?:[ ]?code)?)[^0-9\n。]{0,8}?"
    r"(?<![0-9])([0-9]{3}(?:[ ]{0,2}-[ ]{0,2}|[ ]{1,2})?[0-9]{4})(?![0-9])(?!-[0-9])",
    re.IGNORECASE,
)
_POSTAL_BARE = compile_pattern(r"[0-9](?<![0-9A-Za-z][0-9])(?<![0-9A-Za-z][-.][0-9])[0-9]{2}-[0-9]{4}" + RB + UNITS)
_PHONE_WORD = compile_pattern(r"(?:電話|TEL|FAX|ファックス|ファクス|携帯|☎|℡|連絡先)[^0-9\n。]{0,8}$", re.IGNORECASE)

_HINTS_POSTAL = ("〒", "郵便番号", "postal", "post", "zip")


def detect_postal_codes_in_context(scan: Scan) -> None:
    if not has_hint(scan, _HINTS_POSTAL):
        return
    scan.mark_all((m.start(1), m.end(1), "postal_code") for m in _POSTAL_CONTEXT.finditer(scan.digits))


def detect_bare_postal_codes(scan: Scan) -> None:
    found = []
    for m in _POSTAL_BARE.finditer(scan.digits):
        kind = "phone" if near_before(scan.digits, m.start(), _PHONE_WORD, 12) else "postal_code"
        found.append((m.start(), m.end(), kind))
    scan.mark_all(found)

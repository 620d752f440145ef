"""E-mail addresses (including ＠, [at], (at) and アットマーク spellings)."""

from __future__ import annotations

import re

from chatbot.privacy.patterns import compile_pattern
from chatbot.privacy.scanner import Scan, has_hint

# E-mail addresses (including ＠, [at], (at) and アットマーク spellings).
_EMAIL = compile_pattern(
    r"(?=[A-Za-z0-9])(?<![A-Za-z0-9._%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?"
    r"[ ]?(?:@|\[at\]|\(at\)|アットマーク)[ ]?"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:[ ]?(?:\.|\[dot\]|\(dot\))[ ]?[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+",
    re.IGNORECASE,
)


_HINTS_EMAIL = ("@", "[at]", "(at)", "アットマーク")


def detect_email(scan: Scan) -> None:
    if not has_hint(scan, _HINTS_EMAIL):
        return
    scan.mark_all((m.start(), m.end(), "email") for m in _EMAIL.finditer(scan.words))

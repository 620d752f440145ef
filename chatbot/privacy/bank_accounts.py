"""Bank account numbers, branch codes and Japan Post account symbols and numbers."""

from __future__ import annotations

import re

from chatbot.privacy.patterns import RB, UNITS, compile_pattern
from chatbot.privacy.scanner import Scan, has_hint

# Bank accounts: the number after 口座(番号) / 普通 / 当座 / 支店 ..., branch codes, Japan Post 記号/番号.
_BANK_ACCOUNT = compile_pattern(
    r"(?=[口普当貯支aA])(?:口座番号|口座|普通預金|当座預金|貯蓄預金|普通|当座|貯蓄|支店|account[ ]?(?:number|no\.?|#)"
    r"|acct\.?[ ]?(?:number|no\.?|#)?)"
    r"[^0-9\n。]{0,12}?(?<![0-9])([0-9]{7}|[0-9]{3}[- ][0-9]{4}|[0-9]{6}|[0-9]{8})" + RB + UNITS,
    re.IGNORECASE,
)
_BANK_BRANCH = compile_pattern(
    r"(?=[支店bB])(?:支店番号|支店コード|店番号|店番|branch[ ]?(?:code|no\.?|number))"
    r"[^0-9\n。]{0,6}?(?<![0-9])([0-9]{3})" + RB + UNITS,
    re.IGNORECASE,
)
_BANK_JAPAN_POST = compile_pattern(
    r"(?=[ゆ記])(?:ゆうちょ|記号)[^0-9\n。]{0,15}?(?<![0-9])([0-9]{5})(?:[^0-9\n。]{0,8}?(?<![0-9])([0-9]{6,8}))?" + RB
)


_HINTS_BANK = ("口座", "普通", "当座", "貯蓄", "支店", "店番", "ゆうちょ", "記号", "account", "acct", "branch")


def detect_bank_accounts(scan: Scan) -> None:
    if not has_hint(scan, _HINTS_BANK):
        return
    for pattern in (_BANK_BRANCH, _BANK_ACCOUNT, _BANK_JAPAN_POST):
        found = []
        for m in pattern.finditer(scan.digits):
            for group in range(1, (pattern.groups or 0) + 1):
                if m.group(group) is not None:
                    found.append((m.start(group), m.end(group), "bank_account"))
        scan.mark_all(found)

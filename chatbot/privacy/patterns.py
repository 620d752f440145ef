"""Building blocks of the detectors' regular expressions (applied to the folded text)."""

from __future__ import annotations

import re

SEP = r"(?:[ ]{0,2}[-.][ ]{0,2}|[ ]{1,2})"  # one separator inside a number
LB = r"(?<![0-9])(?<![0-9][-.])"  # not the continuation of a number
RB = r"(?![0-9])(?![-.][0-9])"
LB_WIDE = r"(?<![0-9])(?<![0-9][-. ])(?<![0-9]  )"  # ... nor of a space-separated one
# The same checks written after a first digit has been matched: a pattern that starts with a character
# class is scanned much faster by ``re`` than one that starts with a look-behind.
D1 = r"[0-9](?<![0-9]{2})(?<![0-9][-.][0-9])"
D1_WIDE = r"[0-9](?<![0-9]{2})(?<![0-9][-. ][0-9])(?<![0-9]  [0-9])"
RB_WIDE = r"(?![0-9])(?![-.][0-9])(?![ ]{1,2}[0-9])"
UNITS = (  # not a count, an amount or a range: 100-1000円, 2-3日, 1-2か月, 2024-2025年度, 5-10分, 1-2千円, 1-2限
    r"(?![円年月日時分秒人件歳才回枚個冊本部台階号番倍割%点週度名組棟坪㎡㎞㎏箇ヶ〜~千万億百限期便位着級次類種条項章節話巻問列段席面])"
    r"(?!か[月所国年])"
    r"(?![ ]?(?:ページ|kg|km|cm|mm|m(?![a-z])|g(?![a-z])|L(?![a-z])|ml|yen))"
)
KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"
KATA = r"\u30a1-\u30fa\u30fb\u30fc\uff66-\uff9f"
HIRA = r"\u3041-\u3096"
SENTENCE_END = "。！？!?\n"


def compile_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# The year of a date (dates of birth, and ordinary ISO dates protected from the number patterns).
Y4 = r"(?:1[89]|20)[0-9]{2}"

# Long digit runs (12 digits and more, any single separators).
LONG_RUN = compile_pattern(D1_WIDE + r"(?:(?:" + SEP + r")?[0-9]){11,}" + RB_WIDE)

# A capitalised word: the text may hold an English name or address.
EN_HINT = compile_pattern(r"[A-Z][a-z]")

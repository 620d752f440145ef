"""Redaction of personal information from residents' questions before they are stored or sent on.

``redact(text)`` replaces every phone number, e-mail address, My Number (個人番号), postal code,
street address with block/lot numbers, personal name with an honorific, date of birth, bank account
number and credit card number by a placeholder in full-width brackets, and reports which kinds it
found. Ordinary questions (fees, opening hours, event dates, district names, ages, counts) are left
untouched.

How it works: the text is folded, one character for one character, into two working copies in which
full-width letters, digits and symbols are ASCII, every dash variant is ``-`` and every space is
`` ``; the second copy also turns the kanji digits 〇一二…九 into ASCII digits. Because the folding
never changes the length, a match found in a working copy is a span of the original text. The
detectors run from the most specific to the most general; each one masks what it found, so a later,
looser pattern cannot see (or split) digits that were already recognised.

Design decisions:

* Any run of 12 digits (in any grouping) is redacted as ``my_number`` whether or not its check digit
  is valid: a My Number with one mistyped digit still discloses the other eleven. Longer unexplained
  digit runs (13 digits and more) are redacted too, as ``card_number`` when they are 13-19 digits and
  pass the Luhn check or follow a card keyword, else as ``my_number``.
* 10- and 11-digit numbers are phone numbers only when they start with 0 (or +81); 7-digit numbers
  are postal codes or account numbers only with a ``〒``/``郵便番号``/account context, or in the
  unambiguous ``123-4567`` shape when no unit (円, 人, 年 ...) follows.
* A date is a date of birth only next to a birth keyword (生年月日, 誕生日, 生まれ, born ...) and only
  with year, month and day; cohort phrases such as 「昭和41年4月2日以降に生まれた方」 are kept.
* An address is redacted only when a block or lot number follows the district name
  (本町1丁目2番3号, 本町1-2-3, 123番地); 「本町1丁目」 on its own is kept.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["KINDS", "PLACEHOLDERS", "Redaction", "luhn_is_valid", "my_number_is_valid", "redact"]

PLACEHOLDERS: dict[str, str] = {
    "phone": "［電話番号］",
    "email": "［メール］",
    "my_number": "［個人番号］",
    "postal_code": "［郵便番号］",
    "address": "［住所］",
    "name": "［氏名］",
    "birth_date": "［生年月日］",
    "bank_account": "［口座番号］",
    "card_number": "［カード番号］",
}
KINDS: tuple[str, ...] = tuple(PLACEHOLDERS)


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: tuple[str, ...]


# --------------------------------------------------------------------------------------------------
# Check digits
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Folding (always one character for one character)
# --------------------------------------------------------------------------------------------------

_MASK = "\x1a"  # stands in for text already recognised: not a digit, letter, separator or kana
_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_DASHES = "\u00ad\u02d7\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2796\ufe58\ufe63\uff0d"
_KANJI_DIGITS = "〇一二三四五六七八九"


# Decimal digits of every script (full-width, Arabic-Indic, Devanagari, mathematical bold ...).
_OTHER_DIGITS = {cp: str(unicodedata.decimal(chr(cp))) for cp in range(0x80, 0x1FC00) if chr(cp).isdecimal()}


def _char_class(code_points: Iterable[int]) -> str:
    """A regular-expression character class of the code points, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


_FOLD_TABLE = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_FOLD_TABLE.update({ord(c): " " for c in _SPACES + _INVISIBLE})
_FOLD_TABLE.update({ord(c): "-" for c in _DASHES})
_FOLD_TABLE.update(_OTHER_DIGITS)
# Only the runs of characters that change are translated (``str.translate`` over a whole Japanese text
# costs more than finding the few full-width characters in it).
# Astral characters make a character class much slower, so they get a second class that is only used
# for a text that has some (emoji, mathematical digits ...).
_TO_FOLD = re.compile(_char_class(cp for cp in _FOLD_TABLE if cp <= 0xFFFF) + "+")
_TO_FOLD_ASTRAL = re.compile(_char_class(cp for cp in _FOLD_TABLE if cp > 0xFFFF) + "+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_KANJI_DIGIT_TABLE = {ord(c): str(i) for i, c in enumerate(_KANJI_DIGITS)}
_KANJI_DIGIT = re.compile(f"[{_KANJI_DIGITS}]+")
# The katakana prolonged sound mark is a dash next to a digit (090ー1234ー5678), not after katakana.
_CHOONPU = re.compile(r"[ーｰ](?:(?<=[0-9].)|(?<=[0-9] .)|(?<![\u30a1-\u30fa\u30fc\uff66-\uff9f].)(?= ?[0-9]))")


def _fold_runs(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD_TABLE)


def _kanji_digit_runs(match: re.Match[str]) -> str:
    return match.group().translate(_KANJI_DIGIT_TABLE)


# A middle dot between digits separates the parts of a number: 03・4567・8901.
_DIGIT_DOT = re.compile(r"(?<=[0-9])[・･](?=[0-9])")


def _choonpu(text: str) -> str:
    if "ー" in text or "ｰ" in text:
        text = _CHOONPU.sub("-", text)
    if "・" in text or "･" in text:
        text = _DIGIT_DOT.sub("-", text)
    return text


def _fold(text: str) -> tuple[str, str]:
    """The text for words (full-width, dashes and spaces folded) and for numbers (kanji digits too)."""
    base = _TO_FOLD.sub(_fold_runs, text)
    if _ASTRAL.search(base):
        base = _TO_FOLD_ASTRAL.sub(_fold_runs, base)
    words = _choonpu(base)
    if _KANJI_DIGIT.search(base):
        return words, _choonpu(_KANJI_DIGIT.sub(_kanji_digit_runs, base))
    return words, words


# --------------------------------------------------------------------------------------------------
# Building blocks of the patterns (applied to the folded text)
# --------------------------------------------------------------------------------------------------

_SEP = r"(?:[ ]{0,2}[-.][ ]{0,2}|[ ]{1,2})"  # one separator inside a number
_LB = r"(?<![0-9])(?<![0-9][-.])"  # not the continuation of a number
_RB = r"(?![0-9])(?![-.][0-9])"
_LB_WIDE = r"(?<![0-9])(?<![0-9][-. ])(?<![0-9]  )"  # ... nor of a space-separated one
# The same checks written after a first digit has been matched: a pattern that starts with a character
# class is scanned much faster by ``re`` than one that starts with a look-behind.
_D1 = r"[0-9](?<![0-9]{2})(?<![0-9][-.][0-9])"
_D1_WIDE = r"[0-9](?<![0-9]{2})(?<![0-9][-. ][0-9])(?<![0-9]  [0-9])"
_RB_WIDE = r"(?![0-9])(?![-.][0-9])(?![ ]{1,2}[0-9])"
_UNITS = (  # not a count, an amount or a range: 100-1000円, 2-3日, 1-2か月, 2024-2025年度, 5-10分
    r"(?![円年月日時分秒人件歳才回枚個冊本部台階号番倍割%点週度名組棟坪㎡㎞㎏箇ヶ〜~])(?!か[月所国年])"
    r"(?![ ]?(?:ページ|kg|km|cm|mm|m(?![a-z])|g(?![a-z])|L(?![a-z])|ml|yen))"
)
_KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"
_KATA = r"\u30a1-\u30fa\u30fb\u30fc\uff66-\uff9f"
_HIRA = r"\u3041-\u3096"
_SENTENCE_END = "。！？!?\n"


def _compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# E-mail addresses (including ＠, [at], (at) and アットマーク spellings).
_EMAIL = _compile(
    r"(?=[A-Za-z0-9])(?<![A-Za-z0-9._%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?"
    r"[ ]?(?:@|\[at\]|\(at\)|アットマーク)[ ]?"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:[ ]?(?:\.|\[dot\]|\(dot\))[ ]?[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+",
    re.IGNORECASE,
)

# My Number after an explicit keyword, in any grouping (also odd separators such as ／ or ・).
_MY_NUMBER_CONTEXT = _compile(
    r"(?=[マ個mMiI])(?:マイナンバー|個人番号|my[ ]?number|individual[ ]number)[^0-9\n]{0,20}?"
    r"(?<![0-9+])([0-9](?:(?:[^\w\n]|_){0,3}[0-9]){11})(?![0-9])",
    re.IGNORECASE,
)

# Credit cards: 4-4-4-4(-3), 4-6-5 / 4-6-4, or 13-19 digits in one run; Luhn decides.
_CARD_SHAPES = (
    _compile(_D1_WIDE + r"[0-9]{3}(?:" + _SEP + r"[0-9]{4}){3}(?:" + _SEP + r"[0-9]{1,3})?" + _RB_WIDE),
    _compile(_D1_WIDE + r"[0-9]{3}" + _SEP + r"[0-9]{6}" + _SEP + r"[0-9]{4,5}" + _RB_WIDE),
    _compile(_D1 + r"[0-9]{12,18}" + _RB),
)
_NOT_PERSONAL_NUMBER = _compile(r"(?:ISBN|ISSN|JAN|EAN)[^0-9\n]{0,4}$", re.IGNORECASE)
_CARD_CONTEXT = _compile(r"(?:カード|クレジット|card|visa|master|amex|jcb|diners)", re.IGNORECASE)

# Bank accounts: the number after 口座(番号) / 普通 / 当座 / 支店 ..., branch codes, Japan Post 記号/番号.
_BANK_ACCOUNT = _compile(
    r"(?=[口普当貯支aA])(?:口座番号|口座|普通預金|当座預金|貯蓄預金|普通|当座|貯蓄|支店|account[ ]?(?:number|no\.?|#)"
    r"|acct\.?[ ]?(?:number|no\.?|#)?)"
    r"[^0-9\n。]{0,12}?(?<![0-9])([0-9]{7}|[0-9]{3}[- ][0-9]{4}|[0-9]{6}|[0-9]{8})" + _RB + _UNITS,
    re.IGNORECASE,
)
_BANK_BRANCH = _compile(
    r"(?=[支店bB])(?:支店番号|支店コード|店番号|店番|branch[ ]?(?:code|no\.?|number))"
    r"[^0-9\n。]{0,6}?(?<![0-9])([0-9]{3})" + _RB + _UNITS,
    re.IGNORECASE,
)
_BANK_JAPAN_POST = _compile(
    r"(?=[ゆ記])(?:ゆうちょ|記号)[^0-9\n。]{0,15}?(?<![0-9])([0-9]{5})(?:[^0-9\n。]{0,8}?(?<![0-9])([0-9]{6,8}))?" + _RB
)

# Dates (used for dates of birth, and to protect ordinary ISO dates from the number patterns).
_Y4 = r"(?:1[89]|20)[0-9]{2}"
_ERA = r"(?:明治|大正|昭和|平成|令和|[MTSHRmtshr]\.?)"
_KNUM = r"[0-9十]{1,3}"
_MONTHS = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = _compile(
    r"(?=[0-9明大昭平令]|[MTSHRmtshr]\.?[ ]?[0-9]|[A-Za-z]{3})(?<![0-9A-Za-z])(?:"
    rf"(?:{_Y4}|{_ERA}[ ]?(?:{_KNUM}|元))[ ]?年[ ]?{_KNUM}[ ]?月[ ]?{_KNUM}[ ]?日"
    rf"|(?:{_Y4}|{_ERA}[ ]?[0-9]{{1,2}})[ ]?(?P<s1>[-/.])[ ]?[0-9]{{1,2}}[ ]?(?P=s1)[ ]?[0-9]{{1,2}}"
    rf"|[0-9]{{1,2}}(?P<s2>[-/.])[0-9]{{1,2}}(?P=s2){_Y4}"
    rf"|{_Y4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    rf"|{_MONTHS}[ ]+[0-9]{{1,2}}(?:st|nd|rd|th)?,?[ ]+{_Y4}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?[ ]+(?:of[ ]+)?{_MONTHS},?[ ]+{_Y4}"
    r")(?![0-9])"
)
_BIRTH_BEFORE = _compile(
    r"(?:生年月日|誕生日|生まれ|出生(?!届)|誕生|date[ ]of[ ]birth|birth[ ]?date|birthday|born(?:[ ]on)?|d\.?o\.?b\.?)"
    r"[^" + _SENTENCE_END + r"]{0,15}$",
    re.IGNORECASE,
)
_BIRTH_AFTER = _compile(
    r"^[ ]?(?:(?:に|で|の)?[ ]?(?:生まれ(?!の(?:人|方|かた|世代|皆))|うまれ|誕生(?!日会)|出生(?!届))"
    r"|生(?!まれ|[活産徒涯命物協存前鮮]))"
)
_BIRTH_AFTER_WORD = _compile(r"生|うまれ|誕生|出生")
_BIRTH_BEFORE_WORD = _compile(r"生年月日|誕生日|生まれ|出生|誕生")
_BIRTH_BEFORE_WORD_EN = _compile(r"date[ ]of[ ]birth|birth[ ]?date|birthday|born|d\.?o\.?b", re.IGNORECASE)
_RANGE_BEFORE = _compile(r"(?:[～〜~-]|から|より)[ ]?$")
# A dash after a date starts a range only when another date follows ("1990/11/02 - how do I" is a birth date).
_NOT_A_BIRTH = _compile(
    r"^[ ]?(?:以前|以降|以後|より|から|まで|迄|頃|ごろ|前後"
    r"|[-~〜～](?=[ ]?(?:[0-9明大昭平令]|[MTSHRmtshr]\.?[ ]?[0-9])))"
)
_ORDINARY_DATE_TIME = _compile(
    r"(?=[0-9])(?<![0-9])(?:"
    rf"{_Y4}(?P<s>[-/.])[0-9]{{1,2}}(?P=s)[0-9]{{1,2}}"  # 2026-04-01, 2026/4/1
    r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"  # 8:30, 17:15:00
    r")(?![0-9])"
)

# Postal codes.
_POSTAL_CONTEXT = _compile(
    r"(?=[〒郵pPzZ])(?:〒|郵便番号|postal[ ]?code|post[ ]?code|zip(?:[ ]?code)?)[^0-9\n。]{0,8}?"
    r"(?<![0-9])([0-9]{3}(?:[ ]{0,2}-[ ]{0,2}|[ ]{1,2})?[0-9]{4})(?![0-9])(?!-[0-9])",
    re.IGNORECASE,
)
_POSTAL_BARE = _compile(r"[0-9](?<![0-9A-Za-z][0-9])(?<![0-9A-Za-z][-.][0-9])[0-9]{2}-[0-9]{4}" + _RB + _UNITS)
_PHONE_WORD = _compile(r"(?:電話|TEL|FAX|ファックス|ファクス|携帯|☎|℡|連絡先)[^0-9\n。]{0,8}$", re.IGNORECASE)
_PHONE_LOCAL = _compile(
    r"(?=[電tTfFフ携☎℡])(?:電話|TEL|FAX|ファックス|ファクス|携帯|☎|℡)"
    r"[^0-9\n。]{0,8}?(?<![0-9])([0-9]{2,4}-[0-9]{4})" + _RB + _UNITS,
    re.IGNORECASE,
)

# Phone numbers.
_PHONE_DOMESTIC = _compile(
    r"(?=[(0])" + _LB + r"(?:\(0[0-9]{1,4}\)(?:" + _SEP + r")?|0[0-9]{1,4}(?:" + _SEP + r"|[ ]?\([ ]?)?)"
    r"[0-9]{1,4}(?:[ ]?\)[ ]?|" + _SEP + r")?[0-9]{3,4}" + _RB
)
_PHONE_INTERNATIONAL = _compile(
    r"(?<![0-9+])(?:\+|00[ ]?)81\)?[ ]{0,2}[-.]?[ ]{0,2}(?:\(0\)[ ]{0,2}[-.]?[ ]{0,2})?"
    r"\(?[1-9][0-9]{0,3}\)?(?:" + _SEP + r")?[0-9]{1,4}(?:" + _SEP + r")?[0-9]{3,4}" + _RB
)

# Long digit runs (12 digits and more, any single separators).
_LONG_RUN = _compile(_D1_WIDE + r"(?:(?:" + _SEP + r")?[0-9]){11,}" + _RB_WIDE)

# Addresses.
_NUM = r"[0-9]{1,4}"
_ROOM = r"(?:[ ]?(?:[ァ-ヶー" + _KANJI + r"A-Za-z]{1,15}[ ]?)?[0-9]{1,4}号室)?"
_ADDRESS_BLOCKS = _compile(
    r"[0-9](?<![0-9]{2})[0-9]{0,3}(?:"
    # 1丁目2番3号, 1丁目2番地3, 1丁目2-3, 1丁目2番
    rf"丁目[ ]?{_NUM}(?:番地?(?!目)(?:[ ]?の(?=[ ]?[0-9]))?|-|の(?=[ ]?[0-9]))[ ]?(?:{_NUM}(?:号|番地?)?)?(?:-{_NUM})?"
    # 123番地, 123番地の4, 123番地4
    rf"|番地(?:[ ]?の?[ ]?{_NUM}(?:号)?)?(?:-{_NUM})?"
    # 2番3号
    rf"|番[ ]?{_NUM}号(?![車機線])"
    r")" + _ROOM + r"(?![0-9])"
)
_NUM_NOT_0 = r"[1-9](?<![0-9A-Za-z][1-9])(?<![0-9][-.][1-9])[0-9]{0,3}"
_ADDRESS_HYPHEN3 = _compile(_NUM_NOT_0 + r"-" + _NUM + r"-" + _NUM + r"(?:-" + _NUM + r")?" + _ROOM + _RB + _UNITS)
_ADDRESS_HYPHEN2 = _compile(_NUM_NOT_0 + r"-" + _NUM + _RB + _UNITS)
_ADDRESS_EN = _compile(
    r"[0-9](?<![0-9A-Za-z-][0-9])[0-9]{0,3}-[0-9]{1,4}(?:-[0-9]{1,4})?"
    r",?[ ]+[A-Z][a-z]+(?:-(?:cho|machi|chome|ku|shi|mura))?"
    r"(?:,?[ ]+[A-Z][a-z]+-(?:ku|shi|cho|machi|mura|gun|ken|to|fu))*"
)
_ADDRESS_WORD = _compile(r"(?:住所|在住|住んで|住まい|所在地|自宅|実家|転居先|転入先|引越し?先|本籍|address)", re.I)
_ADDRESS_LEAD = _compile(
    r"^.*(?:現住所|住所|所在地|本籍地|本籍|自宅|実家|宛先|送付先|送り先|届け先|転居先|転入先|引越先|在住)"
)
_NOT_A_PLACE_END = (
    "第",
    "約",
    "計",
    "各",
    "全",
    "毎",
    "同",
    "問",
    "例",
    "図",
    "表",
    "章",
    "節",
    "項",
    "条",
    "号",
    "版",
    "巻",
    "号館",
    "問題",
    "資料",
    "別表",
    "別紙",
    "様式",
    "番号",
    "令和",
    "平成",
    "昭和",
    "大正",
    "明治",
    "期間",
    "期限",
    "ページ",
)
_PLACE_SUFFIXES = "町村区市丁条通台丘目郡"
_GA_FOLLOWERS = "丘関谷崎浜原森岡島瀬台坂峰沢池窪洞山"

# Names.
_K = f"[{_KANJI}]"
_T = f"[{_KATA}]"
_H = f"[{_HIRA}]"
_HIRA_PARTICLE_START = "のがはをにでへもやおよねだ"
_NAME_BODY = (
    rf"(?:{_K}{{1,6}}|{_T}{{2,12}})"
    rf"(?:[ ]?(?:{_K}{{1,6}}|{_T}{{2,12}}|(?![{_HIRA_PARTICLE_START}]){_H}{{2,4}}))?"
)
# Honorifics, then the name that ends right before one (searched in a short window, which is much
# faster than trying a name pattern at every kanji of the text).
_HONORIFIC = _compile(
    rf"様(?!(?![方宛])[{_KANJI}])|さま(?!ざ)|さん|殿(?!(?![方宛])[{_KANJI}])|くん|君(?!(?![方宛])[{_KANJI}])|ちゃん(?!と)"
)
_NAME_BEFORE_HONORIFIC = _compile(rf"(?<![{_KANJI}{_KATA}])(?P<name>{_NAME_BODY})[ ]?\Z")
_HIRAGANA_NAME_BEFORE_HONORIFIC = _compile(
    rf"(?<![{_HIRA}])(?P<name>(?![のがはをにでへ]){_H}{{2,5}}[ ](?![のがはをにでへ]){_H}{{2,5}})[ ]?\Z"
)
_NAME_WINDOW = 28
_NAME_SELF = _compile(rf"(?<![{_KANJI}{_KATA}])(?P<name>{_NAME_BODY})[ ]?\Z")
_SELF_INTRODUCTION = _compile(r"と申し")
_NAME_FIELD = _compile(
    r"(?=[氏お名申届契フ])(?:氏名|お名前|名前|名義人?|申請者名|届出人|契約者名|フリガナ)[ ]?(?:は|が|:|=)?[ ]?"
    rf"(?P<name>{_NAME_BODY})"
    # ... then です, と, で, a comma or full stop, or the next field
    r"(?=[ ]?(?:です|でございます|と申し|と|で(?![すき])|、|。|,|\.|\n|$|[(])|[ ]+[^\s:]{1,10}[:=])"
)
_NAME_EN_TITLE = _compile(
    r"[MD](?<![A-Za-z][MD])(?:(?<=M)(?:rs?|s|iss|x)|(?<=D)r)\.?[ ]+(?P<name>[A-Z][a-z]+(?:[ ]+[A-Z][a-z]+)?)"
)
_NAME_EN_INTRO = _compile(r"(?i:(?:my name is|name:))[ ]*(?P<name>[A-Z][a-z]+(?:[ ]+[A-Z][a-z]+){0,2})")
_NAME_EN_SUFFIX = _compile(
    r"[A-Z](?<![A-Za-z][A-Z])(?P<rest>[a-z]+(?:[ ][A-Z][a-z]+)?)-(?:san|sama|kun|chan|dono)(?![A-Za-z])"
)
_EN_HINT = _compile(r"[A-Z][a-z]")
_EN_NOT_NAMES = frozenset(
    {
        "A",
        "I",
        "The",
        "This",
        "That",
        "It",
        "Japanese",
        "English",
        "Chinese",
        "Korean",
        "Vietnamese",
        "Not",
        "Very",
        "Moving",
        "Living",
        "Looking",
        "Calling",
        "Writing",
        "Asking",
        "Here",
        "New",
        "Going",
        "Trying",
        "Sorry",
        "Retired",
        "Pregnant",
        "Disabled",
        "Unemployed",
        "Self",
        "Over",
        "Under",
    }
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Words that take さん/様/ちゃん without being names. Whole-word stops apply to the full run only;
# suffix stops apply to any run ending with them.
_NAME_EXACT_STOPS = frozenset(
    _words(
        "子 人 生 私 僕 俺 彼 貴 諸 同 当 上 男 女 赤 若 旦 先 我 某 各 全 他 此 其 一 本 宮 神 仏 王 姫 坊 僧 "
        "皆 母 父 兄 姉 弟 妹 客 奥 嫁 婿 孫 娘 爺 婆 隣 親 友 主 方 医 殿 君 様 "
        "大人 本人 主人 新人 友人 知人 住人 他人 個人 恋人 隣人 老人 婦人 夫人 職人 商人 芸人 役人 仲人 番人 故人 "
        "弥生 学生 先生 皆様 奥様 神様 仏様 殿様 王様 旦那 亭主 女将 大将 若旦那 彼女 彼氏 貴方 "
        "子供 息子 双子 養子 里子 王子 女子 男子 親子 母子 父子 末子 長男 長女 次男 次女 三男 三女"
    )
)
_NAME_SUFFIX_STOPS = (
    *_words("者 員 師 長 課 係 局 署 店 社 園 校 院 会 所 庁 官 族 民 婦 皆 母 父 兄 姉 娘 嫁 婿 孫 爺 婆"),
    *_words("奥 隣 親 主 友 業 医 工 手 役 将 方 様 殿 君 御 坊 僧 神 仏 姫 王"),
    *_words(
        "大家 家主 管理人 住人 主人 外国人 日本人 法人 団体 施設 組合 銀行 警察 消防 宅配 配達 近所 両親 "
        "担当 担任 窓口 受付 事務 役場 学生 先生 大工 八百屋 魚屋 本屋 花屋 床屋 酒屋 肉屋 米屋 薬屋 豆腐屋 "
        "電気屋 不動産屋 郵便屋 植木屋 便利屋 寿司屋 蕎麦屋 質屋 問屋 呉服屋 新聞屋 牛乳屋 布団屋 時計屋 "
        "眼鏡屋 靴屋 鍵屋 パン屋 猫 犬 通訳 "
        "車 店舗 企業 子供 息子 赤子 双子 里子 養子 王子 女子 男子 親子 保育士 介護士 "
        "弁護士 税理士 書士 労士 消防士 栄養士 看護士 療法士 福祉士 建築士 技士 会計士 運転士 飼育士 救命士 調理士 "
        "博士 委員 議員 民生委員 児童委員 保健師 看護師 薬剤師 医師 教師 技師 美容師 理容師 整体師 漁師 庭師 "
        "験生 入生 年生 学生 修生 習生 業生 校生 級生 宿生 塾生 家 協 職 和尚 駐在 番 組 団 隊 局 班 室 部"
    ),
    *_words(
        "ヘルパー ケアマネ ケアマネジャー ケアマネージャー ママ パパ スタッフ ドライバー オーナー ボランティア "
        "サンタ マネージャー マネジャー ガイド コーチ トレーナー カウンセラー ナース シッター ホスト ゲスト "
        "ユーザー メンバー カスタマー クライアント ワン ワンコ ネコ ニャン ウサギ ペット クマ パン サポーター "
        "コンシェルジュ センター ショップ ストア スーパー コンビニ クリニック ホーム ハウス マンション アパート "
        "チーム グループ クラブ ファン オペレーター プランナー デザイナー エンジニア リーダー パートナー ベビー "
        "キッズ ドクター ワーカー ケースワーカー アルバイト パート ママ友 ハム ゴミ ごみ メーカー ベンダー "
        "ディーラー ブローカー オフィサー カメラマン ガードマン セールスマン ポリス パトロール ショップ"
    ),
)
# A field's value that ends like a verb or adjective is not a name: 「氏名は書かないと」.
_VERB_ENDINGS = _words("ない なく たい ます ません する した して れる せる かる ける")
_NAME_SAMA_STOPS = _words("同 模 仕 多 異 有 紋 文 図 左 斯 一 今")
_NAME_DONO_STOPS = _words("宮 神 沈 湯 拝 本 社 寝 仏 御 貴 殿")
_NAME_HIRA_STOPS = ("みな", "みんな", "ども", "たち", "おば", "おじ", "ばあ", "じい", "かあ", "とう", "にい", "ねえ")
_NAME_FIELD_STOPS = frozenset(
    _words(
        "必須 必要 不要 任意 本名 旧姓 通称 何 記入 自署 署名 漢字 変更 同じ 未定 不明 同一 別 一緒 正式 英字 英語 "
        "全角 半角 省略 可能 大丈夫 公開 非公開 誰 本人 代理人 家族 世帯主 会社 法人 カタカナ ローマ字 ひらがな "
        "フリガナ アルファベット 旧字 外字 通名 記載 手書き 印字 登録 表示 確認 フルネーム ニックネーム イニシャル"
    )
)


# --------------------------------------------------------------------------------------------------
# The scanner
# --------------------------------------------------------------------------------------------------


def _is_kanji(char: str) -> bool:
    return (
        "\u3400" <= char <= "\u4dbf" or "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char in "々〆"
    )


def _is_place_char(char: str) -> bool:
    return _is_kanji(char) or "\u30a1" <= char <= "\u30fa" or char in "ーヵヶノ"


class _Scan:
    """The two folded copies of a text and the spans recognised so far."""

    __slots__ = ("digit_count", "digits", "lower", "spans", "words")

    def __init__(self, text: str) -> None:
        self.words, self.digits = _fold(text)
        self.spans: list[tuple[int, int, str]] = []
        self.digit_count = sum(map(self.digits.count, "0123456789"))
        self.lower = self.words.lower()  # for keyword hints only (not kept in step with the masks)
        for placeholder in PLACEHOLDERS.values():
            start = text.find(placeholder)
            while start != -1:
                self._mask(start, start + len(placeholder))
                start = text.find(placeholder, start + len(placeholder))

    def _mask(self, start: int, end: int) -> None:
        fill = _MASK * (end - start)
        self.words = self.words[:start] + fill + self.words[end:]
        self.digits = self.digits[:start] + fill + self.digits[end:]

    def mark(self, start: int, end: int, kind: str) -> None:
        while start < end and self.words[start] == " ":
            start += 1
        while end > start and self.words[end - 1] == " ":
            end -= 1
        if start < end:
            self.spans.append((start, end, kind))
            self._mask(start, end)

    def mark_all(self, spans: Iterable[tuple[int, int, str]]) -> None:
        for start, end, kind in list(spans):
            self.mark(start, end, kind)


_NOT_DIGIT = re.compile(r"[^0-9]+")


def _digits_of(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def _phone_is_plausible(match: str) -> bool:
    digits = _digits_of(match)
    if len(digits) == 10:
        return digits[0] == "0" and digits[1] != "0"
    if len(digits) == 11:
        return bool(re.match(r"0[2-9]0|0800", digits))
    return False


def _international_is_plausible(match: str) -> bool:
    digits = _digits_of(match.replace("(0)", ""))
    national = digits[4:] if digits.startswith("0081") else digits[2:]
    if national.startswith("0"):
        national = national[1:]
    return 9 <= len(national) <= 10


# Keywords without which a context pattern cannot match (checked with ``in``, which is much faster
# than letting the pattern scan the text). English keywords are looked up in the lower-cased text.
_HINTS_MY_NUMBER = ("マイナンバー", "個人番号", "number")
_HINTS_BANK = ("口座", "普通", "当座", "貯蓄", "支店", "店番", "ゆうちょ", "記号", "account", "acct", "branch")
_HINTS_POSTAL = ("〒", "郵便番号", "postal", "post", "zip")
_HINTS_PHONE = ("電話", "tel", "fax", "ファックス", "ファクス", "携帯", "☎", "℡")
_HINTS_BIRTH = ("生", "うまれ", "誕", "birth", "born", "dob", "d.o.b")
_HINTS_EMAIL = ("@", "[at]", "(at)", "アットマーク")


def _has_hint(scan: _Scan, hints: tuple[str, ...]) -> bool:
    text = scan.lower
    return any(hint in text for hint in hints)


def _near_before(text: str, start: int, pattern: re.Pattern[str], window: int) -> bool:
    return pattern.search(text[max(0, start - window) : start]) is not None


def _detect_email(scan: _Scan) -> None:
    if not _has_hint(scan, _HINTS_EMAIL):
        return
    scan.mark_all((m.start(), m.end(), "email") for m in _EMAIL.finditer(scan.words))


def _detect_my_number_context(scan: _Scan) -> None:
    if not _has_hint(scan, _HINTS_MY_NUMBER):
        return
    scan.mark_all((m.start(1), m.end(1), "my_number") for m in _MY_NUMBER_CONTEXT.finditer(scan.digits))


def _detect_cards(scan: _Scan) -> None:
    if not _LONG_RUN.search(scan.digits):  # every card shape is also a long run
        return
    for pattern in _CARD_SHAPES:
        found = []
        for m in pattern.finditer(scan.digits):
            digits = _digits_of(m.group())
            if 13 <= len(digits) <= 19 and (
                luhn_is_valid(digits) or _near_before(scan.digits, m.start(), _CARD_CONTEXT, 30)
            ):
                found.append((m.start(), m.end(), "card_number"))
        scan.mark_all(found)


def _detect_bank_accounts(scan: _Scan) -> None:
    if not _has_hint(scan, _HINTS_BANK):
        return
    for pattern in (_BANK_BRANCH, _BANK_ACCOUNT, _BANK_JAPAN_POST):
        found = []
        for m in pattern.finditer(scan.digits):
            for group in range(1, (pattern.groups or 0) + 1):
                if m.group(group) is not None:
                    found.append((m.start(group), m.end(group), "bank_account"))
        scan.mark_all(found)


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


def _detect_birth_dates(scan: _Scan) -> None:
    text = scan.digits
    if not _has_hint(scan, _HINTS_BIRTH):
        return
    found = []
    english = any(hint in scan.lower for hint in ("birth", "born", "dob", "d.o.b"))
    for m in _birth_date_candidates(text, english):
        after = text[m.end() : m.end() + 8]
        if _NOT_A_BIRTH.match(after):
            continue
        if _RANGE_BEFORE.search(text[max(0, m.start() - 3) : m.start()]):
            continue
        if _BIRTH_AFTER.match(after) or _near_before(text, m.start(), _BIRTH_BEFORE, 30):
            found.append((m.start(), m.end(), "birth_date"))
    scan.mark_all(found)


def _detect_postal_codes_in_context(scan: _Scan) -> None:
    if not _has_hint(scan, _HINTS_POSTAL):
        return
    scan.mark_all((m.start(1), m.end(1), "postal_code") for m in _POSTAL_CONTEXT.finditer(scan.digits))


def _detect_international_phones(scan: _Scan) -> None:
    if "81" in scan.digits:
        scan.mark_all(
            (m.start(), m.end(), "phone")
            for m in _PHONE_INTERNATIONAL.finditer(scan.digits)
            if _international_is_plausible(m.group())
        )


def _detect_phones(scan: _Scan) -> None:
    scan.mark_all(
        (m.start(), m.end(), "phone") for m in _PHONE_DOMESTIC.finditer(scan.digits) if _phone_is_plausible(m.group())
    )
    if _has_hint(scan, _HINTS_PHONE):
        scan.mark_all((m.start(1), m.end(1), "phone") for m in _PHONE_LOCAL.finditer(scan.digits))


def _protected(text: str) -> str:
    """The text with ordinary ISO dates and clock times masked, for the looser patterns."""
    return _ORDINARY_DATE_TIME.sub(lambda m: _MASK * len(m.group()), text)


def _detect_long_runs(scan: _Scan) -> None:
    if not _LONG_RUN.search(scan.digits):
        return
    found = []
    text = _protected(scan.digits)
    for m in _LONG_RUN.finditer(text):
        if _near_before(text, m.start(), _NOT_PERSONAL_NUMBER, 10):
            continue
        digits = _digits_of(m.group())
        kind = "my_number"
        if 13 <= len(digits) <= 19 and (luhn_is_valid(digits) or _near_before(text, m.start(), _CARD_CONTEXT, 30)):
            kind = "card_number"
        found.append((m.start(), m.end(), kind))
    scan.mark_all(found)


def _detect_bare_postal_codes(scan: _Scan) -> None:
    found = []
    for m in _POSTAL_BARE.finditer(scan.digits):
        kind = "phone" if _near_before(scan.digits, m.start(), _PHONE_WORD, 12) else "postal_code"
        found.append((m.start(), m.end(), kind))
    scan.mark_all(found)


def _place_start(words: str, digits: str, start: int) -> int:
    """Where the district name in front of a block number begins (``start`` if there is none)."""
    i = start
    if i > 0 and words[i - 1] == " " and i > 1 and _is_place_char(words[i - 2]):
        i -= 1
    limit = max(0, start - 30)
    while i > limit:
        char = words[i - 1]
        if _is_place_char(char):
            i -= 1
        elif "0" <= digits[i - 1] <= "9" and i < start and words[i] in "条線" and i - 1 > limit:
            i -= 1
            while i > limit and "0" <= digits[i - 1] <= "9":
                i -= 1
        elif (char in "がケ" and i < start and words[i] in _GA_FOLLOWERS and i >= 2 and _is_kanji(words[i - 2])) or (
            char == " " and i >= 2 and words[i - 2] in "都道府県市区町村郡"
        ):
            i -= 1
        elif char == "の" and i >= 2 and _is_kanji(words[i - 2]) and i < start and _is_place_char(words[i]):
            i -= 1  # 丸の内
        elif "\u3041" <= char <= "\u3096":
            # A district name in hiragana right after the city or ward: 横浜市西区みなとみらい
            j = i - 1
            while j > limit and "\u3041" <= words[j - 1] <= "\u3096":
                j -= 1
            if j > 0 and words[j - 1] in "都道府県市区町村郡":
                i = j
            else:
                break
        else:
            break
    prefix = words[i:start]
    lead = _ADDRESS_LEAD.match(prefix)
    if lead:
        i += lead.end()
    while i < start and words[i] == " ":
        i += 1
    return i


def _place_is_plausible(place: str) -> bool:
    place = place.strip()
    if not place or place.endswith(_NOT_A_PLACE_END):
        return False
    return len(place) >= 2 or place[-1] in _PLACE_SUFFIXES


def _detect_addresses(scan: _Scan) -> None:
    if "丁目" in scan.digits or "番" in scan.digits:
        found = [
            (_place_start(scan.words, scan.digits, m.start()), m.end(), "address")
            for m in _ADDRESS_BLOCKS.finditer(scan.digits)
        ]
        scan.mark_all(found)
    if "-" not in scan.digits:
        return
    text = _protected(scan.digits)
    found = []
    for m in _ADDRESS_HYPHEN3.finditer(text):
        begin = _place_start(scan.words, scan.digits, m.start())
        if _place_is_plausible(scan.words[begin : m.start()]):
            found.append((begin, m.end(), "address"))
    if _EN_HINT.search(text):
        found.extend((m.start(), m.end(), "address") for m in _ADDRESS_EN.finditer(text))
    scan.mark_all(found)
    for start, end, _ in found:
        text = text[:start] + _MASK * (end - start) + text[end:]
    found = []
    for m in _ADDRESS_HYPHEN2.finditer(text):
        begin = _place_start(scan.words, scan.digits, m.start())
        place = scan.words[begin : m.start()].strip()
        if not _place_is_plausible(place):
            continue
        if place[-1] in "町村丁目" or _near_before(scan.words, begin, _ADDRESS_WORD, 20):
            found.append((begin, m.end(), "address"))
    scan.mark_all(found)


_KANA_CHAR = re.compile(f"[{_HIRA}{_KATA}]")


def _name_is_plausible(name: str, honorific: str, before: str) -> bool:
    core = unicodedata.normalize("NFKC", name.replace(" ", ""))
    name = unicodedata.normalize("NFKC", name)
    if not core or (before != "" and before in "おご御") or core[0] == "御":
        return False
    if core in _NAME_EXACT_STOPS or core.endswith(_NAME_SUFFIX_STOPS):
        return False
    # A shop: 「ラーメン屋さん」, 「うどん屋さん」 (the name found is 屋 alone). Surnames ending in 屋
    # (土屋, 守屋) are written in kanji only.
    if core == "屋" or (core.endswith("屋") and _KANA_CHAR.search(core[:-1])):
        return False
    last = name.split(" ")[-1] if " " in name else None
    hira_tail = re.search(f"{_H}+$", core)
    if hira_tail:
        tail = hira_tail.group()
        if tail[0] in _HIRA_PARTICLE_START or tail.startswith(_NAME_HIRA_STOPS):
            return False
        head = core[: hira_tail.start()]
        if head in _NAME_EXACT_STOPS or head.endswith(_NAME_SUFFIX_STOPS):
            return False
    if last is not None and (last in _NAME_EXACT_STOPS or last.endswith(_NAME_SUFFIX_STOPS)):
        return False
    if honorific in ("様", "さま") and core.endswith(_NAME_SAMA_STOPS):
        return False
    return not (honorific == "殿" and core.endswith(_NAME_DONO_STOPS))


def _detect_names(scan: _Scan) -> None:
    words = scan.words
    found: list[tuple[int, int]] = []
    for h in _HONORIFIC.finditer(words):
        window = max(0, h.start() - _NAME_WINDOW)
        m = _NAME_BEFORE_HONORIFIC.search(words, window, h.start())
        if m:
            before = words[m.start() - 1] if m.start() > 0 else ""
            if _name_is_plausible(m.group("name"), h.group(), before):
                found.append(m.span("name"))
                continue
        m = _HIRAGANA_NAME_BEFORE_HONORIFIC.search(words, window, h.start())
        if m and not m.group("name").split(" ")[-1].startswith(_NAME_HIRA_STOPS):
            found.append(m.span("name"))
    for intro in _SELF_INTRODUCTION.finditer(words):
        m = _NAME_SELF.search(words, max(0, intro.start() - _NAME_WINDOW), intro.start())
        if m:
            before = words[m.start() - 1] if m.start() > 0 else ""
            if _name_is_plausible(m.group("name"), "", before):
                found.append(m.span("name"))
    for m in _NAME_FIELD.finditer(words):
        name = m.group("name")
        core = name.replace(" ", "")
        if (
            len(core) >= 2
            and core not in _NAME_FIELD_STOPS
            and not core.endswith(_VERB_ENDINGS)
            and _name_is_plausible(name, "", "")
        ):
            found.append(m.span("name"))
    if _EN_HINT.search(words):
        for pattern in (_NAME_EN_TITLE, _NAME_EN_INTRO):
            if pattern is _NAME_EN_INTRO and "name" not in scan.lower:
                continue
            for m in pattern.finditer(words):
                if m.group("name").split(" ")[0] not in _EN_NOT_NAMES:
                    found.append(m.span("name"))
        for m in _NAME_EN_SUFFIX.finditer(words):
            found.append((m.start(), m.end("rest")))
    found.sort()
    end = -1
    for start, stop in found:
        if start >= end:
            scan.mark(start, stop, "name")
            end = stop


# Each detector with the fewest digits a text needs for it to find anything (a cheap pre-filter).
_DETECTORS: tuple[tuple[Callable[[_Scan], None], int], ...] = (
    (_detect_email, 0),
    (_detect_international_phones, 10),
    (_detect_cards, 13),
    (_detect_my_number_context, 12),
    (_detect_bank_accounts, 3),
    (_detect_birth_dates, 1),
    (_detect_postal_codes_in_context, 7),
    (_detect_phones, 6),
    (_detect_long_runs, 12),
    (_detect_bare_postal_codes, 7),
    (_detect_addresses, 1),
    (_detect_names, 0),
)


_MAX_PASSES = 4


def _redact_once(text: str) -> tuple[str, set[str]]:
    scan = _Scan(text)
    for detect, min_digits in _DETECTORS:
        if scan.digit_count >= min_digits:
            detect(scan)
    if not scan.spans:
        return text, set()
    pieces = []
    position = 0
    for start, end, kind in sorted(scan.spans):
        pieces.append(text[position:start])
        pieces.append(PLACEHOLDERS[kind])
        position = end
    pieces.append(text[position:])
    return "".join(pieces), {kind for _, _, kind in scan.spans}


def redact(text: str) -> Redaction:
    """Replace personal information in ``text`` by placeholders such as ［電話番号］.

    The detectors run again on their own output until it no longer changes: a placeholder is shorter
    or longer than what it replaces, which can bring a keyword within reach of a number (口座 ... 1234567)
    that was out of reach before. This also makes ``redact`` idempotent.
    """
    kinds: set[str] = set()
    for _ in range(_MAX_PASSES):
        text, found = _redact_once(text)
        if not found:
            break
        kinds |= found
    introduced = _names_by_tags(text)
    if introduced != text:
        text = introduced
        kinds.add("name")
    return Redaction(text=text, kinds=tuple(sorted(kinds)))


_INTRO_FOLLOWERS = ("です", "と申", "と言い", "といい")
_INTRO_PRECEDERS = ("は", "の", "、", "。", "！", "？", "\n", " ", "　")
# What follows a surname standing alone that makes it a person: a signature (「佐藤より」), an address
# line (「島田宛」), 「西村という方」, or the person's family and belongings (「永井の母」, 「小川の携帯」).
_SURNAME_FOLLOWERS = ("宛", "あて", "という", "と言う", "って人", "って方")
_SURNAME_SIGN_OFF = re.compile(r"\A(?:より|から)[ ]?(?:[。！!.\n]|\Z)")
_SURNAME_OF = re.compile(
    r"\Aの(?:携帯|電話|自宅|実家|家(?![具電])|母|父|妻|夫|息子|娘|祖母|祖父|兄|姉|弟|妹|子|孫|嫁|婿|名義|口座)"
)


_NAME_NEXT_NOUNS = frozenset(_words("宛 あて 名義 氏 様 さん 殿 君 くん ちゃん 方 先生 本人"))
_SURROGATE = re.compile("[\ud800-\udfff]")
_name_tokenizers = threading.local()


def _name_tokenizer():  # type: ignore[no-untyped-def]
    """SudachiPy in its longest units (mode C), so that a place or facility keeps its name: 中野区, 上野公園."""
    found = getattr(_name_tokenizers, "tokenizer", None)
    if found is None:
        from sudachipy import SplitMode

        from faq.retrieval.text import tokenizer

        found = tokenizer()._dictionary.tokenizer(mode=SplitMode.C)
        _name_tokenizers.tokenizer = found
    return found


def _names_by_tags(text: str) -> str:
    """Names without 様/さん, confirmed by SudachiPy's 人名 (personal name) tag.

    - a surname followed by a given name, anywhere: 「母の佐藤花子」, 「菅原 美咲、」;
    - a name that introduces the writer: 「山田太郎です」, 「私は佐藤と申します」;
    - a surname alone where only a person fits: 「佐藤より」, 「島田宛」, 「西村という方」, 「永井の母」.

    The tag keeps 「転入届です」 and place names (「中野区の」, 「上野です」) as they are.
    """
    if not any(_is_kanji(ch) or "\u30a1" <= ch <= "\u30fa" or "\u3041" <= ch <= "\u3096" for ch in text):
        return text
    # Sudachi cannot read lone surrogates; one stand-in character each keeps the offsets.
    readable = _SURROGATE.sub("?", text)
    morphemes = list(_name_tokenizer().tokenize(readable))

    def person(index: int) -> bool:
        return morphemes[index].part_of_speech()[2] == "人名"

    def blank(index: int) -> bool:
        return morphemes[index].surface().strip() == ""

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(morphemes):
        if not person(i):
            i += 1
            continue
        j = i + 1
        while j < len(morphemes) and (person(j) or (blank(j) and j + 1 < len(morphemes) and person(j + 1))):
            j += 1
        parts = [morphemes[k].part_of_speech()[3] for k in range(i, j) if person(k)]
        following = morphemes[j] if j < len(morphemes) else None
        # A name ends the noun phrase (「山田太郎の」, 「山田太郎宛」); a noun right after it means Sudachi cut a
        # compound wrongly: 平成元年度 is not 平 (surname) + 成元 (given name) + 年度.
        compound = (
            following is not None
            and following.part_of_speech()[0] == "名詞"
            and following.surface() not in _NAME_NEXT_NOUNS
        )
        full_name = "姓" in parts and parts[-1] == "名" and parts.index("姓") < len(parts) - 1 and not compound
        before = morphemes[i - 1].surface() if i > 0 else ""
        after = text[morphemes[j - 1].end() : morphemes[j - 1].end() + 6]
        introduced = (i == 0 or before in _INTRO_PRECEDERS) and after.startswith(_INTRO_FOLLOWERS)
        surname_alone = parts == ["姓"] and (
            after.startswith(_SURNAME_FOLLOWERS) or _SURNAME_SIGN_OFF.match(after) or _SURNAME_OF.match(after)
        )
        if full_name or introduced or surname_alone:
            spans.append((morphemes[i].begin(), morphemes[j - 1].end()))
        i = j
    for begin, end in reversed(spans):
        text = text[:begin] + PLACEHOLDERS["name"] + text[end:]
    return text

"""Redaction of personal information from residents' questions before they are stored or sent on.

``redact(text)`` replaces every phone number, e-mail address, My Number (個人番号), postal code,
street address with block/lot numbers, personal name (with an honorific, introduced, or in English),
date of birth, bank account number and credit card number by a placeholder in full-width brackets, and
reports which kinds it found. Ordinary questions (fees, opening hours, event dates, district names, ages,
counts) are left untouched.

How it works: the text is folded, one character for one character, into two working copies in which
full-width letters, digits and symbols are ASCII, every dash variant is ``-`` and every space is
`` ``; the second copy also turns the kanji digits 〇一二…九 into ASCII digits and a の between two
digits into ``-``. Because the folding never changes the length, a match found in a working copy is a
span of the original text. The detectors run from the most specific to the most general; each one
masks what it found, so a later, looser pattern cannot see (or split) digits that were already recognised.

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
  (本町1丁目2番3号, 本町1-2-3, 123番地); 「本町1丁目」 on its own is kept. Two numbers alone (梅田1-1) make an
  address only where nothing else fits: after a town (本町1-2), a city or ward (北区梅田1-1), a postal code, an
  address keyword, before 「に住んでいます」, or after a place name SudachiPy knows (千代田1-1); never after a
  public building, a room or a route (北区役所1-2, 会議室1-2), nor before a unit (1-2月, 1-2千円, 第1-2号).
* の between digits separates a number's parts (090の1234の5678, 1の2の3), and a phone number may be spelt out
  digit by digit (ゼロキューゼロ…, zero nine zero …): 10 or 11 digit words that read as a Japanese number.
* An English name is looked for only where English puts one (my name is, I'm, this is … calling, Mr./Ms./Dr.,
  my wife …, Thanks, …, -san) and checked against lists of ordinary words, so that "I'm Japanese", "This is
  City Hall?" and "It's Monday" are kept. "I'm John's landlord" loses John: a tenant's name is personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chatbot.privacy.addresses import detect_addresses
from chatbot.privacy.bank_accounts import detect_bank_accounts
from chatbot.privacy.birth_dates import detect_birth_dates
from chatbot.privacy.cards import detect_cards, luhn_is_valid
from chatbot.privacy.emails import detect_email
from chatbot.privacy.my_number import detect_long_runs, detect_my_number_context, my_number_is_valid
from chatbot.privacy.names import detect_names, names_by_tags
from chatbot.privacy.phones import detect_international_phones, detect_phones
from chatbot.privacy.postal_codes import detect_bare_postal_codes, detect_postal_codes_in_context
from chatbot.privacy.scanner import KINDS, PLACEHOLDERS, Scan
from chatbot.privacy.spoken_phones import detect_spoken_phones

__all__ = ["KINDS", "PLACEHOLDERS", "Redaction", "luhn_is_valid", "my_number_is_valid", "redact"]


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: tuple[str, ...]


# Each detector with the fewest digits a text needs for it to find anything (a cheap pre-filter).
_DETECTORS: tuple[tuple[Callable[[Scan], None], int], ...] = (
    (detect_email, 0),
    (detect_international_phones, 10),
    (detect_cards, 13),
    (detect_my_number_context, 12),
    (detect_bank_accounts, 3),
    (detect_birth_dates, 1),
    (detect_postal_codes_in_context, 7),
    (detect_phones, 6),
    (detect_spoken_phones, 0),
    (detect_long_runs, 12),
    (detect_bare_postal_codes, 7),
    (detect_addresses, 1),
    (detect_names, 0),
)


_MAX_PASSES = 4


def _redact_once(text: str) -> tuple[str, set[str]]:
    scan = Scan(text)
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
    introduced = names_by_tags(text)
    if introduced != text:
        text = introduced
        kinds.add("name")
    return Redaction(text=text, kinds=tuple(sorted(kinds)))

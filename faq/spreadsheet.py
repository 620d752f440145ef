"""Cells that a spreadsheet would run as a formula, written so that it shows them as text.

Excel, LibreOffice and Google Sheets treat a cell as a formula when it starts with = + - or @, or with a tab or
a carriage return (OWASP "CSV Injection"), also when whitespace comes first, and Excel does the same for the
full-width forms ＝ ＋ － ＠. Every CSV, TSV and XLSX the project writes passes its cells through `neutralise`,
which puts one apostrophe in front of such a text; a plain signed number such as "-5" or "+12" stays as it is
(a spreadsheet shows it as the number, nothing runs).

Files that are read back (the FAQ import) go through `restore`, the exact inverse: it removes the first
apostrophe only where `neutralise` would have added it, so an answer that starts with "-" or "＋" imports back
unchanged. For that to hold, a text that already starts with apostrophes followed by such a text gets one more
("'=1" is written "''=1" and read back as "'=1").
"""

import re
from collections.abc import Iterable
from typing import Any

PREFIX = "'"
FORMULA_CHARACTERS = frozenset("=+-@＝＋－＠")
CONTROL_START = ("\t", "\r")
SIGNED_NUMBER = re.compile(r"[+-]\d+(?:\.\d+)?", re.ASCII)
# A dash alone is the usual mark for "none" in a table; a spreadsheet shows it as text.
LONE_DASHES = frozenset({"-", "－"})


def _starts_formula(text: str) -> bool:
    if text.startswith(CONTROL_START):
        return True
    body = text.lstrip()
    return body[:1] in FORMULA_CHARACTERS and not SIGNED_NUMBER.fullmatch(body) and body not in LONE_DASHES


def needs_prefix(text: str) -> bool:
    """Whether `neutralise` puts an apostrophe in front of this text."""
    return _starts_formula(text.lstrip(PREFIX))


def neutralise(value: Any) -> Any:
    """The cell to write for `value`: a text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and needs_prefix(value):
        return PREFIX + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


def restore(cell: str) -> str:
    """The text `neutralise` was given for this cell (cells it left alone come back as they are)."""
    if cell.startswith(PREFIX) and needs_prefix(cell[1:]):
        return cell[1:]
    return cell

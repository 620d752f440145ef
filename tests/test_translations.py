"""Japanese is the first language: every text has a translation, and the compiled catalogue is current."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
ENTRY = re.compile(r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.MULTILINE)


def _unquote(block: str) -> str:
    joined = "".join(re.findall(r'^"(.*)"$', block, re.MULTILINE))
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[0]), joined)


def _entries_in_context() -> dict[tuple[str | None, str], str]:
    """(context or None, msgid) -> msgstr."""
    text = PO.read_text(encoding="utf-8")
    return {
        (_unquote(m[1]) if m[1] else None, _unquote(m[2])): _unquote(m[3])
        for m in ENTRY.finditer(text)
        if _unquote(m[2])
    }


def _entries() -> dict[str, str]:
    return {msgid: msgstr for (context, msgid), msgstr in _entries_in_context().items() if context is None}


def test_po_every_text_has_a_japanese_translation():
    entries = _entries()
    assert len(entries) > 100
    untranslated = [key for key, msgstr in _entries_in_context().items() if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_mo_matches_the_po_file():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = {
        (context, msgid): msgstr
        for (context, msgid), msgstr in _entries_in_context().items()
        if (catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)) != msgstr
    }
    assert stale == {}


def test_po_placeholders_are_kept_in_translations():
    placeholder = re.compile(r"%\(\w+\)[-.\d]*[sd f]")
    mismatched = [
        msgid
        for (_context, msgid), msgstr in _entries_in_context().items()
        if sorted(placeholder.findall(msgid)) != sorted(placeholder.findall(msgstr))
    ]
    assert mismatched == []

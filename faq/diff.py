"""Character-level side-by-side differences of FAQ texts (Japanese has no spaces to split words on)."""

import difflib

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def side_by_side(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts, HTML-escaped, with removed parts in <del> and added parts in <ins>."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(escape(old[i1:i2]))
            right.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            left.append(f"<del>{escape(old[i1:i2])}</del>")
        if j2 > j1:
            right.append(f"<ins>{escape(new[j1:j2])}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))

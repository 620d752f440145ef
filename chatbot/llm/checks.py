"""Checks on an LLM reply before a resident sees it. Any failure means the FAQ's own text is shown instead.

1. not a refusal (NO_ANSWER), not empty;
2. cites at least one of the given snippets ([S1]) and no other;
3. every number, amount, date, time and phone number in it appears in those
   snippets (digits compared after width folding, so ５００円 and 500円 are
   the same; kanji amounts such as 五百円 too); it has no URL or e-mail
   address at all (the FAQ's link and the contact are shown beside it);
4. length within bounds;
5. the language of the question;
6. no personal data that the snippets do not contain;
7. no markup (HTML, Markdown);
8. no passage of the instructions (a leaked prompt).
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings

from chatbot.llm.prompts import NO_ANSWER
from chatbot.llm.snippets import Snippet
from chatbot.privacy import redact

CITATION = re.compile(r"\s*[\[［]\s*(S\d+)\s*[\]］]")
DIGITS = re.compile(r"\d+")
URL = re.compile(
    r"https?://[^\s<>\"'）)」]+|(?<![\w@.-])(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?(?![\w@])", re.IGNORECASE
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
KANJI_AMOUNT = re.compile(r"[〇一二三四五六七八九十百千万億]+(?=[円時分日月年歳才件枚回人点％%])")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]|```|\*\*|__|\]\(|^\s{0,3}#{1,6}\s|^\s*[-*+]\s|^\s*\|.*\|\s*$", re.MULTILINE)
MIN_CHARS = 4
ENGLISH_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "at",
        "on",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "is",
        "are",
        "be",
        "can",
        "you",
        "your",
        "please",
        "if",
        "it",
        "this",
        "that",
        "as",
        "not",
        "no",
        "will",
        "may",
        "must",
        "do",
        "does",
        "have",
        "has",
    ]
)
LEAK_WINDOW = 24


@dataclass(frozen=True)
class Checked:
    ok: bool
    text: str  # the reply as shown (citations removed) when ok
    check: str = ""  # the first failed check
    detail: str = ""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _numbers(text: str) -> set[str]:
    folded = _fold(text)
    folded = re.sub(r"(?<=\d),(?=\d{3})", "", folded)  # 1,000 -> 1000
    return {match.lstrip("0") or "0" for match in DIGITS.findall(folded)}


def personal_items(text: str) -> list[str]:
    """The passages of `text` that redaction replaces (names, phone numbers, ...), found by aligning the two texts."""
    redacted = redact(text)
    if not redacted.kinds:
        return []
    matcher = difflib.SequenceMatcher(None, text, redacted.text, autojunk=False)
    return [text[i1:i2] for tag, i1, i2, _j1, _j2 in matcher.get_opcodes() if tag in ("replace", "delete") and i2 > i1]


def _is_japanese(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _language_ok(text: str, lang: str) -> bool:
    text = _fold(text)
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    japanese = sum(1 for ch in letters if _is_japanese(ch)) / len(letters)
    kana = any("\u3040" <= ch <= "\u30ff" for ch in text)
    if lang == "ja":
        return japanese >= 0.3 and kana
    # English: no other Latin-script language (accented letters) and some English function words.
    latin = [ch for ch in letters if not _is_japanese(ch)]
    if any(not ch.isascii() for ch in latin):
        return False
    words = re.findall(r"[a-z]+", text.casefold())
    common = sum(1 for word in words if word in ENGLISH_WORDS)
    return japanese <= 0.3 and (len(words) < 5 or common / len(words) >= 0.15)


def _leaks(text: str, instructions: str) -> bool:
    plain = re.sub(r"\s+", " ", _fold(text)).casefold()
    source = re.sub(r"\s+", " ", _fold(instructions)).casefold()
    windows = {source[start : start + LEAK_WINDOW] for start in range(max(len(source) - LEAK_WINDOW + 1, 0))}
    return any(plain[start : start + LEAK_WINDOW] in windows for start in range(max(len(plain) - LEAK_WINDOW + 1, 0)))


def check(reply: str, *, snippets: list[Snippet], lang: str, instructions: str) -> Checked:
    text = (reply or "").strip()
    if not text:
        return Checked(False, "", "empty", "no text")
    if NO_ANSWER in text:
        return Checked(False, "", "declined", "the model found no answer in the snippets")
    given = {snippet.id for snippet in snippets}
    cited = set(CITATION.findall(_fold(text).replace("［", "[").replace("］", "]")))
    if not cited:
        return Checked(False, "", "citation", "no snippet cited")
    if cited - given:
        return Checked(False, "", "citation", f"cites unknown snippets {sorted(cited - given)}")
    shown = CITATION.sub("", text).strip()
    sources = " ".join(f"{snippet.title} {snippet.text}" for snippet in snippets)
    invented = sorted(_numbers(shown) - _numbers(sources), key=lambda value: (len(value), value))
    if invented:
        return Checked(False, "", "numbers", f"numbers not in the snippets: {invented[:5]}")
    # Links and addresses are never taken from a reply, even from the snippets (an instruction hidden in an
    # FAQ text could plant one): the FAQ's own link and the department's contact are shown beside the answer.
    for pattern, name in ((URL, "URL"), (EMAIL, "e-mail address")):
        found = pattern.search(_fold(shown))
        if found:
            return Checked(False, "", "numbers", f"{name} in the reply: {found.group(0)[:60]}")
    folded_sources = _fold(sources)
    for found in KANJI_AMOUNT.findall(_fold(shown)):
        if found not in folded_sources:
            return Checked(False, "", "numbers", f"amount not in the snippets: {found[:60]}")
    if MARKUP.search(shown):
        return Checked(False, "", "markup", "HTML or Markdown in the reply")
    if _leaks(shown, instructions):
        return Checked(False, "", "prompt_leak", "the reply repeats the instructions")
    if len(shown) < MIN_CHARS or len(shown) > settings.LLM_MAX_ANSWER_CHARS:
        return Checked(
            False, "", "length", f"{len(shown)} characters (allowed {MIN_CHARS}-{settings.LLM_MAX_ANSWER_CHARS})"
        )
    if not _language_ok(shown, lang):
        return Checked(False, "", "language", f"not in the question's language ({lang})")
    extra = [item for item in personal_items(shown) if _fold(item).strip() not in folded_sources]
    if extra:
        return Checked(False, "", "personal_data", f"personal data not in the snippets ({len(extra)})")
    return Checked(True, shown)

"""Text normalisation and Japanese tokenisation shared by indexing and queries."""

import re
import threading
import unicodedata

import snowballstemmer
from sudachipy import Dictionary, SplitMode

# Full-width and ASCII line-break markers used in municipal FAQ exports.
_BREAK_MARKERS = re.compile(r"[<＜]改[>＞]")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks.
STOP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
LEAD_BULLETS = "■□●○◆◇・※ \n"
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to half-width, half-width kana to full-width),
    the ＜改＞ break marker to a newline, runs of blanks to one space, blank lines removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _BREAK_MARKERS.sub("\n", text)
    return _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()


def exact_key(text: str) -> str:
    """The form under which a question is word for word one of an FAQ's questions.

    Width, case, kana script, blanks and punctuation do not count:
    「住民票はどこでもらえますか？」 and 「住民票は どこでもらえますか」 are the same.
    """
    folded = katakana_to_hiragana(unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(("P", "Z", "C")))


def katakana_to_hiragana(text: str) -> str:
    """ゴミ and ごみ, ハンコ and はんこ: residents write either."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


def mostly_latin(text: str) -> bool:
    """True for a question written mainly in Latin letters (English and the like)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isascii() for ch in letters) / len(letters) > 0.5


def answer_lead(answer: str, max_chars: int = 100) -> str:
    """The opening sentences of an answer, where municipal FAQs state the gist.

    Encoding whole answers with a transformer costs several times the rest of
    the index build; the lead keeps most of the signal (measured on the
    benchmark's dev split) at a fraction of the cost.
    """
    text = normalize(answer).lstrip(LEAD_BULLETS)
    lead = ""
    for sentence in re.split(r"(?<=[。!?\n])", text):
        if lead and len(lead) + len(sentence) > max_chars:
            break
        lead += sentence
    return lead[:max_chars].strip()


def english_lead(answer: str, max_chars: int = 250) -> str:
    """The opening sentences of an English answer (English needs about 2.5 times the characters of Japanese to say
    the same)."""
    text = normalize(answer).lstrip(LEAD_BULLETS)
    lead = ""
    for sentence in re.split(r"(?<=[.!?\n])\s+", text):
        if lead and len(lead) + len(sentence) > max_chars:
            break
        lead = f"{lead} {sentence}" if lead else sentence
    return lead[:max_chars].strip()


# Words that say nothing about a topic in a resident's question (Lucene's English stop set, pronouns, question
# words and the verbs residents wrap every question in).
ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "she",
        "him",
        "her",
        "his",
        "its",
        "them",
        "do",
        "does",
        "did",
        "done",
        "can",
        "could",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "am",
        "been",
        "being",
        "how",
        "what",
        "where",
        "when",
        "which",
        "who",
        "whom",
        "why",
        "want",
        "wanted",
        "need",
        "needed",
        "please",
        "tell",
        "know",
        "like",
        "get",
        "got",
        "any",
        "some",
        "about",
        "from",
        "s",
        "t",
        "m",
        "re",
        "ve",
        "ll",
        "d",
    ]
)
_ENGLISH_WORD = re.compile(r"[a-z0-9]+")


class EnglishAnalyzer:
    """The English analyser of the lexical signal: case-folded words, stop words removed, Snowball (Porter 2)
    stems, so that "registering", "registration" and "register" meet. Japanese text in an English FAQ (the
    procedure's name in brackets) is left to the encoders. Snowball stemmers are not thread-safe: one per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _stemmer(self):  # type: ignore[no-untyped-def]
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = snowballstemmer.stemmer("english")
            self._local.stemmer = stemmer
        return stemmer

    def tokens(self, text: str) -> list[str]:
        words = _ENGLISH_WORD.findall(unicodedata.normalize("NFKC", text).casefold().replace("'s ", " "))
        kept = [word for word in words if word not in ENGLISH_STOPWORDS]
        return list(self._stemmer().stemWords(kept)) if kept else []


_english = EnglishAnalyzer()


def english_tokens(text: str) -> list[str]:
    return _english.tokens(text)


class Tokenizer:
    """SudachiPy (core dictionary, short units) producing normalised forms.

    Short units (mode A) and normalised forms (ゴミ and ごみ, 申し込み and
    申込 become one form) won on the dev split against modes B and C and
    surface forms. Sudachi tokenizers are not thread-safe, so each thread
    gets its own.
    """

    def __init__(self) -> None:
        self._dictionary = Dictionary(dict="core")
        self._local = threading.local()

    def _tokenizer(self):  # type: ignore[no-untyped-def]
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = self._dictionary.tokenizer(mode=SplitMode.A)
            self._local.tokenizer = tokenizer
        return tokenizer

    def tokens(self, text: str) -> list[str]:
        normalized = normalize(text)
        if not normalized:
            return []
        result = []
        for morpheme in self._tokenizer().tokenize(normalized):
            if morpheme.part_of_speech()[0] in STOP_POS:
                continue
            form = katakana_to_hiragana(morpheme.normalized_form().lower().strip())
            if form:
                result.append(form)
        return result

    def proper_nouns(self, text: str) -> list[str]:
        """The proper nouns (place, person, organisation names) of a text, in the forms `tokens` gives them."""
        normalized = normalize(text)
        if not normalized:
            return []
        result = []
        for morpheme in self._tokenizer().tokenize(normalized):
            if morpheme.part_of_speech()[1] == "固有名詞":
                form = katakana_to_hiragana(morpheme.normalized_form().lower().strip())
                if form:
                    result.append(form)
        return result


_shared: Tokenizer | None = None
_shared_lock = threading.Lock()


def tokenizer() -> Tokenizer:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Tokenizer()
        return _shared

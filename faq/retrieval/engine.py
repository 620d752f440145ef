"""The in-memory search snapshot: lexical (BM25) and dense signals over a set of FAQ documents.

This module knows nothing about Django models, so the same code serves the
live index and the isolated benchmark.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rank_bm25 import BM25Okapi

from faq.retrieval.encoders import QUESTION, Encoder
from faq.retrieval.text import answer_lead, english_lead, english_tokens, exact_key, mostly_latin, normalize, tokenizer

LEXICAL = "lexical"
LEXICAL_QUESTION = "lexical_question"
LEXICAL_ANSWER = "lexical_answer"
LEXICAL_SIGNALS = (LEXICAL, LEXICAL_QUESTION, LEXICAL_ANSWER)
# BM25 saturation: k1 = 2.0 won over 0.9-1.5 on the dev split (FAQ texts are short).
BM25_K1 = 2.0
BM25_B = 0.75

Progress = Callable[[int], None]


# An encoder's views of the FAQs' English texts are stored as "<view>_en" and searched, for an English question,
# as part of the view itself (the better of the Japanese and the English text counts): the signals, and so the
# re-ranker and the gate, stay the same.
ENGLISH_SUFFIX = "_en"


def dense_signal(encoder_name: str, view: str) -> str:
    return f"{encoder_name}:{view}"


def is_english_view(name: str) -> bool:
    return name.endswith(ENGLISH_SUFFIX)


@dataclass(frozen=True)
class Document:
    faq_id: int
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    question_en: str = ""
    answer_en: str = ""
    alternates_en: tuple[str, ...] = ()

    def question_views(self) -> list[str]:
        return [normalize(self.question), *(normalize(text) for text in self.alternates)]

    def english_question_views(self) -> list[str]:
        if not self.question_en:
            return []
        return [normalize(self.question_en), *(normalize(text) for text in self.alternates_en)]


@dataclass
class DocumentTokens:
    question: list[str]
    answer: list[str]
    # The English texts through the English analyser (empty without English).
    question_en: list[str] = field(default_factory=list)
    answer_en: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, document: Document) -> "DocumentTokens":
        tokens = tokenizer()
        question: list[str] = []
        for text in (document.question, *document.alternates):
            question += tokens.tokens(text)
        question_en: list[str] = []
        if document.question_en:
            for text in (document.question_en, *document.alternates_en):
                question_en += english_tokens(text)
        return cls(
            question=question,
            answer=tokens.tokens(document.answer),
            question_en=question_en,
            answer_en=english_tokens(document.answer_en) if document.question_en else [],
        )


@dataclass
class DenseView:
    """Vectors of one signal; several rows may belong to one document (alternate questions)."""

    vectors: np.ndarray
    rows: np.ndarray  # document index of each vector row


def view_texts(documents: Sequence[Document], view: str, answer_chars: int = 100) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    rows: list[int] = []
    for index, document in enumerate(documents):
        if view == QUESTION:
            views = document.question_views()
        elif view == QUESTION + ENGLISH_SUFFIX:
            views = document.english_question_views()
        elif is_english_view(view):
            # English says in about 2.5 times the characters what Japanese says.
            views = [english_lead(document.answer_en, answer_chars * 5 // 2)] if document.question_en else []
        else:
            views = [answer_lead(document.answer, answer_chars)]
        texts += views
        rows += [index] * len(views)
    return texts, rows


def encoded_views(documents: Sequence[Document], encoder: Encoder) -> list[str]:
    """The encoder's views, and their English counterparts when some document has English text."""
    english = any(document.question_en for document in documents)
    return [*encoder.views, *((view + ENGLISH_SUFFIX for view in encoder.views) if english else ())]


def encode_views(
    documents: Sequence[Document], encoder: Encoder, *, batch: int = 64, progress: Progress | None = None
) -> dict[str, DenseView]:
    """Embed every view the encoder supports, in batches (progress counts texts)."""
    result: dict[str, DenseView] = {}
    for view in encoded_views(documents, encoder):
        texts, rows = view_texts(documents, view, encoder.answer_chars)
        base_view = view.removesuffix(ENGLISH_SUFFIX)
        chunks = []
        for start in range(0, len(texts), batch):
            chunks.append(encoder.encode_documents(texts[start : start + batch], view=base_view))
            if progress:
                progress(len(texts[start : start + batch]))
        vectors = np.vstack(chunks) if chunks else np.zeros((0, 1), dtype=np.float32)
        result[dense_signal(encoder.name, view)] = DenseView(vectors, np.asarray(rows, dtype=np.int64))
    return result


class SparseBM25:
    """rank-bm25's Okapi BM25, with every document's term weights precomputed in a sparse matrix.

    rank_bm25 scores a query by looping over all documents in Python
    (about 6 ms per signal for 1,786 FAQs); the same weights summed from a
    CSC matrix take well under a millisecond and give identical scores.
    """

    def __init__(self, corpus: list[list[str]]) -> None:
        from scipy.sparse import csc_matrix

        model = BM25Okapi(corpus, k1=BM25_K1, b=BM25_B)
        self.columns: dict[str, int] = {}
        rows, cols, values = [], [], []
        for row, frequencies in enumerate(model.doc_freqs):
            length_norm = model.k1 * (1 - model.b + model.b * model.doc_len[row] / model.avgdl)
            for word, tf in frequencies.items():
                column = self.columns.setdefault(word, len(self.columns))
                rows.append(row)
                cols.append(column)
                values.append(model.idf.get(word, 0.0) * tf * (model.k1 + 1) / (tf + length_norm))
        self.size = len(corpus)
        self.matrix = csc_matrix((values, (rows, cols)), shape=(self.size, max(len(self.columns), 1)))

    def scores(self, tokens: list[str]) -> np.ndarray:
        counts = Counter(self.columns[word] for word in tokens if word in self.columns)
        if not counts:
            return np.zeros(self.size)
        picks = list(counts)
        weights = np.asarray([counts[c] for c in picks], dtype=np.float64)
        return np.asarray(self.matrix[:, picks] @ weights).ravel()


@dataclass
class QueryScores:
    query: str
    tokens: list[str]
    raw: dict[str, np.ndarray]
    z: dict[str, np.ndarray]
    # "en" for a question in Latin script: its tokens are English words, compared with the FAQs' English texts.
    lang: str = "ja"


def _exact_keys(texts: list[tuple[str, ...]]) -> dict[str, set[int]]:
    exact: dict[str, set[int]] = {}
    for index, document_texts in enumerate(texts):
        for text in document_texts:
            key = exact_key(text)
            if key:
                exact.setdefault(key, set()).add(index)
    return exact


def zscore(values: np.ndarray) -> np.ndarray:
    """Standardise one signal over all documents; a blind signal (no spread) contributes nothing.

    An English question shares no tokens with a Japanese FAQ: its BM25 scores
    are all zero and must not be turned into noise that swamps the dense
    signals.
    """
    if values.size == 0:
        return np.zeros_like(values)
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values)
    return (values - values.mean()) / std


@dataclass
class Snapshot:
    documents: list[Document]
    tokens: list[DocumentTokens]
    dense: dict[str, DenseView]
    encoders: dict[str, Encoder]
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.position = {document.faq_id: index for index, document in enumerate(self.documents)}
        self.faq_ids = np.asarray([document.faq_id for document in self.documents], dtype=np.int64)
        self._bm25 = self._lexical([t.question for t in self.tokens], [t.answer for t in self.tokens])
        self._bm25_en = self._lexical([t.question_en for t in self.tokens], [t.answer_en for t in self.tokens])
        frequency: Counter[str] = Counter()
        for t in self.tokens:
            frequency.update(set(t.question) | set(t.answer))
        n = max(len(self.documents), 1)
        self.idf = {word: math.log((n + 1) / (count + 0.5)) for word, count in frequency.items()}
        self.unknown_idf = math.log((n + 1) / 0.5)
        self.question_sets = [set(t.question) for t in self.tokens]
        self.answer_sets = [set(t.answer) for t in self.tokens]
        # Each question and alternate question, word for word (text.exact_key) -> the documents that have it; the
        # English ones apart.
        self.exact = _exact_keys([(d.question, *d.alternates) for d in self.documents])
        self.exact_en = _exact_keys(
            [(d.question_en, *d.alternates_en) if d.question_en else () for d in self.documents]
        )
        self.has_english = np.asarray([bool(d.question_en) for d in self.documents], dtype=bool)

    def _lexical(self, questions: list[list[str]], answers: list[list[str]]) -> dict[str, SparseBM25]:
        bm25: dict[str, SparseBM25] = {}
        if not self.documents:
            return bm25
        corpora = {
            LEXICAL: [q + a for q, a in zip(questions, answers, strict=True)],
            LEXICAL_QUESTION: questions,
            LEXICAL_ANSWER: answers,
        }
        for name, corpus in corpora.items():
            # rank_bm25 divides by the average length: an all-empty corpus has none.
            if any(corpus):
                bm25[name] = SparseBM25([doc or ["\u0000"] for doc in corpus])
        return bm25

    @property
    def signals(self) -> list[str]:
        return [name for name in LEXICAL_SIGNALS if name in self._bm25] + sorted(
            name for name in self.dense if not is_english_view(name)
        )

    def __len__(self) -> int:
        return len(self.documents)

    def score(self, query: str) -> QueryScores:
        """Every signal for every document."""
        # Japanese BM25 is blind to a question in another script: Sudachi turns
        # English words into katakana readings whose matches are noise. Such a
        # question is left to the multilingual encoders (on the sample town's
        # English cases this took the top-1 hit rate from 0.47 to 0.76).
        # An English question is compared word for word with the FAQs' English texts (English analyser), and
        # by the encoders with both texts of each FAQ.
        lang = "en" if mostly_latin(query) else "ja"
        tokens = english_tokens(query) if lang == "en" else tokenizer().tokens(query)
        n = len(self.documents)
        raw: dict[str, np.ndarray] = {}
        japanese_only: dict[str, np.ndarray] = {}  # similarities to the Japanese texts, where English ones exist too
        for name, bm25 in self._bm25.items():
            if lang == "en":
                english = self._bm25_en.get(name)
                raw[name] = english.scores(tokens) if english is not None else np.zeros(n)
            else:
                raw[name] = bm25.scores(tokens)
        for encoder_name, encoder in self.encoders.items():
            views = {name: view for name, view in self.dense.items() if name.startswith(encoder_name + ":")}
            if not views:
                continue
            vector = encoder.encode_queries([normalize(query)])[0]
            for name, view in views.items():
                if is_english_view(name):
                    continue
                similarity = np.full(n, -1.0)
                if len(view.rows):
                    np.maximum.at(similarity, view.rows, view.vectors @ vector)
                english_view = views.get(name + ENGLISH_SUFFIX)
                if lang == "en" and english_view is not None and len(english_view.rows):
                    to_english = np.full(n, -1.0)
                    np.maximum.at(to_english, english_view.rows, english_view.vectors @ vector)
                    japanese_only[name] = similarity
                    similarity = np.maximum(similarity, to_english - self._english_offset(similarity, to_english))
                raw[name] = similarity
        z = {name: zscore(values) for name, values in raw.items()}
        if lang == "en" and self.has_english.any() and not self.has_english.all():
            self._partly_english_z(raw, z, japanese_only)
        return QueryScores(query=query, tokens=tokens, raw=raw, z=z, lang=lang)

    def _english_offset(self, japanese: np.ndarray, english: np.ndarray) -> float:
        """How much closer an English question is to the English texts than to the Japanese ones of the same FAQs
        (the median over the FAQs that have both), taken off the English similarities where only some FAQs have
        English, so that the similarities the re-ranker reads are on one scale. With English for every FAQ nothing
        is compared across the two kinds and nothing is taken off."""
        translated = self.has_english
        if translated.all() or not translated.any():
            return 0.0
        return max(float(np.median(english[translated] - japanese[translated])), 0.0)

    def _partly_english_z(
        self, raw: dict[str, np.ndarray], z: dict[str, np.ndarray], japanese_only: dict[str, np.ndarray]
    ) -> None:
        """An English question in a town that wrote English for some FAQs only. It is closer to any English text than
        to a Japanese one, and only English texts can match it word for word: on one scale every translated FAQ that
        touches the topic would rank ahead of the untranslated FAQ the question is about (with half the sample
        town's FAQs in English, the right untranslated FAQ came first for 0.24 of the external English questions
        about them; 0.76 with no English at all). So each signal is standardised within its kind of FAQ: a
        translated FAQ among the translated ones, an untranslated FAQ among all FAQs by its Japanese text, as before
        any English existed. An untranslated FAQ's lexical signals are missing, not zero: they take its best dense
        z-score (chosen on the sample town's calibration cases, against the mean)."""
        english = self.has_english
        for name, japanese in japanese_only.items():
            values = zscore(japanese)
            values[english] = zscore(raw[name][english])
            z[name] = values
        dense = [z[name] for name in z if ":" in name]
        stand_in = np.max(dense, axis=0) if dense else np.zeros(len(self.documents))
        for name in LEXICAL_SIGNALS:
            if name in raw:
                values = np.array(stand_in)
                values[english] = zscore(raw[name][english])
                z[name] = values

    def idf_of(self, word: str) -> float:
        return self.idf.get(word, self.unknown_idf)


def build_snapshot(
    documents: Iterable[Document],
    encoders: Sequence[Encoder],
    *,
    progress: Progress | None = None,
) -> Snapshot:
    """Tokenise and embed documents (no persistence)."""
    docs = list(documents)
    tokens = []
    for document in docs:
        tokens.append(DocumentTokens.of(document))
        if progress:
            progress(1)
    dense: dict[str, DenseView] = {}
    for encoder in encoders:
        dense.update(encode_views(docs, encoder, progress=progress))
    return Snapshot(docs, tokens, dense, {encoder.name: encoder for encoder in encoders})


def work_units(documents: Sequence[Document], encoders: Sequence[Encoder]) -> int:
    """How many progress steps build_snapshot reports, for a progress bar."""
    total = len(documents)
    for encoder in encoders:
        for view in encoded_views(documents, encoder):
            total += len(view_texts(documents, view, encoder.answer_chars)[0])
    return total

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
from faq.retrieval.text import answer_lead, exact_key, mostly_latin, normalize, tokenizer

LEXICAL = "lexical"
LEXICAL_QUESTION = "lexical_question"
LEXICAL_ANSWER = "lexical_answer"
LEXICAL_SIGNALS = (LEXICAL, LEXICAL_QUESTION, LEXICAL_ANSWER)
# BM25 saturation: k1 = 2.0 won over 0.9-1.5 on the dev split (FAQ texts are short).
BM25_K1 = 2.0
BM25_B = 0.75

Progress = Callable[[int], None]


def dense_signal(encoder_name: str, view: str) -> str:
    return f"{encoder_name}:{view}"


@dataclass(frozen=True)
class Document:
    faq_id: int
    question: str
    answer: str
    alternates: tuple[str, ...] = ()

    def question_views(self) -> list[str]:
        return [normalize(self.question), *(normalize(text) for text in self.alternates)]


@dataclass
class DocumentTokens:
    question: list[str]
    answer: list[str]

    @classmethod
    def of(cls, document: Document) -> "DocumentTokens":
        tokens = tokenizer()
        question: list[str] = []
        for text in (document.question, *document.alternates):
            question += tokens.tokens(text)
        return cls(question=question, answer=tokens.tokens(document.answer))


@dataclass
class DenseView:
    """Vectors of one signal; several rows may belong to one document (alternate questions)."""

    vectors: np.ndarray
    rows: np.ndarray  # document index of each vector row


def view_texts(documents: Sequence[Document], view: str, answer_chars: int = 100) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    rows: list[int] = []
    for index, document in enumerate(documents):
        views = document.question_views() if view == QUESTION else [answer_lead(document.answer, answer_chars)]
        texts += views
        rows += [index] * len(views)
    return texts, rows


def encode_views(
    documents: Sequence[Document], encoder: Encoder, *, batch: int = 64, progress: Progress | None = None
) -> dict[str, DenseView]:
    """Embed every view the encoder supports, in batches (progress counts texts)."""
    result: dict[str, DenseView] = {}
    for view in encoder.views:
        texts, rows = view_texts(documents, view, encoder.answer_chars)
        chunks = []
        for start in range(0, len(texts), batch):
            chunks.append(encoder.encode_documents(texts[start : start + batch], view=view))
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
        self._bm25: dict[str, SparseBM25] = {}
        if self.documents:
            corpora = {
                LEXICAL: [t.question + t.answer for t in self.tokens],
                LEXICAL_QUESTION: [t.question for t in self.tokens],
                LEXICAL_ANSWER: [t.answer for t in self.tokens],
            }
            for name, corpus in corpora.items():
                # rank_bm25 divides by the average length: an all-empty corpus has none.
                if any(corpus):
                    self._bm25[name] = SparseBM25([doc or ["\u0000"] for doc in corpus])
        frequency: Counter[str] = Counter()
        for t in self.tokens:
            frequency.update(set(t.question) | set(t.answer))
        n = max(len(self.documents), 1)
        self.idf = {word: math.log((n + 1) / (count + 0.5)) for word, count in frequency.items()}
        self.unknown_idf = math.log((n + 1) / 0.5)
        self.question_sets = [set(t.question) for t in self.tokens]
        # Each question and alternate question, word for word (text.exact_key) -> the documents that have it.
        self.exact: dict[str, set[int]] = {}
        for index, document in enumerate(self.documents):
            for text in (document.question, *document.alternates):
                key = exact_key(text)
                if key:
                    self.exact.setdefault(key, set()).add(index)
        self.answer_sets = [set(t.answer) for t in self.tokens]

    @property
    def signals(self) -> list[str]:
        return [name for name in LEXICAL_SIGNALS if name in self._bm25] + sorted(self.dense)

    def __len__(self) -> int:
        return len(self.documents)

    def score(self, query: str) -> QueryScores:
        """Every signal for every document."""
        # Japanese BM25 is blind to a question in another script: Sudachi turns
        # English words into katakana readings whose matches are noise. Such a
        # question is left to the multilingual encoders (on the sample town's
        # English cases this took the top-1 hit rate from 0.47 to 0.76).
        tokens = [] if mostly_latin(query) else tokenizer().tokens(query)
        n = len(self.documents)
        raw: dict[str, np.ndarray] = {}
        for name, bm25 in self._bm25.items():
            raw[name] = bm25.scores(tokens)
        for encoder_name, encoder in self.encoders.items():
            views = {name: view for name, view in self.dense.items() if name.startswith(encoder_name + ":")}
            if not views:
                continue
            vector = encoder.encode_queries([normalize(query)])[0]
            for name, view in views.items():
                similarity = np.full(n, -1.0)
                if len(view.rows):
                    np.maximum.at(similarity, view.rows, view.vectors @ vector)
                raw[name] = similarity
        return QueryScores(query=query, tokens=tokens, raw=raw, z={name: zscore(v) for name, v in raw.items()})

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
        for view in encoder.views:
            total += len(view_texts(documents, view, encoder.answer_chars)[0])
    return total

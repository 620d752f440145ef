"""Fusion of the signals and the learned re-ranker on top of it.

Stage 1 fuses every signal's z-scores with weights; stage 2 re-ranks the
best candidates with a logistic model over per-candidate features (each
signal, how much of the question's informative words the FAQ covers, and
how close the candidate is to the best one). Weights and the model are
fitted on the benchmark's dev split only (`train_ranker`) and stored in
ranker.json; they are features of retrieval, not of any town's FAQs.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from faq.retrieval.engine import QueryScores, Snapshot
from faq.retrieval.text import exact_key, mostly_latin, normalize, tokenizer

DEFAULT_RANKER = Path(__file__).resolve().parent / "ranker.json"
FIRST_STAGE = 60
RERANK_DEPTH = 30
# The score of a question that is word for word one of a single FAQ's questions.
EXACT_MATCH_SCORE = 0.99
EXTRA_FEATURES = (
    "query_coverage_question",
    "query_coverage_answer",
    "question_coverage",
    "char_bigram_dice",
    "fused",
    "fused_gap_to_top",
    "inverse_rank",
    "log_query_tokens",
    "log_question_tokens",
)


@dataclass
class Candidate:
    faq_id: int
    score: float
    fused: float
    signals: dict[str, float]
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class Ranker:
    signals: list[str]
    weights: dict[str, float]
    features: list[str] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def learned(self) -> bool:
        return bool(self.coef)

    @classmethod
    def load(cls, path: Path = DEFAULT_RANKER) -> "Ranker":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(**data)

    def save(self, path: Path) -> None:
        payload = {
            "signals": self.signals,
            "weights": self.weights,
            "features": self.features,
            "mean": self.mean,
            "scale": self.scale,
            "coef": self.coef,
            "intercept": self.intercept,
            "info": self.info,
        }
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def for_signals(self, available: list[str]) -> "Ranker":
        """This ranker if the snapshot has exactly its signals, else plain equal-weight fusion.

        A deployment with other encoders (or a missing vector store) keeps
        working; only the learned second stage needs the signals it was fitted on.
        """
        if sorted(available) == sorted(self.signals):
            return self
        weights = {name: self.weights.get(name, 1.0) for name in available}
        return Ranker(signals=list(available), weights=weights, info={"fallback": True})


def fuse(scores: QueryScores, weights: dict[str, float]) -> np.ndarray:
    fused: np.ndarray | None = None
    for name, weight in weights.items():
        if weight and name in scores.z:
            part = weight * scores.z[name]
            fused = part if fused is None else fused + part
    if fused is None:
        any_signal = next(iter(scores.raw.values()), np.zeros(0))
        return np.zeros_like(any_signal)
    return fused


def _bigrams(text: str) -> set[str]:
    compact = normalize(text).replace(" ", "")
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def candidate_features(
    snapshot: Snapshot, scores: QueryScores, fused: np.ndarray, order: list[int], signals: list[str]
) -> list[dict[str, float]]:
    """Per-candidate features, in the order of `order` (document indexes)."""
    # The re-ranker and the gate were fitted on Japanese words: an English question's words count through the
    # lexical signals (BM25 over the English texts), and the word features stay as they were for it before the
    # English texts existed (none), so that a town with few or no English texts is decided as before.
    query_words = set(feature_tokens(scores))
    query_mass = sum(snapshot.idf_of(word) for word in query_words) or 1.0
    # Only words some FAQ uses: a word no FAQ knows says nothing about this candidate in particular.
    query_top_idf = max((snapshot.idf[word] for word in query_words if word in snapshot.idf), default=0.0) or 1.0
    query_names = set() if mostly_latin(scores.query) else set(tokenizer().proper_nouns(scores.query))
    query_bigrams = _bigrams(scores.query)
    top = float(fused[order[0]]) if order else 0.0
    rows = []
    for rank, index in enumerate(order):
        question_words = snapshot.question_sets[index]
        answer_words = snapshot.answer_sets[index]
        question_mass = sum(snapshot.idf_of(word) for word in question_words) or 1.0
        row = {name: float(scores.z[name][index]) for name in signals if name in scores.z}
        row |= {f"raw:{name}": float(scores.raw[name][index]) for name in signals if ":" in name}
        document = snapshot.documents[index]
        dice = 0.0
        for text in (document.question, *document.alternates):
            grams = _bigrams(text)
            if grams or query_bigrams:
                dice = max(dice, 2 * len(grams & query_bigrams) / (len(grams) + len(query_bigrams)))
        row |= {
            "query_coverage_question": sum(snapshot.idf_of(w) for w in query_words if w in question_words) / query_mass,
            "query_coverage_answer": sum(snapshot.idf_of(w) for w in query_words if w in answer_words) / query_mass,
            "question_coverage": sum(snapshot.idf_of(w) for w in question_words if w in query_words) / question_mass,
            "char_bigram_dice": dice,
            "fused": float(fused[index]),
            "fused_gap_to_top": float(fused[index]) - top,
            "inverse_rank": 1.0 / (rank + 1),
            "log_query_tokens": math.log1p(len(query_words)),
            "log_question_tokens": math.log1p(len(question_words)),
        }
        # For the gate (not used by the re-ranker): how much of the question the FAQ's whole text covers, and the
        # weight of its most informative word that the FAQ does not use at all (a detail the FAQ does not hold).
        in_faq = question_words | answer_words
        missing = [snapshot.idf[w] for w in query_words if w in snapshot.idf and w not in in_faq]
        row["query_coverage_any"] = sum(snapshot.idf_of(w) for w in query_words if w in in_faq) / query_mass
        row["query_missing_weight"] = max(missing, default=0.0) / query_top_idf
        row["query_names_missing"] = float(any(name not in in_faq for name in query_names))
        rows.append(row)
    return rows


def feature_tokens(scores: QueryScores) -> list[str]:
    """The question's words as the re-ranker's and the gate's word features see them (Japanese words only)."""
    return scores.tokens if scores.lang == "ja" else []


def exact_match(snapshot: Snapshot, query: str, order: list[int], lang: str = "ja") -> int | None:
    """Position in `order` of the one document having the query as a question or alternate (in the query's
    language), if exactly one has."""
    key = exact_key(query)
    # A question in Latin script may still be a Japanese FAQ's own question (one with a URL or code in it, say).
    first, second = (snapshot.exact_en, snapshot.exact) if lang == "en" else (snapshot.exact, snapshot.exact_en)
    matches = first.get(key) or second.get(key, set())
    if len(matches) != 1:
        return None
    (index,) = matches
    return order.index(index) if index in order else None


def feature_names(signals: list[str]) -> list[str]:
    return [*signals, *(f"raw:{name}" for name in signals if ":" in name), *EXTRA_FEATURES]


def rank(
    snapshot: Snapshot,
    scores: QueryScores,
    ranker: Ranker,
    *,
    keep: Any = None,
    limit: int = 10,
) -> list[Candidate]:
    """Rank documents for one query.

    `keep(faq_ids) -> set` filters the first-stage candidates (published and
    valid today); it is called once per query.
    """
    if not len(snapshot):
        return []
    fused = fuse(scores, ranker.weights)
    first = np.argsort(-fused, kind="stable")[:FIRST_STAGE].tolist()
    if keep is not None:
        allowed = keep([snapshot.documents[i].faq_id for i in first])
        first = [i for i in first if snapshot.documents[i].faq_id in allowed]
    order = first[:RERANK_DEPTH]
    if not order:
        return []
    features = candidate_features(snapshot, scores, fused, order, ranker.signals)
    if ranker.learned:
        matrix = np.asarray([[row.get(name, 0.0) for name in ranker.features] for row in features])
        logits = ((matrix - np.asarray(ranker.mean)) / np.asarray(ranker.scale)) @ np.asarray(ranker.coef)
        probabilities = 1.0 / (1.0 + np.exp(-(logits + ranker.intercept)))
    else:
        probabilities = 1.0 / (1.0 + np.exp(-np.asarray([row["fused"] for row in features])))
    # A question that is word for word one of the town's approved questions of
    # exactly one FAQ is that FAQ: staff said so. (Shared by several FAQs: the
    # model decides as usual.)
    exact = exact_match(snapshot, scores.query, order, scores.lang)
    if exact is not None:
        probabilities[exact] = max(float(probabilities[exact]), EXACT_MATCH_SCORE)
        features[exact]["exact_match"] = 1.0
    ranked = sorted(range(len(order)), key=lambda i: (-probabilities[i], i))
    result = []
    for position in ranked[:limit]:
        index = order[position]
        result.append(
            Candidate(
                faq_id=snapshot.documents[index].faq_id,
                score=float(probabilities[position]),
                fused=float(fused[index]),
                signals={name: float(values[index]) for name, values in scores.raw.items()},
                features=features[position],
            )
        )
    return result

"""What the gate looks at: numbers that mean the same for a 150-FAQ town and a 1,800-FAQ city.

Every feature is a probability or a score from the re-ranker, a z-score, a
share, or a count of close candidates; raw BM25 scores (which grow with the
corpus) are never used. Dense signals are named by role (the FAQ's question
or its answer), averaged over whichever encoders the index has, so a town
that configures other encoders keeps the same features.
"""

import math
from collections.abc import Sequence

from faq.retrieval.index import SearchResult
from faq.retrieval.ranker import Candidate
from faq.retrieval.text import mostly_latin

FEATURES = (
    # The re-ranker: how likely the first candidate is relevant, and how far ahead it is.
    "top_score",
    "second_score",
    "margin",
    "close_count",
    "top_fused",
    "fused_margin",
    # Agreement between signals: which of them put the first candidate first.
    "signals_agree",
    "lexical_agrees",
    "dense_agrees",
    # The first candidate's signals, as z-scores over the whole index and as similarities.
    "top_lexical_z",
    "dense_question_z",
    "dense_answer_z",
    "dense_question_sim",
    "dense_answer_sim",
    "dense_question_sim_margin",
    # Coverage of the question's informative words (IDF-weighted) by the first FAQ.
    "coverage_question",
    "coverage_answer",
    "coverage_any",
    "question_coverage",
    "missing_weight",
    "names_missing",
    "bigram_dice",
    # The question itself.
    "log_query_chars",
    "log_query_tokens",
    "unknown_share",
    "latin",
    "exact_match",
)
CLOSE = 0.15  # candidates within this score of the first are "close"


def _leads(top: Candidate, candidates: Sequence[Candidate], signal: str) -> bool:
    best = max(candidates, key=lambda c: c.signals.get(signal, float("-inf")))
    return best.faq_id == top.faq_id and signal in top.signals


def _role_mean(candidate: Candidate, role: str, prefix: str = "") -> float:
    values = [
        float(value)
        for name, value in candidate.features.items()
        if name.startswith(prefix) and name.endswith(f":{role}") and (prefix or not name.startswith("raw:"))
    ]
    return sum(values) / len(values) if values else 0.0


def gate_features(question: str, result: SearchResult) -> dict[str, float]:
    """All finite numbers; zero when there is no candidate."""
    candidates = result.candidates
    features = dict.fromkeys(FEATURES, 0.0)
    features["log_query_chars"] = math.log1p(len(question))
    features["log_query_tokens"] = math.log1p(result.query_tokens)
    features["unknown_share"] = result.unknown_share
    features["latin"] = float(mostly_latin(question))
    if not candidates:
        return features
    top = candidates[0]
    second = candidates[1] if len(candidates) > 1 else None
    features["top_score"] = top.score
    features["second_score"] = second.score if second else 0.0
    features["margin"] = top.score - features["second_score"]
    features["close_count"] = float(sum(1 for c in candidates[1:] if top.score - c.score <= CLOSE))
    features["top_fused"] = top.fused
    features["fused_margin"] = top.fused - (second.fused if second else top.fused - 10.0)
    signals = list(top.signals)
    leading = [name for name in signals if _leads(top, candidates, name)]
    features["signals_agree"] = len(leading) / len(signals) if signals else 0.0
    features["lexical_agrees"] = float("lexical" in leading)
    features["dense_agrees"] = float(any(":" in name for name in leading))
    features["top_lexical_z"] = float(top.features.get("lexical", 0.0))
    features["dense_question_z"] = _role_mean(top, "question")
    features["dense_answer_z"] = _role_mean(top, "answer")
    features["dense_question_sim"] = _role_mean(top, "question", "raw:")
    features["dense_answer_sim"] = _role_mean(top, "answer", "raw:")
    if second is not None:
        features["dense_question_sim_margin"] = features["dense_question_sim"] - _role_mean(second, "question", "raw:")
    for key, name in (
        ("coverage_question", "query_coverage_question"),
        ("coverage_answer", "query_coverage_answer"),
        ("coverage_any", "query_coverage_any"),
        ("question_coverage", "question_coverage"),
        ("missing_weight", "query_missing_weight"),
        ("names_missing", "query_names_missing"),
        ("bigram_dice", "char_bigram_dice"),
        ("exact_match", "exact_match"),
    ):
        features[key] = float(top.features.get(name, 0.0))
    return {key: value if math.isfinite(value) else 0.0 for key, value in features.items()}

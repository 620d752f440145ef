"""The LocalgovFAQ benchmark, read from the directory given on the command line.

The data is never copied into the project or the live database: documents
are indexed in a temporary chromadb directory and kept in memory.
"""

import json
import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from faq.retrieval import vectorstore
from faq.retrieval.encoders import Encoder
from faq.retrieval.engine import Document, Snapshot, build_snapshot
from faq.retrieval.ranker import RERANK_DEPTH, Ranker, rank

SPLITS = ("dev", "test", "all")
CUTOFF = 10  # Recall@10, Precision@10 and nDCG@10, as on the public leaderboard for this data


@dataclass
class Query:
    """A judged query. `relevant` is every FAQ judged relevant (grade >= 1); `grades` gives each one's grade
    (LocalgovFAQ: 2 = highly relevant, 1 = partly relevant). Built without grades, every relevant FAQ has
    grade 1."""

    query_id: int
    text: str
    relevant: set[int]
    grades: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.grades:
            self.grades = dict.fromkeys(self.relevant, 1)


def load_localgovfaq(directory: Path) -> tuple[list[Document], list[Query]]:
    corpus = json.loads((directory / "corpus.json").read_text(encoding="utf-8"))
    queries = json.loads((directory / "queries.json").read_text(encoding="utf-8"))
    qrels = json.loads((directory / "qrels.json").read_text(encoding="utf-8"))
    documents = []
    for key in sorted(corpus, key=int):
        question, _sep, answer = corpus[key].partition("\nAnswer: ")
        documents.append(Document(int(key), question.removeprefix("Question: ").strip(), answer.strip()))
    judged = []
    for key, text in sorted(queries.items(), key=lambda item: int(item[0])):
        grades = {int(doc): int(grade) for doc, grade in qrels.get(key, {}).items() if grade >= 1}
        judged.append(Query(int(key), text, set(grades), grades))
    return documents, [query for query in judged if query.relevant]


def split_queries(queries: list[Query], split: str) -> list[Query]:
    """Even query ids are the dev split, odd ids the test split (the data's README)."""
    if split == "all":
        return queries
    parity = 0 if split == "dev" else 1
    return [query for query in queries if query.query_id % 2 == parity]


def build_isolated(
    documents: list[Document], encoders: list[Encoder], *, progress: Callable[[int], None] | None = None
) -> tuple[Snapshot, float]:
    """Build, store the vectors in a temporary chromadb and read them back, as the live index does."""
    started = time.perf_counter()
    built = build_snapshot(documents, encoders, progress=progress)
    with tempfile.TemporaryDirectory(prefix="faq-bench-chroma-") as directory:
        chroma = vectorstore.client(Path(directory))
        faq_ids = [document.faq_id for document in documents]
        dense = {}
        for encoder in encoders:
            collection = vectorstore.VectorCollection(chroma, vectorstore.collection_name("bench", encoder.name))
            collection.create()
            views = {name: view for name, view in built.dense.items() if name.startswith(encoder.name + ":")}
            vectorstore.store_views(collection, faq_ids, views)
            dense.update(vectorstore.load_views(collection, encoder.name, built.position))
        vectorstore.forget_client(Path(directory))
    snapshot = Snapshot(built.documents, built.tokens, dense, built.encoders)
    return snapshot, time.perf_counter() - started


def recall_at(ranked: Sequence[int], relevant: set[int], k: int = CUTOFF) -> float:
    """Relevant FAQs in the top k over all relevant FAQs of the query (0 when it has none)."""
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def precision_at(ranked: Sequence[int], relevant: set[int], k: int = CUTOFF) -> float:
    """Relevant FAQs in the top k over k, however many FAQs were ranked."""
    return len(relevant.intersection(ranked[:k])) / k


def dcg(gains: Sequence[float]) -> float:
    """Sum of gain / log2(rank + 1), rank counted from 1."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at(ranked: Sequence[int], grades: Mapping[int, int], k: int = CUTOFF) -> float:
    """DCG of the top k with the grade as gain (unjudged FAQs gain 0), over the ideal DCG: the query's own
    grades in descending order, cut at k. 0 when the query has no relevant FAQ."""
    ideal = dcg(sorted((grade for grade in grades.values() if grade > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(faq_id, 0) for faq_id in ranked[:k]]) / ideal


def measure(queries: list[Query], ranked_ids: Callable[[str], list[int]]) -> dict[str, Any]:
    """SR@1, SR@5, MRR, Recall@10, Precision@10, graded nDCG@10 and latency of a ranking function over judged
    queries."""
    sr1 = sr5 = mrr = recall10 = precision10 = ndcg10 = 0.0
    latencies = []
    for query in queries:
        started = time.perf_counter()
        ranked = ranked_ids(query.text)
        latencies.append((time.perf_counter() - started) * 1000)
        recall10 += recall_at(ranked, query.relevant)
        precision10 += precision_at(ranked, query.relevant)
        ndcg10 += ndcg_at(ranked, query.grades)
        for position, faq_id in enumerate(ranked):
            if faq_id in query.relevant:
                sr1 += position == 0
                sr5 += position < 5
                mrr += 1 / (position + 1)
                break
    n = max(len(queries), 1)
    return {
        "n": len(queries),
        "sr1": round(sr1 / n, 4),
        "sr5": round(sr5 / n, 4),
        "mrr": round(mrr / n, 4),
        "recall10": round(recall10 / n, 4),
        "precision10": round(precision10 / n, 4),
        "ndcg10": round(ndcg10 / n, 4),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        "p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
    }


def evaluate(snapshot: Snapshot, ranker: Ranker, queries: list[Query]) -> dict[str, Any]:
    return measure(
        queries,
        lambda text: [c.faq_id for c in rank(snapshot, snapshot.score(text), ranker, limit=RERANK_DEPTH)],
    )

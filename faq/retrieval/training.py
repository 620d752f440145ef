"""Fit the fusion weights and the re-ranker on the benchmark's dev split (never on test)."""

import datetime
from collections.abc import Callable

import numpy as np

from faq.retrieval.benchmark import Query
from faq.retrieval.engine import QueryScores, Snapshot
from faq.retrieval.ranker import RERANK_DEPTH, Ranker, candidate_features, feature_names, fuse, rank

WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def _first_stage_quality(scored: list[tuple[QueryScores, set[int]]], snapshot: Snapshot, weights) -> float:  # type: ignore[no-untyped-def]
    sr1 = mrr = 0.0
    for scores, relevant in scored:
        order = np.argsort(-fuse(scores, weights), kind="stable")[:100]
        for position, index in enumerate(order):
            if snapshot.documents[index].faq_id in relevant:
                sr1 += position == 0
                mrr += 1 / (position + 1)
                break
    return (sr1 + mrr) / max(len(scored), 1)


def fit_weights(scored: list[tuple[QueryScores, set[int]]], snapshot: Snapshot, signals: list[str]) -> dict[str, float]:
    """Coordinate ascent on SR@1 + MRR of the fused ranking, starting from equal weights."""
    weights = dict.fromkeys(signals, 1.0)
    best = _first_stage_quality(scored, snapshot, weights)
    for _round in range(3):
        improved = False
        for name in signals:
            for value in WEIGHT_GRID:
                trial = weights | {name: value}
                if not any(trial.values()):
                    continue
                quality = _first_stage_quality(scored, snapshot, trial)
                if quality > best + 1e-9:
                    best, weights, improved = quality, trial, True
        if not improved:
            break
    return weights


def _fit(snapshot: Snapshot, scored: list[tuple[QueryScores, set[int]]], *, tune_weights: bool) -> Ranker:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    signals = snapshot.signals
    weights = fit_weights(scored, snapshot, signals) if tune_weights else dict.fromkeys(signals, 1.0)
    names = feature_names(signals)
    rows, labels = [], []
    for scores, relevant in scored:
        fused = fuse(scores, weights)
        order = np.argsort(-fused, kind="stable")[:RERANK_DEPTH].tolist()
        for index, features in zip(order, candidate_features(snapshot, scores, fused, order, signals), strict=True):
            rows.append([features.get(name, 0.0) for name in names])
            labels.append(int(snapshot.documents[index].faq_id in relevant))
    matrix = np.asarray(rows)
    scaler = StandardScaler().fit(matrix)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(scaler.transform(matrix), np.asarray(labels))
    return Ranker(
        signals=signals,
        weights=weights,
        features=names,
        mean=[round(float(v), 6) for v in scaler.mean_],
        scale=[round(float(v), 6) if v > 1e-9 else 1.0 for v in scaler.scale_],
        coef=[round(float(v), 6) for v in model.coef_[0]],
        intercept=round(float(model.intercept_[0]), 6),
    )


def _quality(snapshot: Snapshot, ranker: Ranker, scored: list[tuple[QueryScores, set[int]]]) -> dict[str, float]:
    sr1 = mrr = 0.0
    for scores, relevant in scored:
        for position, candidate in enumerate(rank(snapshot, scores, ranker, limit=RERANK_DEPTH)):
            if candidate.faq_id in relevant:
                sr1 += position == 0
                mrr += 1 / (position + 1)
                break
    n = max(len(scored), 1)
    return {"sr1": round(sr1 / n, 4), "mrr": round(mrr / n, 4)}


def cross_validate(
    snapshot: Snapshot, scored: list[tuple[QueryScores, set[int]]], *, tune_weights: bool, folds: int = 5
) -> dict[str, float]:
    """Mean SR@1 and MRR over folds of the dev split (the test split is never looked at)."""
    order = np.random.RandomState(0).permutation(len(scored))
    parts = np.array_split(order, folds)
    results = []
    for held_out in parts:
        held = set(held_out.tolist())
        training = [item for i, item in enumerate(scored) if i not in held]
        ranker = _fit(snapshot, training, tune_weights=tune_weights)
        results.append(_quality(snapshot, ranker, [scored[i] for i in held_out]))
    return {key: round(float(np.mean([r[key] for r in results])), 4) for key in ("sr1", "mrr")}


def train_ranker(snapshot: Snapshot, queries: list[Query], *, progress: Callable[[int], None] | None = None) -> Ranker:
    """Choose between equal and tuned first-stage weights by 5-fold cross-validation on dev, then fit on all of dev."""
    scored = []
    for query in queries:
        scored.append((snapshot.score(query.text), query.relevant))
        if progress:
            progress(1)
    cv = {label: cross_validate(snapshot, scored, tune_weights=label == "tuned") for label in ("equal", "tuned")}
    best = max(cv, key=lambda label: cv[label]["sr1"] + cv[label]["mrr"])
    ranker = _fit(snapshot, scored, tune_weights=best == "tuned")
    ranker.info = {
        "trained_on": "LocalgovFAQ (JSON derivative, A+B), dev split (even query ids)",
        "queries": len(queries),
        "first_stage_weights": best,
        "cross_validation": cv,
        "trained": datetime.date.today().isoformat(),
    }
    return ranker

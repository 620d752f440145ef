"""Group questions by meaning with the product's own sentence encoder.

Identical wordings (ignoring width, case, kana script, blanks and punctuation)
are counted once; the distinct wordings are embedded and grouped with sentence-
transformers' community detection: every member of a group is at least
`threshold` cosine-similar to the group's centre. The input order is fixed
(most frequent first, then by text) and nothing is random, so the same
questions always give the same groups.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

from faq.retrieval.encoders import Encoder
from faq.retrieval.text import exact_key

ENCODE_BATCH = 512


def fold(text: str) -> str:
    """The form under which two wordings count as the same: the search's exact-match form
    (width, case, kana script, blanks and punctuation do not count)."""
    return exact_key(text)


@dataclass
class Group:
    centre: str
    members: list[tuple[str, int]]  # (wording, count), most frequent first
    centroid: np.ndarray
    indices: list[int] = field(default_factory=list)  # positions of the distinct folded wordings

    @property
    def size(self) -> int:
        return sum(count for _text, count in self.members)


def analytics_encoder() -> Encoder:
    encoder: Encoder = import_string(settings.ANALYTICS_ENCODER)()
    return encoder


def distinct_wordings(texts: Iterable[str]) -> tuple[list[str], list[str], list[int], dict[str, int]]:
    """Fold and count: (folded keys, a display wording per key, counts, key -> position), most frequent first."""
    counts: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = {}
    for text in texts:
        key = fold(text)
        if not key:
            continue
        counts[key] += 1
        shown.setdefault(key, Counter())[text.strip()] += 1
    keys = sorted(counts, key=lambda key: (-counts[key], key))
    display = [min(shown[key].items(), key=lambda item: (-item[1], item[0]))[0] for key in keys]
    return keys, display, [counts[key] for key in keys], {key: position for position, key in enumerate(keys)}


def embed(texts: list[str], encoder: Encoder) -> np.ndarray:
    parts = [
        encoder.encode_queries(texts[start : start + ENCODE_BATCH]) for start in range(0, len(texts), ENCODE_BATCH)
    ]
    return np.vstack(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def cluster(display: list[str], counts: list[int], vectors: np.ndarray, *, threshold: float) -> list[Group]:
    """Groups of distinct wordings (already sorted most frequent first), largest (by questions) first."""
    if not display:
        return []
    from sentence_transformers.util import community_detection

    communities = community_detection(vectors, threshold=threshold, min_community_size=1, batch_size=256)
    groups: list[Group] = []
    for community in communities:
        members = sorted(community, key=lambda index: (-counts[index], index))
        weights = np.array([counts[index] for index in members], dtype=np.float32)
        centroid = (vectors[members] * weights[:, None]).sum(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        groups.append(
            Group(
                centre=display[community[0]],
                members=[(display[index], counts[index]) for index in members],
                centroid=centroid.astype(np.float32),
                indices=members,
            )
        )
    groups.sort(key=lambda group: (-group.size, -len(group.members), group.centre))
    return groups


def best_match(centroid: np.ndarray, previous: list[np.ndarray], *, threshold: float) -> int | None:
    """The previous month's group most similar to this one, if at least `threshold` similar."""
    if not previous:
        return None
    similarities = np.vstack(previous) @ centroid
    best = int(np.argmax(similarities))
    return best if float(similarities[best]) >= threshold else None

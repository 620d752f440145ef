"""Each process's loaded index: the active generation's snapshot (reloaded when it changes), encoders, ranker."""

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

from faq.models import Faq, FaqStatus, IndexedDocument, IndexGeneration, IndexStatus
from faq.retrieval import vectorstore
from faq.retrieval.encoders import Encoder, configured_encoders
from faq.retrieval.engine import DenseView, Document, DocumentTokens, Snapshot, encode_views, is_english_view
from faq.retrieval.ranker import Ranker

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, object] = {}


def document_of(faq: Faq) -> Document:
    if not faq.has_english:
        return Document(faq.pk, faq.question, faq.answer, tuple(faq.alternate_questions))
    return Document(
        faq.pk,
        faq.question,
        faq.answer,
        tuple(faq.alternate_questions),
        question_en=faq.question_en,
        answer_en=faq.answer_en,
        alternates_en=tuple(faq.alternate_questions_en),
    )


def loaded_encoders() -> list[Encoder]:
    with _lock:
        encoders = _cache.get("encoders")
        if encoders is None:
            encoders = configured_encoders()
            _cache["encoders"] = encoders
    return encoders  # type: ignore[return-value]


def loaded_ranker() -> Ranker:
    with _lock:
        ranker = _cache.get("ranker")
        if ranker is None:
            ranker = Ranker.load(Path(settings.RETRIEVAL_RANKER))
            _cache["ranker"] = ranker
    return ranker  # type: ignore[return-value]


def vector_collection(generation: IndexGeneration, encoder: Encoder) -> vectorstore.VectorCollection:
    name = vectorstore.collection_name(generation.collection_prefix, encoder.name)
    collection: vectorstore.VectorCollection = vectorstore.vector_store().collection(name)
    return collection


def _load_generation(generation: IndexGeneration) -> Snapshot:
    entries = list(IndexedDocument.objects.filter(generation=generation).order_by("faq_id"))
    documents = [
        Document(
            e.faq_id,
            e.question,
            "",
            tuple(e.alternates),
            question_en=e.question_en,
            alternates_en=tuple(e.alternates_en),
        )
        for e in entries
    ]
    tokens = [
        DocumentTokens(
            question=e.question_tokens,
            answer=e.answer_tokens,
            question_en=e.question_tokens_en,
            answer_en=e.answer_tokens_en,
        )
        for e in entries
    ]
    snapshot = Snapshot(documents, tokens, {}, {})
    warnings = []
    for encoder in loaded_encoders():
        views: dict[str, Any] = {}
        problem = ""
        for attempt in range(2):
            try:
                views = vectorstore.load_views(vector_collection(generation, encoder), encoder.name, snapshot.position)
                problem = "" if _complete(views, len(documents)) else f"vectors missing for {encoder.name}"
            except Exception as exc:
                problem = f"vector store unavailable for {encoder.name}: {exc.__class__.__name__}: {exc}"
            if not problem or attempt or settings.CHROMA_HOST:
                break
            # An embedded chromadb client keeps what it read in memory and does
            # not see vectors another process (the task cluster, a command)
            # wrote since: reopen it and read again.
            vectorstore.forget_client(Path(settings.CHROMA_PATH))
        if problem and not views:
            warnings.append(problem)
            continue
        if problem:
            warnings.append(problem)
        snapshot.dense.update(views)
        snapshot.encoders[encoder.name] = encoder
    snapshot.warnings = warnings
    for warning in warnings:
        logger.warning("search index generation %s: %s; answering with lexical search", generation.pk, warning)
    return snapshot


def _complete(views: dict[str, Any], documents: int) -> bool:
    """Every document has a vector in every view (the English views hold only the FAQs with English text)."""
    return bool(views) and all(
        len(set(view.rows.tolist())) == documents for name, view in views.items() if not is_english_view(name)
    )


def _load_from_database() -> Snapshot:
    faqs = list(Faq.objects.filter(status=FaqStatus.PUBLISHED).order_by("pk"))
    documents = [document_of(faq) for faq in faqs]
    snapshot = Snapshot(documents, [DocumentTokens.of(d) for d in documents], {}, {})
    snapshot.warnings = ["no search index has been built; lexical search from the database (run rebuild_index)"]
    logger.warning(snapshot.warnings[0])
    return snapshot


def _snapshot_key() -> tuple[object, ...]:
    active = IndexGeneration.objects.filter(status=IndexStatus.ACTIVE).values_list("pk", "revision").first()
    if active is not None:
        return ("generation", *active)
    published = Faq.objects.filter(status=FaqStatus.PUBLISHED).aggregate(latest=Max("updated_at"), count=Count("pk"))
    return ("database", published["latest"], published["count"])


def current_snapshot() -> tuple[Snapshot, int | None]:
    """The snapshot of the active generation, reloaded when it changed.

    Without any built index, the lexical part is rebuilt from the database so
    residents still get answers. If a rebuild in another process switches
    generations while this one loads, it loads again.
    """
    for _attempt in range(3):
        key = _snapshot_key()
        generation_id = int(key[1]) if key[0] == "generation" else None  # type: ignore[call-overload]
        with _lock:
            cached = _cache.get("snapshot")
            if cached is not None and cached[0] == key:  # type: ignore[index]
                return cached[1], generation_id  # type: ignore[index]
        generation = IndexGeneration.objects.filter(pk=generation_id).first() if generation_id else None
        snapshot = _load_generation(generation) if generation else _load_from_database()
        if _snapshot_key() != key:
            continue
        with _lock:
            _cache["snapshot"] = (key, snapshot)
        return snapshot, generation_id
    return snapshot, generation_id


def snapshot_with_faqs(faq_ids: Iterable[int]) -> Snapshot:
    """The live index with these FAQs taken again from the database, built aside in memory: published ones
    re-tokenised and re-embedded (only they are encoded), the others left out. Nothing is stored; the live
    index is unchanged. Used inside a transaction that holds a change not yet committed."""
    changed = set(faq_ids)
    published = Faq.objects.filter(pk__in=changed, status=FaqStatus.PUBLISHED).order_by("pk")
    return _snapshot_aside(changed, [document_of(faq) for faq in published])


def snapshot_with_proposed(faqs: dict[int, Faq]) -> Snapshot:
    """The live index with these FAQs as a change would leave them (unsaved copies by number, see
    a change request's), built aside in memory: published copies re-tokenised and re-embedded, the others left
    out. Nothing is read from the FAQ rows and nothing is stored; the live index is unchanged."""
    fresh = [document_of(faq) for _number, faq in sorted(faqs.items()) if faq.status == FaqStatus.PUBLISHED]
    return _snapshot_aside(set(faqs), fresh)


def _snapshot_aside(changed: set[int], fresh: list[Document]) -> Snapshot:
    """The live snapshot without the `changed` FAQs' documents and with the `fresh` ones (only they are encoded)."""
    base, _generation = current_snapshot()
    kept = [index for index, document in enumerate(base.documents) if document.faq_id not in changed]
    renumber = np.full(len(base.documents) + 1, -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    documents = [base.documents[index] for index in kept] + fresh
    tokens = [base.tokens[index] for index in kept] + [DocumentTokens.of(document) for document in fresh]
    dense: dict[str, DenseView] = {}
    for encoder in base.encoders.values():
        added = encode_views(fresh, encoder) if fresh else {}
        empty = DenseView(np.zeros((0, 1), dtype=np.float32), np.zeros(0, dtype=np.int64))
        for name in sorted(set(base.dense) | set(added)):
            if not name.startswith(encoder.name + ":"):
                continue
            view = base.dense.get(name, empty)
            rows = renumber[view.rows] if len(view.rows) else view.rows
            keep = rows >= 0
            vectors, rows = view.vectors[keep], rows[keep]
            if name in added and len(added[name].rows):
                vectors = np.vstack([vectors, added[name].vectors]) if len(vectors) else added[name].vectors
                rows = np.concatenate([rows, added[name].rows + len(kept)])
            dense[name] = DenseView(vectors, rows)
    snapshot = Snapshot(documents, tokens, dense, dict(base.encoders))
    snapshot.warnings = list(base.warnings)
    return snapshot


def forget_loaded_index() -> None:
    """Drop this process's cached snapshot, encoders and ranker (tests, settings changes)."""
    with _lock:
        _cache.clear()

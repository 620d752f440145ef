"""The live search index: built from published FAQs, kept in sync, searched.

Source of truth is the database (IndexedDocument rows hold each indexed
FAQ's texts and tokens) plus chromadb (its vectors). Every process keeps an
in-memory Snapshot (`faq.retrieval.snapshot`) and reloads it when the active
generation or its revision changes, so a change made by one process (an
admin edit, an import) is seen by all others at their next question.
"""

import datetime
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Max
from django.utils import timezone

from faq import selectors
from faq.models import Faq, FaqStatus, IndexedDocument, IndexGeneration, IndexStatus
from faq.retrieval import vectorstore
from faq.retrieval.encoders import Encoder
from faq.retrieval.engine import Snapshot, build_snapshot, work_units
from faq.retrieval.ranker import Candidate, feature_tokens, rank
from faq.retrieval.snapshot import current_snapshot, document_of, loaded_encoders, loaded_ranker, vector_collection

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    candidates: list[Candidate]
    warnings: list[str] = field(default_factory=list)
    generation: int | None = None
    # When a published FAQ out of its validity dates (expired or not yet
    # valid) ranks first among all published FAQs: that FAQ, and the ranking
    # it leads. If the gate would have answered with it, the question is about
    # a rule that no longer (or not yet) applies and goes to that FAQ's
    # department rather than to a neighbouring answer.
    out_of_date_faq: int | None = None
    with_out_of_date: list[Candidate] = field(default_factory=list)
    # The question's informative words, and the share of them no FAQ uses.
    query_tokens: int = 0
    unknown_share: float = 0.0


def _encoder_signature(encoders: Iterable[Encoder]) -> str:
    return "+".join(encoder.name for encoder in encoders)


def _save_entries(generation: IndexGeneration, faqs: list[Faq], snapshot: Snapshot) -> None:
    versions = dict(
        Faq.history.filter(id__in=[faq.pk for faq in faqs])
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )
    IndexedDocument.objects.bulk_create(
        [
            IndexedDocument(
                generation=generation,
                faq=faq,
                faq_version=versions.get(faq.pk),
                question=faq.question,
                alternates=list(faq.alternate_questions),
                question_tokens=tokens.question,
                answer_tokens=tokens.answer,
                question_en=faq.question_en if faq.has_english else "",
                alternates_en=list(faq.alternate_questions_en) if faq.has_english else [],
                question_tokens_en=tokens.question_en,
                answer_tokens_en=tokens.answer_en,
            )
            for faq, tokens in zip(faqs, snapshot.tokens, strict=True)
        ],
        batch_size=500,
    )
    faq_ids = [faq.pk for faq in faqs]
    for encoder in loaded_encoders():
        views = {name: view for name, view in snapshot.dense.items() if name.startswith(encoder.name + ":")}
        vectorstore.store_views(vector_collection(generation, encoder), faq_ids, views)


def index_rebuild(
    *, progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None
) -> IndexGeneration:
    """Build a complete new generation aside, then switch to it atomically."""
    started = time.perf_counter()
    since = timezone.now()
    encoders = loaded_encoders()
    generation = IndexGeneration.objects.create(encoders=_encoder_signature(encoders))
    try:
        for encoder in encoders:
            vector_collection(generation, encoder).create()
        faqs = list(Faq.objects.filter(status=FaqStatus.PUBLISHED).order_by("pk"))
        documents = [document_of(faq) for faq in faqs]
        if on_total:
            on_total(work_units(documents, encoders))
        snapshot = build_snapshot(documents, encoders, progress=progress)
        _save_entries(generation, faqs, snapshot)
        # FAQs changed while we were building: bring them into the new generation.
        changed = list(Faq.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
        if changed:
            _sync_generation(generation, changed)
        with transaction.atomic():
            retired = list(IndexGeneration.objects.select_for_update().filter(status=IndexStatus.ACTIVE))
            IndexGeneration.objects.filter(pk__in=[g.pk for g in retired]).update(status=IndexStatus.RETIRED)
            generation.status = IndexStatus.ACTIVE
            generation.activated_at = timezone.now()
            generation.documents = IndexedDocument.objects.filter(generation=generation).count()
            generation.build_seconds = round(time.perf_counter() - started, 2)
            generation.save()
    except BaseException:
        IndexGeneration.objects.filter(pk=generation.pk).update(status=IndexStatus.FAILED)
        _drop_generation(generation)
        raise
    for old in IndexGeneration.objects.filter(status__in=[IndexStatus.RETIRED, IndexStatus.FAILED]):
        _drop_generation(old)
    return generation


def _drop_generation(generation: IndexGeneration) -> None:
    for encoder in loaded_encoders():
        vector_collection(generation, encoder).drop()
    generation.delete()


def _sync_generation(generation: IndexGeneration, faq_ids: list[int]) -> None:
    IndexedDocument.objects.filter(generation=generation, faq_id__in=faq_ids).delete()
    for encoder in loaded_encoders():
        vector_collection(generation, encoder).delete_faqs(faq_ids)
    faqs = list(Faq.objects.filter(pk__in=faq_ids, status=FaqStatus.PUBLISHED).order_by("pk"))
    if faqs:
        snapshot = build_snapshot([document_of(faq) for faq in faqs], loaded_encoders())
        _save_entries(generation, faqs, snapshot)


def index_sync_faqs(faq_ids: Iterable[int]) -> int:
    """Bring the given FAQs up to date in every live generation; returns the generations touched.

    Published FAQs are (re)indexed; drafts, withdrawn and deleted ones are
    removed. Validity dates are applied at question time, so an FAQ that
    expires or takes effect needs no index change.
    """
    ids = sorted(set(faq_ids))
    if not ids:
        return 0
    touched = 0
    for generation in IndexGeneration.objects.filter(status__in=[IndexStatus.ACTIVE, IndexStatus.BUILDING]):
        _sync_generation(generation, ids)
        IndexGeneration.objects.filter(pk=generation.pk).update(
            revision=F("revision") + 1,
            documents=IndexedDocument.objects.filter(generation=generation).count(),
        )
        touched += 1
    return touched


def index_sync_on_commit(faq_ids: Iterable[int]) -> None:
    """Queue an index update for after the current transaction commits.

    A failure here must not undo the staff member's saved change: it is
    logged, and questions stay correct because status and validity are
    checked against the database at question time.
    """
    ids = list(faq_ids)

    def run() -> None:
        try:
            index_sync_faqs(ids)
        except Exception:
            logger.exception("search index update failed for FAQs %s; run `manage.py rebuild_index`", ids[:20])

    transaction.on_commit(run)


def index_lag(*, changed_before: datetime.datetime | None = None) -> tuple[list[int], list[int]]:
    """What the active index does not match: published FAQs it lacks or holds with older texts (every published
    FAQ when no index is active), and FAQs no longer published that it still holds. With `changed_before`, only
    FAQs last changed before then count (a change is indexed right after it commits).

    The index keeps, per FAQ, the version it was built from; that entry is current when the version's question,
    alternate questions and answer are the FAQ's texts now. Comparing texts rather than version numbers leaves
    out versions that change nothing indexed (a review date confirmed)."""
    from django.db.models import Exists, OuterRef

    published = Faq.objects.filter(status=FaqStatus.PUBLISHED)
    withdrawn_base = Faq.objects.exclude(status=FaqStatus.PUBLISHED)
    if changed_before is not None:
        published = published.filter(updated_at__lt=changed_before)
        withdrawn_base = withdrawn_base.filter(updated_at__lt=changed_before)
    generation = IndexGeneration.objects.filter(status=IndexStatus.ACTIVE).first()
    if generation is None:
        return sorted(published.values_list("pk", flat=True)), []
    same_texts = Faq.history.model.objects.filter(
        history_id=OuterRef("faq_version"),
        id=OuterRef(OuterRef("pk")),
        question=OuterRef(OuterRef("question")),
        answer=OuterRef(OuterRef("answer")),
        alternate_questions=OuterRef(OuterRef("alternate_questions")),
        question_en=OuterRef(OuterRef("question_en")),
        answer_en=OuterRef(OuterRef("answer_en")),
        alternate_questions_en=OuterRef(OuterRef("alternate_questions_en")),
    )
    current = IndexedDocument.objects.filter(generation=generation, faq=OuterRef("pk")).filter(Exists(same_texts))
    stale = sorted(published.exclude(Exists(current)).values_list("pk", flat=True))
    held = IndexedDocument.objects.filter(generation=generation, faq=OuterRef("pk"))
    unpublished = sorted(withdrawn_base.filter(Exists(held)).values_list("pk", flat=True))
    return stale, unpublished


def search(
    query: str, *, limit: int = 10, snapshot: Snapshot | None = None, proposed: Mapping[int, Faq] | None = None
) -> SearchResult:
    """Rank published FAQs that are valid today for one question. `snapshot` and `proposed`: search an index built
    aside (`snapshot_with_proposed`) with FAQs as a change would leave them, instead of the live ones."""
    if snapshot is None:
        snapshot, generation = current_snapshot()
    else:
        generation = None
    proposed = proposed or {}
    ranker = loaded_ranker().for_signals(snapshot.signals)

    public: set[int] = set()
    published: set[int] = set()

    def keep_published(faq_ids: list[int]) -> set[int]:
        # One query on the question path: published FAQs, each marked valid today or not. FAQs a check puts in
        # place (`proposed`) are taken as proposed, not from the database.
        today = selectors.today_local()
        valid_today = selectors.faq_valid_on_q(today)
        found = Faq.objects.filter(
            pk__in=[faq_id for faq_id in faq_ids if faq_id not in proposed], status=FaqStatus.PUBLISHED
        ).annotate(valid_today=ExpressionWrapper(valid_today, output_field=BooleanField()))
        for faq_id, valid_today in found.values_list("pk", "valid_today"):
            published.add(faq_id)
            if valid_today:
                public.add(faq_id)
        for faq_id in faq_ids:
            faq = proposed.get(faq_id)
            if faq is not None and faq.status == FaqStatus.PUBLISHED:
                published.add(faq_id)
                if selectors.faq_valid_on(faq, today):
                    public.add(faq_id)
        return published

    scores = snapshot.score(query)
    ranked = rank(snapshot, scores, ranker, keep=keep_published, limit=limit)
    out_of_date = None
    with_out_of_date: list[Candidate] = []
    if ranked and ranked[0].faq_id not in public:
        out_of_date, with_out_of_date = ranked[0].faq_id, ranked
        candidates = rank(snapshot, scores, ranker, keep=lambda ids: public & set(ids), limit=limit)
    else:
        candidates = [c for c in ranked if c.faq_id in public]
    words = feature_tokens(scores)
    unknown = sum(1 for token in words if token not in snapshot.idf)
    return SearchResult(
        candidates=candidates,
        warnings=list(snapshot.warnings),
        generation=generation,
        out_of_date_faq=out_of_date,
        with_out_of_date=with_out_of_date,
        query_tokens=len(words),
        unknown_share=unknown / len(words) if words else 0.0,
    )

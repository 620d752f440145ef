"""Which FAQs residents who use the chat in English needed in English: every FAQ they were shown in Japanese only
(its answer, or a choice), counted over the month's turns, most needed first. Staff write those English texts
first; an FAQ that has English now leaves the list."""

import datetime
from collections import Counter
from dataclasses import dataclass

from analytics.months import month_bounds
from chatbot.models import Channel, MachineTranslation, TranslationStatus, Turn
from faq.models import Faq, FaqStatus
from faq.selectors import faq_has_english_q


@dataclass
class EnglishNeeded:
    faq: Faq
    turns: int
    translation: MachineTranslation | None  # a machine translation awaiting staff review, if any


def english_needed(month: datetime.date, *, limit: int = 50) -> list[EnglishNeeded]:
    start, end = month_bounds(month)
    counts: Counter[int] = Counter()
    turns = (
        Turn.objects.filter(lang="en", created_at__gte=start, created_at__lt=end)
        .exclude(channel=Channel.EVAL)
        .exclude(untranslated_faqs=[])
        .values_list("untranslated_faqs", flat=True)
    )
    for faq_ids in turns.iterator():
        counts.update({int(faq_id) for faq_id in faq_ids or []})
    faqs = {
        faq.pk: faq
        for faq in Faq.objects.filter(pk__in=list(counts)).select_related("department")
        if not faq.has_english
    }
    pending = {
        t.faq_id: t
        for t in MachineTranslation.objects.filter(faq_id__in=list(faqs), status=TranslationStatus.PROPOSED).order_by(
            "faq_version"
        )
    }
    ranked = sorted(faqs, key=lambda faq_id: (-counts[faq_id], faq_id))[:limit]
    return [EnglishNeeded(faqs[faq_id], counts[faq_id], pending.get(faq_id)) for faq_id in ranked]


def published_without_english() -> int:
    """Published FAQs with no English text at all: the list above shows only those residents were shown; an FAQ an
    English question never finds is counted here."""
    return Faq.objects.filter(status=FaqStatus.PUBLISHED).exclude(faq_has_english_q()).count()

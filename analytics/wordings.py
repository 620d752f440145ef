"""Which wordings of a group may become an FAQ's questions, and what the exact-match rule then does with each.

A resident question that is word for word (faq.retrieval.text.exact_key) an approved question of exactly
one FAQ is answered with that FAQ whatever the model says. A wording added from a group therefore decides
the answer for everyone who asks that way, so staff choose each one knowing this, and a wording holding a
redaction placeholder never qualifies: 「［氏名］の住民票」 would match 「氏名の住民票」, since the exact-match form
drops the brackets, and it is not what any resident asked.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from analytics.models import GapCluster
from chatbot.privacy import PLACEHOLDERS
from faq.models import Faq, FaqStatus
from faq.retrieval.text import exact_key

# Compared after NFKC, so that a placeholder typed with ASCII brackets is recognised too.
_FOLDED_PLACEHOLDERS = {unicodedata.normalize("NFKC", text): text for text in PLACEHOLDERS.values()}


def placeholders_in(text: str) -> list[str]:
    """The redaction placeholders (［個人番号］, ［電話番号］ ...) that occur in ``text``, in the redactor's order."""
    folded = unicodedata.normalize("NFKC", text)
    return [placeholder for key, placeholder in _FOLDED_PLACEHOLDERS.items() if key in folded]


@dataclass(frozen=True)
class Owner:
    """An FAQ that already has a wording as its question or one of its alternate questions."""

    pk: int
    question: str
    status: str

    @property
    def is_published(self) -> bool:
        return self.status == FaqStatus.PUBLISHED

    @property
    def status_label(self) -> str:
        return str(FaqStatus(self.status).label)


@dataclass(frozen=True)
class WordingChoice:
    text: str
    count: int
    placeholders: list[str] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)

    @property
    def selectable(self) -> bool:
        return not self.placeholders


def _owners_by_key(keys: set[str]) -> dict[str, list[Owner]]:
    """exact_key -> the FAQs (not withdrawn) having it as their question or an alternate question."""
    found: dict[str, list[Owner]] = defaultdict(list)
    if not keys:
        return found
    rows = Faq.objects.exclude(status=FaqStatus.WITHDRAWN).order_by("pk")
    for pk, question, alternates, status in rows.values_list("pk", "question", "alternate_questions", "status"):
        seen: set[str] = set()
        for text in (question, *(alternates or [])):
            key = exact_key(text) if isinstance(text, str) else ""
            if key in keys and key not in seen:
                seen.add(key)
                found[key].append(Owner(pk=pk, question=question, status=status))
    return found


def wording_choices(groups: Iterable[GapCluster]) -> dict[int, list[WordingChoice]]:
    """Group id -> its wordings as staff may choose them, with the FAQs that already have each one."""
    groups = list(groups)
    keys = {exact_key(item["text"]) for group in groups for item in group.wordings}
    owners = _owners_by_key(keys - {""})
    return {
        group.pk: [
            WordingChoice(
                text=item["text"],
                count=item["count"],
                placeholders=placeholders_in(item["text"]),
                owners=owners.get(exact_key(item["text"]), []),
            )
            for item in group.wordings
        ]
        for group in groups
    }

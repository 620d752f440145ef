"""Just-in-time context: the few passages of the answered FAQ that bear on the question, within a budget.

The FAQ answer is cut into passages at sentence ends (each at most
PASSAGE_CHARS); the passages sharing the most informative words with the
question are kept, at most LLM_MAX_SNIPPETS and LLM_CONTEXT_CHARS in total,
in their original order. A short answer is one snippet.
"""

import re
from dataclasses import dataclass

from django.conf import settings

from faq.models import Faq
from faq.retrieval.text import normalize, tokenizer

PASSAGE_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|\n|(?<=\. )")


@dataclass(frozen=True)
class Snippet:
    id: str
    faq_id: int
    title: str
    text: str


def passages(text: str, limit: int = PASSAGE_CHARS) -> list[str]:
    sentences = [part.strip() for part in _SENTENCE_END.split(normalize(text)) if part and part.strip()]
    result: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:  # one very long sentence: cut it
            if current:
                result.append(current)
                current = ""
            result.append(sentence[:limit])
            sentence = sentence[limit:]
        if current and len(current) + len(sentence) + 1 > limit:
            result.append(current)
            current = ""
        separator = "" if not current or current.endswith(("。", "！", "？")) else " "
        current = current + separator + sentence
    if current:
        result.append(current)
    return result


def select(question: str, faqs: list[Faq]) -> list[Snippet]:
    """Snippets for the FAQs that passed the gate (the first is the answered one)."""
    budget = settings.LLM_CONTEXT_CHARS
    words = set(tokenizer().tokens(question))
    scored: list[tuple[float, int, int, str]] = []  # (-overlap, faq order, passage order, text)
    for order, faq in enumerate(faqs):
        for position, passage in enumerate(passages(faq.answer)):
            overlap = len(words & set(tokenizer().tokens(passage)))
            scored.append((-(overlap + (1.0 if position == 0 else 0.0)) + order * 100, order, position, passage))
    chosen: list[tuple[int, int, str]] = []
    used = 0
    for _score, order, position, passage in sorted(scored):
        if len(chosen) >= settings.LLM_MAX_SNIPPETS:
            break
        if used + len(passage) > budget and chosen:
            continue
        chosen.append((order, position, passage[: max(budget - used, 0)] if not chosen else passage))
        used += len(chosen[-1][2])
    chosen.sort()
    return [
        Snippet(id=f"S{number}", faq_id=faqs[order].pk, title=faqs[order].question, text=text)
        for number, (order, _position, text) in enumerate(chosen, start=1)
    ]

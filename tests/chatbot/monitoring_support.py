"""Helpers shared by the monitoring tests: resident turns asked through the real pipeline, a golden set the bot
handles right, the index faults the canary must notice, and the tasks waiting in the task queue."""

import datetime
import itertools
from typing import Any

from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from chatbot.models import Channel, Outcome, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import case_from_turn
from faq.models import Faq, IndexedDocument, IndexGeneration, IndexStatus

# Questions no FAQ of the small town answers: the bot hands them off.
HANDED_OFF = ["宇宙船の操縦免許はどこで取れますか", "隣の市の花火大会は何時からですか"]
OUT_OF_SCOPE = [*HANDED_OFF, "おすすめのラーメン屋を教えて"]
INDEXED_TEXTS = ["question", "alternates", "question_tokens", "answer_tokens"]


def ja(message: str, **params: object) -> str:
    """A text as the Japanese pages and e-mails show it (the catalogue's translation, else the text itself)."""
    with translation.override("ja"):
        text = gettext(message)
    return text % params if params else text


def ask(
    town: dict[str, Faq],
    *,
    answered: int = 0,
    handed_off: int = 0,
    minutes_ago: float = 5.0,
    channel: str = Channel.WEB,
) -> list[Turn]:
    """Resident turns through the real pipeline: `answered` FAQ questions and `handed_off` questions no FAQ
    answers, logged on `channel` and dated `minutes_ago`."""
    questions = [faq.question for faq in itertools.islice(itertools.cycle(town.values()), answered)]
    questions += [HANDED_OFF[n % len(HANDED_OFF)] for n in range(handed_off)]
    ids = [turn_ask(question=question, channel=channel)["turn_id"] for question in questions]
    Turn.objects.filter(pk__in=ids).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    turns = list(Turn.objects.filter(pk__in=ids))
    outcomes = [turn.outcome for turn in turns]
    assert outcomes.count(Outcome.ANSWER) == answered, outcomes
    assert outcomes.count(Outcome.HANDOFF) == handed_off, outcomes
    return turns


def golden_set(town: dict[str, Faq], keys: tuple[str, ...] = ("R-001", "R-003")) -> list[str]:
    """Questions answered right (word for word their FAQ) and three that must not be answered, made into golden
    cases from their logged turns; returns the case ids, answerable ones first."""
    case_ids = []
    for key in keys:
        turn = Turn.objects.get(pk=turn_ask(question=town[key].question)["turn_id"])
        case_ids.append(case_from_turn(turn, answerable=True).case_id)
    for question in OUT_OF_SCOPE:
        turn = Turn.objects.get(pk=turn_ask(question=question)["turn_id"])
        assert turn.outcome != Outcome.ANSWER, question
        case_ids.append(case_from_turn(turn, answerable=False).case_id)
    return case_ids


def active_generation() -> IndexGeneration:
    return IndexGeneration.objects.get(status=IndexStatus.ACTIVE)


def swap_indexed_texts(first: Faq, second: Faq) -> None:
    """Corrupt the active index: what it holds for `first` is `second`'s texts and tokens, and the other way
    round (the FAQs themselves are unchanged). Callers make the process reload it."""
    generation = active_generation()
    one = IndexedDocument.objects.get(generation=generation, faq=first)
    other = IndexedDocument.objects.get(generation=generation, faq=second)
    texts = {name: getattr(one, name) for name in INDEXED_TEXTS}
    IndexedDocument.objects.filter(pk=one.pk).update(**{name: getattr(other, name) for name in INDEXED_TEXTS})
    IndexedDocument.objects.filter(pk=other.pk).update(**texts)


def queued_tasks() -> list[dict[str, Any]]:
    """The task packages waiting in the configured broker (the database, or Redis), taken off the queue."""
    broker = get_broker()
    tasks: list[dict[str, Any]] = []
    for _attempt in range(50):
        if not broker.queue_size():
            break
        tasks += [SignedPackage.loads(payload) for _task_id, payload in broker.dequeue() or []]
    return tasks


def run_task(task: dict[str, Any]) -> Any:
    """What a cluster worker does with a package."""
    return import_string(task["func"])(*task["args"], **task["kwargs"])

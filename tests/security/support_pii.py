"""Helpers of the end-to-end privacy test (test_pii_nowhere.py): where personal data could end up, and how to
look for it there.

Every place is turned into a `Haystack`: the distinct texts found there (database values, log lines, request
bodies, export cells), joined by newlines, kept as written, NFKC-folded and, for numbers, without separators.
A personal item becomes a `Needle` with the forms a leak could take:

* the item as written, and NFKC-folded (full-width digits and letters, the full-width dash ...), looked for in the
  text as written and in the folded text;
* for an item with 7 digits or more and nothing else but separators (a phone number, My Number, postal code,
  account number): its digits alone, looked for between non-digits in the text with every separator removed,
  so that 090-1234-5678 stored as 09012345678 or 090 1234 5678 is found too;
* for an item too short to mean anything alone (a 3-digit branch code, a 5-digit Japan Post symbol, a one-character
  surname such as 林): the item with the three characters before it and with the three after it in the
  question (店番 456, 456 普通, 林さんにお). A count of 456 questions or a permission with id 123 in the
  database is not a leak; "店番 456" is.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection

# Separators inside numbers, removed for the digits-only form (all the dashes of pii_corpus.DASHES, spaces,
# brackets, dots, slashes, middle dots).
NUMBER_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー－ｰ()（）./／・_+＋]")
SHORT_DIGITS = 6  # an item of fewer digits (and nothing else) is looked for with its context
CONTEXT = 3  # characters of the question on each side of a short item


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    return NUMBER_SEPARATORS.sub("", nfkc(text))


@dataclass(frozen=True)
class Needle:
    item: str
    kind: str
    question: str
    forms: tuple[str, ...]  # looked for in the text as written and NFKC-folded (the forms are folded too)
    digits: str  # "" or the digits, looked for between non-digits in the separator-free text

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.item!r}"


def needle(item: str, kind: str, question: str) -> Needle:
    folded = nfkc(item)
    bare = compact(item)
    short = (bare.isascii() and bare.isdigit() and len(bare) < SHORT_DIGITS) or len(folded.strip()) < 2
    if short:
        start = question.index(item)
        end = start + len(item)
        before, after = question[max(0, start - CONTEXT) : start], question[end : end + CONTEXT]
        forms = tuple(form for form in (before + item if before else "", item + after if after else "") if form)
        assert forms, f"no context for the short item {item!r} in {question!r}"
        return Needle(item, kind, question, forms, "")
    digits = bare if bare.isascii() and bare.isdigit() and len(bare) >= 7 else ""
    return Needle(item, kind, question, (item,), digits)


class Haystack:
    """Distinct texts of one place, searchable for needles."""

    def __init__(self, name: str, texts: Iterable[str]) -> None:
        self.name = name
        self.texts = sorted({text for text in texts if text})
        self.raw = "\n".join(self.texts)
        self.folded = nfkc(self.raw)
        self.compact = "\n".join(compact(text) for text in self.texts)

    def __len__(self) -> int:
        return len(self.raw)

    def find(self, needle: Needle) -> str | None:
        """The form of the needle found here (with a little of what surrounds it), or None."""
        for form in needle.forms:
            for haystack, wanted in ((self.raw, form), (self.folded, nfkc(form))):
                at = haystack.find(wanted)
                if at >= 0:
                    return _excerpt(haystack, at, len(wanted))
        if needle.digits and needle.digits in self.compact:
            match = re.search(rf"(?<![0-9]){needle.digits}(?![0-9])", self.compact)
            if match:
                return _excerpt(self.compact, match.start(), len(needle.digits))
        return None

    def leaks(self, needles: Iterable[Needle]) -> dict[str, str]:
        """Item label -> where it was found."""
        found = {}
        for item in needles:
            where = self.find(item)
            if where is not None:
                found[item.label] = where
        return found


def _excerpt(text: str, at: int, length: int, margin: int = 40) -> str:
    return text[max(0, at - margin) : at + length + margin].replace("\n", " | ")


# --------------------------------------------------------------------------------------------------
# Turning values into texts
# --------------------------------------------------------------------------------------------------


def leaves(value: Any) -> Iterator[str]:
    """Every string in a value (dict keys and values, list items, the leaves of JSON stored as text) and every
    other scalar as text (a number in a JSON column is a leaf too). Containers are walked, not dumped whole: a
    personal item is inside one leaf, and the distinct leaves of a database are far fewer characters than its rows.
    """
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and len(stripped) > 1:
            try:
                decoded = json.loads(stripped)
            except ValueError:
                decoded = None
            if isinstance(decoded, (dict, list)):  # JSON as stored: its leaves, escapes decoded
                yield from leaves(decoded)
                return
        yield value
        return
    if isinstance(value, (bytes, bytearray, memoryview)):
        yield bytes(value).decode("utf-8", "ignore")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(key)
            yield from leaves(item)
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from leaves(item)
        return
    yield str(value)


def orm_texts() -> Iterator[str]:
    """Every field of every row of every model (auto-created through tables too), through the ORM.

    The ORM decodes what the raw rows hide: JSON columns with escaped non-ASCII, django-q2's pickled task
    arguments and results, and the signed packages of its ORM broker (decoded with django_q.signing).
    """
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    for model in apps.get_models(include_auto_created=True):
        fields = model._meta.concrete_fields
        for row in model._base_manager.all().iterator():
            for field in fields:
                value = field.value_from_object(row)
                yield from leaves(value)
                if field.name == "payload" and model is OrmQ:
                    yield from leaves(SignedPackage.loads(value))


def table_texts() -> Iterator[str]:
    """Every column of every row of every table in the database, as stored (JSON decoded as well)."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    yield from leaves(value)


def task_texts() -> Iterator[str]:
    """django-q2's queued packages (OrmQ, decoded) and task results (Task: args, kwargs, result)."""
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage

    for queued in OrmQ.objects.all():
        yield queued.payload
        yield from leaves(SignedPackage.loads(queued.payload))
    for task in Task.objects.all():
        for value in (task.name, task.func, task.hook, task.group, task.args, task.kwargs, task.result):
            yield from leaves(value)
    for schedule in Schedule.objects.all():
        for value in (schedule.name, schedule.func, schedule.args, schedule.kwargs):
            yield from leaves(value)


# --------------------------------------------------------------------------------------------------
# Log records
# --------------------------------------------------------------------------------------------------

_STANDARD_RECORD_KEYS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class LogRecorder(logging.Handler):
    """Every record at DEBUG and above, formatted when emitted (message, exception, stack, extra attributes)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        self.lines.append(self.format(record))
        for key, value in record.__dict__.items():
            if key not in _STANDARD_RECORD_KEYS:
                self.lines.append(f"{key}={value!r}")


@contextmanager
def all_logs_at_debug() -> Iterator[LogRecorder]:
    """Like pytest's caplog.set_level(DEBUG), for every logger: the root, every named logger (whatever level a
    library gave it) and those that do not propagate. The other handlers keep printing what they printed."""
    recorder = LogRecorder()
    root = logging.getLogger()
    saved_root = root.level
    saved_handlers = {handler: handler.level for handler in root.handlers}
    threshold = max(saved_root, logging.WARNING)  # the console and pytest's report: warnings and errors only
    for handler in root.handlers:
        handler.setLevel(max(handler.level, threshold))
    saved_loggers: dict[logging.Logger, int] = {}
    extra_handled: list[logging.Logger] = []
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            saved_loggers[logger] = logger.level
            logger.setLevel(logging.DEBUG)
            if not logger.propagate:
                logger.addHandler(recorder)
                extra_handled.append(logger)
    root.setLevel(logging.DEBUG)
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(saved_root)
        for handler, level in saved_handlers.items():
            handler.setLevel(level)
        for logger, level in saved_loggers.items():
            logger.setLevel(level)
        for logger in extra_handled:
            logger.removeHandler(recorder)

"""The golden set: labelled questions that staff build from logged turns or import from JSONL (CONTRACTS
section 3), and evaluate the bot on."""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction

from chatbot.gate.observations import Case, cases_read
from chatbot.models import CaseSource, GoldenCase, Outcome, Turn
from faq.models import Faq


class GoldenSetError(ValueError):
    """Bad input for the golden set; the message names what is wrong."""


def faq_key(faq: Faq) -> str:
    """How a case file names an FAQ: its external id, else its number."""
    return str(faq.external_id or faq.pk)


def tags_for(faqs: Iterable[Faq], lang: str) -> list[str]:
    """Tags a new case gets: the right FAQs' departments and categories, and the language."""
    tags: list[str] = []
    for faq in faqs:
        for tag in (
            f"department:{faq.department.name}" if faq.department is not None else "",
            f"topic:{faq.category.name}" if faq.category is not None else "",
        ):
            if tag and tag not in tags:
                tags.append(tag)
    if lang:
        tags.append(f"lang:{lang}")
    return tags


def answered_faq(turn: Turn) -> Faq | None:
    """The FAQ a turn answered with (its first source), if it still exists."""
    sources = (turn.response or {}).get("sources") or []
    if turn.outcome != Outcome.ANSWER or not sources:
        return None
    return Faq.objects.filter(pk=sources[0].get("faq_id")).select_related("department", "category").first()


@transaction.atomic
def case_from_turn(turn: Turn, *, answerable: bool, faq: Faq | None = None, user: Any = None) -> GoldenCase:
    """Make (or relabel) the case of one logged turn: answered by `faq` (by default the FAQ the bot answered
    with), or not to be answered. One case per turn: marking it again replaces the label."""
    if answerable:
        faq = faq or answered_faq(turn)
        if faq is None:
            raise GoldenSetError(f"turn {turn.pk} was not answered with an FAQ: choose the right FAQ")
    tags = tags_for([faq] if faq else [], turn.lang)
    if faq is None and turn.department is not None:
        tags.insert(0, f"department:{turn.department.name}")
    case, created = GoldenCase.objects.update_or_create(
        case_id=f"turn-{turn.pk}",
        defaults={
            "query": turn.question,
            "answerable": answerable,
            "lang": turn.lang,
            "source": CaseSource.TURN,
            "turn": turn,
            "active": True,
            "tags": tags,
        },
    )
    if created and user is not None and getattr(user, "is_authenticated", False):
        case.created_by = user
        case.save(update_fields=["created_by"])
    case.relevant_faqs.set([faq] if faq else [])
    return case


def _faqs_by_key(keys: set[str]) -> dict[str, Faq]:
    found: dict[str, Faq] = {}
    queryset = Faq.objects.select_related("department", "category")
    for faq in queryset.filter(external_id__in=keys):
        found[str(faq.external_id)] = faq
    numbers = [int(key) for key in keys - found.keys() if key.isdigit()]
    for faq in queryset.filter(pk__in=numbers, external_id__isnull=True):
        found[str(faq.pk)] = faq
    return found


@transaction.atomic
def cases_import(paths: list[Path], *, tags: Iterable[str] = (), user: Any = None) -> dict[str, int]:
    """Import case files into the golden set, all or nothing. A case id already there is updated.

    Every relevant id must name an FAQ of this installation (external id, or number for FAQs without one);
    an unknown one refuses the whole import with the lines that name it."""
    extra = [tag for tag in tags if tag]
    parsed: list[tuple[str, Case]] = []
    for path in paths:
        try:
            parsed += [(path.name, case) for case in cases_read(path)]
        except OSError as exc:
            raise GoldenSetError(f"{path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise GoldenSetError(f"{path.name}: {exc}") from exc
    faqs = _faqs_by_key({key for _name, case in parsed for key in case.relevant})
    problems = []
    seen: dict[str, str] = {}
    for name, case in parsed:
        unknown = sorted(case.relevant - faqs.keys())
        if unknown:
            problems.append(f"{name} case {case.case_id}: no FAQ {', '.join(unknown)}")
        if case.answerable and not case.relevant:
            problems.append(f"{name} case {case.case_id}: answerable but no relevant_ids")
        if not case.query.strip():
            problems.append(f"{name} case {case.case_id}: empty query")
        if case.case_id in seen:
            problems.append(f"{name} case {case.case_id}: the id is also in {seen[case.case_id]}")
        seen[case.case_id] = name
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise GoldenSetError("nothing imported:\n" + "\n".join(shown))
    counts = {"created": 0, "updated": 0}
    for _name, case in parsed:
        right = [faqs[key] for key in sorted(case.relevant)]
        golden, created = GoldenCase.objects.update_or_create(
            case_id=case.case_id,
            defaults={
                "query": case.query,
                "answerable": case.answerable,
                "lang": case.lang,
                "source": CaseSource.IMPORT,
                "active": True,
                "tags": list(dict.fromkeys([*case.tags, *tags_for(right, case.lang), *extra])),
            },
        )
        if created and user is not None:
            golden.created_by = user
            golden.save(update_fields=["created_by"])
        golden.relevant_faqs.set(right)
        counts["created" if created else "updated"] += 1
    return counts


def _case_of(golden: GoldenCase) -> Case:
    """A golden case as the evaluation takes it (its right FAQs named as case files name them)."""
    return Case(
        case_id=golden.case_id,
        query=golden.query,
        relevant={faq_key(faq) for faq in golden.relevant_faqs.all()},
        answerable=golden.answerable,
        lang=golden.lang,
        tags=list(golden.tags or []),
    )


def golden_cases(tags: Iterable[str] = ()) -> list[Case]:
    """The golden set's cases in use (those with every tag given), as the evaluation takes them."""
    wanted = set(tags)
    chosen = GoldenCase.objects.filter(active=True).prefetch_related("relevant_faqs").order_by("case_id")
    return [_case_of(golden) for golden in chosen if not wanted - set(golden.tags or [])]


def cases_export(tags: Iterable[str] = ()) -> str:
    """The golden set as JSONL in the format of CONTRACTS section 3 (with each case's tags)."""
    wanted = set(tags)
    lines = []
    for golden in GoldenCase.objects.filter(active=True).prefetch_related("relevant_faqs").order_by("case_id"):
        if wanted - set(golden.tags or []):
            continue
        item = {
            "id": golden.case_id,
            "query": golden.query,
            "relevant_ids": sorted(faq_key(faq) for faq in golden.relevant_faqs.all()),
            "answerable": golden.answerable,
            "lang": golden.lang,
            "tags": golden.tags,
        }
        lines.append(json.dumps(item, ensure_ascii=False) + "\n")
    return "".join(lines)


def labelled_turn_cases(months: int) -> list[Case]:
    """The golden cases staff made from turns asked in the last `months` months (the turn's time, or the case's
    when the turn is no longer kept): last months' resident questions with the right outcome."""
    import datetime

    from django.db.models import Q
    from django.utils import timezone

    cutoff = timezone.now() - datetime.timedelta(days=round(30.44 * months))
    chosen = (
        GoldenCase.objects.filter(active=True, source=CaseSource.TURN)
        .filter(Q(turn__created_at__gte=cutoff) | Q(turn=None, created_at__gte=cutoff))
        .prefetch_related("relevant_faqs")
        .order_by("case_id")
    )
    return [_case_of(golden) for golden in chosen]

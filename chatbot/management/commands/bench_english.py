"""English retrieval against Japanese on the same FAQs: is the right FAQ first as often for an English question as for
a Japanese one?"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.gate.observations import Case, cases_read
from faq.models import Faq, FaqStatus
from faq.retrieval.index import search


def _success_at_1(cases: list[Case], ids: dict[str, int]) -> float:
    hits = 0
    for case in cases:
        result = search(case.query, limit=1)
        wanted = {ids[external_id] for external_id in case.relevant if external_id in ids}
        hits += bool(result.candidates and result.candidates[0].faq_id in wanted)
    return round(hits / len(cases), 4) if cases else 0.0


class Command(BaseCommand):
    help = (
        "Top-1 hit rate (SR@1) of English and of Japanese questions on the same FAQs: the answerable cases of the "
        "case files whose relevant FAQs have English text and are asked about in both languages. With --json, one "
        "JSON object on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=Path, metavar="FILE", nargs="+", required=True)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        cases: list[Case] = []
        for path in options["cases"]:
            try:
                cases += cases_read(path)
            except (OSError, ValueError) as error:
                raise CommandError(f"{path}: {error}") from error
        published = Faq.objects.filter(status=FaqStatus.PUBLISHED).exclude(external_id=None)
        ids = {str(faq.external_id): faq.pk for faq in published}
        english = {str(faq.external_id) for faq in published if faq.has_english}
        answerable = [c for c in cases if c.answerable and c.relevant and c.relevant <= english]
        by_lang = {lang: [c for c in answerable if (c.lang or "ja") == lang] for lang in ("ja", "en")}
        asked = {lang: set().union(*(c.relevant for c in items)) for lang, items in by_lang.items()}
        both = asked["ja"] & asked["en"]
        same = {lang: [c for c in items if c.relevant <= both] for lang, items in by_lang.items()}
        result: dict[str, Any] = {"faqs": len(both)}
        for lang, items in same.items():
            result[lang] = {"n": len(items), "sr1": _success_at_1(items, ids)}
        result["gap"] = round(result["ja"]["sr1"] - result["en"]["sr1"], 4)
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"{len(both)} FAQs with English text asked about in both languages\n"
            f"  Japanese: SR@1 {result['ja']['sr1']:.3f} over {result['ja']['n']} questions\n"
            f"  English:  SR@1 {result['en']['sr1']:.3f} over {result['en']['n']} questions\n"
            f"  gap (Japanese - English): {result['gap']:+.3f}"
        )

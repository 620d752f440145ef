from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from faq.models import IndexGeneration, IndexStatus
from faq.retrieval.index import index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the published FAQs. The new index is built beside the current one "
        "and switched to atomically, so questions keep being answered meanwhile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-missing", action="store_true", help="Do nothing when an index is already active.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and IndexGeneration.objects.filter(status=IndexStatus.ACTIVE).exists():
            self.stdout.write("検索インデックスは作成済みです / The search index already exists.")
            return
        with tqdm(desc="index", unit="text", disable=options["verbosity"] == 0) as bar:

            def total(value: int) -> None:
                bar.total = value
                bar.refresh()

            generation = index_rebuild(progress=bar.update, on_total=total)
        self.stdout.write(
            self.style.SUCCESS(
                f"検索インデックス #{generation.pk}: FAQ {generation.documents}件, {generation.build_seconds}秒 / "
                f"search index #{generation.pk}: {generation.documents} FAQs in {generation.build_seconds} s"
            )
        )

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from faq.retrieval.benchmark import build_isolated, evaluate, load_localgovfaq, split_queries
from faq.retrieval.encoders import configured_encoders
from faq.retrieval.engine import work_units
from faq.retrieval.training import train_ranker


class Command(BaseCommand):
    help = (
        "Fit the fusion weights and the re-ranker on the LocalgovFAQ dev split (never the test split) "
        "and write them to the ranker file used by retrieval."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--localgovfaq", type=Path, required=True, metavar="DIR")
        parser.add_argument("--out", type=Path, default=None, help="Default: settings.RETRIEVAL_RANKER.")
        parser.add_argument("--dry-run", action="store_true", help="Fit and report, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["localgovfaq"]
        if not (directory / "corpus.json").is_file():
            raise CommandError(f"{directory} has no corpus.json (expected the LocalgovFAQ JSON files)")
        documents, queries = load_localgovfaq(directory)
        dev = split_queries(queries, "dev")
        encoders = configured_encoders()
        with tqdm(total=work_units(documents, encoders), desc="index", unit="text") as bar:
            snapshot, _build_s = build_isolated(documents, encoders, progress=bar.update)
        with tqdm(total=len(dev), desc="dev queries", unit="query") as bar:
            ranker = train_ranker(snapshot, dev, progress=bar.update)
        ranker.info["dev"] = {key: evaluate(snapshot, ranker, dev)[key] for key in ("sr1", "sr5", "mrr")}
        self.stdout.write(f"weights: {ranker.weights}")
        self.stdout.write(f"dev: {ranker.info['dev']}  cross-validation: {ranker.info['cross_validation']}")
        if not options["dry_run"]:
            out = options["out"] or Path(settings.RETRIEVAL_RANKER)
            ranker.save(out)
            self.stdout.write(self.style.SUCCESS(f"written to {out}"))

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from faq.models import Faq
from faq.retrieval.benchmark import (
    SPLITS,
    Query,
    build_isolated,
    evaluate,
    load_localgovfaq,
    measure,
    split_queries,
)
from faq.retrieval.encoders import configured_encoders
from faq.retrieval.engine import work_units
from faq.retrieval.index import search
from faq.retrieval.ranker import RERANK_DEPTH, Ranker

SPLIT_KEYS = ("n", "sr1", "sr5", "mrr", "recall10", "precision10", "ndcg10")


class Command(BaseCommand):
    help = (
        "Measure retrieval on LocalgovFAQ read from DIR, in an isolated temporary store (never the live "
        "database): SR@1, SR@5, MRR, Recall@10, Precision@10, graded nDCG@10 (gain = qrels grade), index build "
        "time and query latency p50/p95."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--localgovfaq", type=Path, metavar="DIR", help="LocalgovFAQ JSON files (isolated store).")
        source.add_argument(
            "--cases",
            type=Path,
            metavar="FILE",
            help="Evaluation cases (JSONL, CONTRACTS section 3) against this installation's live index.",
        )
        parser.add_argument("--split", choices=SPLITS, default="test")
        parser.add_argument("--json", action="store_true", help="Print one JSON object on the last line.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cases"]:
            self._live(options["cases"], as_json=options["json"])
            return
        directory: Path = options["localgovfaq"]
        if not (directory / "corpus.json").is_file():
            raise CommandError(f"{directory} has no corpus.json (expected the LocalgovFAQ JSON files)")
        documents, queries = load_localgovfaq(directory)
        selected = split_queries(queries, options["split"])
        encoders = configured_encoders()
        quiet = options["json"] or options["verbosity"] == 0
        with tqdm(total=work_units(documents, encoders), desc="index", unit="text", disable=quiet) as bar:
            snapshot, build_s = build_isolated(documents, encoders, progress=bar.update)
        ranker = Ranker.load(Path(settings.RETRIEVAL_RANKER)).for_signals(snapshot.signals)
        snapshot.score("ウォームアップ")
        metrics = evaluate(snapshot, ranker, selected)
        result = {
            "benchmark": "LocalgovFAQ (JSON derivative, A+B, 749)",
            "split": options["split"],
            **metrics,
            "faqs": len(documents),
            "build_s": round(build_s, 1),
            "encoder": "+".join(encoder.name for encoder in encoders),
            "ranker": "learned" if ranker.learned else "fusion",
        }
        if options["split"] == "all":
            for split in ("dev", "test"):
                part = evaluate(snapshot, ranker, split_queries(queries, split))
                result[split] = {key: part[key] for key in SPLIT_KEYS}
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>11}: {value}")

    def _live(self, path: Path, *, as_json: bool) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        cases = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except ValueError as exc:
                raise CommandError(f"line {number}: invalid JSON ({exc})") from exc
            if case.get("answerable", True) and case.get("relevant_ids"):
                cases.append(case)
        external = dict(Faq.objects.exclude(external_id=None).values_list("external_id", "pk"))
        queries = [
            Query(number, case["query"], {external[i] for i in case["relevant_ids"] if i in external})
            for number, case in enumerate(cases)
        ]
        search("ウォームアップ")
        result = {
            "cases": str(path),
            **measure(queries, lambda text: [c.faq_id for c in search(text, limit=RERANK_DEPTH).candidates]),
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>11}: {value}")

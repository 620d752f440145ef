"""Benchmarks of the monthly analytics: scale (time and peak memory) and grouping quality."""

import datetime
import itertools
import json
import os
import random
import resource
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.bench.install import ThrowawayInstall

PREFIXES = [
    "",
    "",
    "すみません、",
    "あの、",
    "質問です。",
    "教えてください。",
    "急ぎで、",
    "Hello, ",
    "ちょっと聞きたい。",
    "至急 ",
]
SUFFIXES = ["", "", "？", "を知りたい", " 急ぎです", "。よろしくお願いします", "って？", "（至急）", " どうすれば", "?"]
MONTH = datetime.date(2026, 10, 1)


def _questions() -> list[str]:
    cases = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases"
    texts = []
    for name in ("ja.jsonl", "en.jsonl", "oos.jsonl"):
        for line in (cases / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["query"])
    return texts


def generate_turns(count: int, *, seed: int = 7) -> int:
    """Write `count` resident turns in MONTH (Asia/Tokyo), with wordings, outcomes, feedback and sessions."""
    from chatbot.models import Channel, Feedback, Outcome, Turn, TurnStatus
    from faq.models import Department

    rng = random.Random(seed)
    base = _questions()
    departments: list[int | None] = [*Department.objects.values_list("pk", flat=True)] or [None]
    start = datetime.datetime(MONTH.year, MONTH.month, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    seconds = 31 * 24 * 3600
    outcomes = [Outcome.ANSWER] * 50 + [Outcome.CLARIFY] * 20 + [Outcome.HANDOFF] * 25 + [Outcome.REJECTED] * 5
    written = 0
    batch: list[Turn] = []
    feedback: list[tuple[int, bool]] = []
    for number in range(count):
        question = rng.choice(PREFIXES) + rng.choice(base) + rng.choice(SUFFIXES)
        outcome = rng.choice(outcomes)
        batch.append(
            Turn(
                id=uuid.UUID(int=rng.getrandbits(128)),
                idempotency_key=f"bench:{number}",
                channel=rng.choice([Channel.WEB, Channel.WEB, Channel.API]),
                session_id=f"s{number // 2}",
                status=TurnStatus.COMPLETED,
                question=question,
                lang="en" if question[:1].isascii() and question[:5].isalpha() else "ja",
                outcome=outcome,
                department_id=rng.choice(departments),
                total_ms=round(rng.lognormvariate(3.4, 0.4), 1),
                candidates=[{"faq_id": rng.randint(1, 200), "score": 0.5}],
            )
        )
        if rng.random() < 0.1:
            feedback.append((len(batch) - 1, rng.random() < 0.7))
        if len(batch) == 5000 or number == count - 1:
            created = Turn.objects.bulk_create(batch)
            moments = [start + datetime.timedelta(seconds=rng.randrange(seconds)) for _ in created]
            for turn, moment in zip(created, moments, strict=True):
                turn.created_at = moment
            Turn.objects.bulk_update(created, ["created_at"], batch_size=1000)
            Feedback.objects.bulk_create([Feedback(turn=created[i], helpful=helpful) for i, helpful in feedback])
            written += len(created)
            batch, feedback = [], []
    return written


def _pairwise(labels: list[int], gold: list[set[int]]) -> tuple[float, float]:
    true_positive = false_positive = false_negative = 0
    for i, j in itertools.combinations(range(len(labels)), 2):
        same_gold = bool(gold[i] & gold[j])
        same = labels[i] == labels[j]
        if same and same_gold:
            true_positive += 1
        elif same:
            false_positive += 1
        elif same_gold:
            false_negative += 1
    return true_positive / max(true_positive + false_positive, 1), true_positive / max(
        true_positive + false_negative, 1
    )


class Command(BaseCommand):
    help = (
        "Analytics benchmarks. --turns N: aggregate and group N generated turns of one month in a throw-away "
        "installation and print the time and peak memory (target: 100,000 turns under 5 minutes and 2 GB). "
        "--localgovfaq DIR: how well the grouping puts resident queries about the same FAQ together "
        "(pairwise precision/recall on the dev split, at several similarity thresholds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--turns", type=int, default=0, metavar="N")
        parser.add_argument("--localgovfaq", type=Path, metavar="DIR")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--step", choices=["generate", "aggregate"], help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["step"]:
            self._step(options["step"], options["turns"])
            return
        if not options["turns"] and not options["localgovfaq"]:
            raise CommandError("Give --turns N and/or --localgovfaq DIR.")
        results: dict[str, Any] = {}
        if options["turns"]:
            if options["turns"] < 1:
                raise CommandError("--turns must be at least 1.")
            results["scale"] = self._scale(options["turns"])
        if options["localgovfaq"]:
            results["grouping"] = self._grouping(options["localgovfaq"])
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False))

    # A throw-away installation, one process per step, so that peak memory is the aggregation's own.
    def _scale(self, count: int) -> dict[str, Any]:
        install = ThrowawayInstall("faq-bench-analytics-")
        run = install.run
        run("migrate", "--noinput")
        run("load_sample_town")
        generated = json.loads(run("bench_analytics", "--step", "generate", "--turns", str(count)).splitlines()[-1])
        measured = json.loads(run("bench_analytics", "--step", "aggregate").splitlines()[-1])
        again = json.loads(run("bench_analytics", "--step", "aggregate").splitlines()[-1])
        result = {
            "turns": generated["turns"],
            "generate_s": generated["seconds"],
            "aggregate_s": measured["seconds"],
            "peak_rss_mb": measured["peak_rss_mb"],
            "unanswered": measured["unanswered"],
            "distinct_wordings": measured["distinct"],
            "groups": measured["groups"],
            "identical_on_rerun": measured["fingerprint"] == again["fingerprint"],
            "cpus": os.cpu_count(),
        }
        self.stdout.write(
            f"{result['turns']:,} turns in {MONTH:%Y-%m}: aggregated and grouped in {result['aggregate_s']:.1f} s, "
            f"peak memory {result['peak_rss_mb']:.0f} MB ({result['unanswered']:,} unanswered, "
            f"{result['distinct_wordings']:,} distinct wordings, {result['groups']:,} groups; "
            f"re-run identical: {result['identical_on_rerun']}; {result['cpus']} CPUs)"
        )
        return result

    def _step(self, step: str, count: int) -> None:
        payload: dict[str, Any]
        if step == "generate":
            started = time.perf_counter()
            written = generate_turns(count)
            payload = {"turns": written, "seconds": round(time.perf_counter() - started, 1)}
        else:
            from analytics.aggregation import _answers_after, _gap_reasons, _rows, aggregate_month
            from analytics.clustering import distinct_wordings

            started = time.perf_counter()
            aggregate = aggregate_month(MONTH)
            seconds = time.perf_counter() - started
            rows = _rows(MONTH)
            reasons = _gap_reasons(rows, _answers_after(MONTH, rows))
            distinct = len(distinct_wordings(row.question for row in rows if row.pk in reasons)[0])
            clusters = list(aggregate.clusters.order_by("rank").values_list("key", "size"))
            payload = {
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "unanswered": aggregate.unanswered,
                "groups": aggregate.clusters_total,
                "distinct": distinct,
                "fingerprint": [aggregate.turns, aggregate.unanswered, aggregate.answered, clusters],
            }
        self.stdout.write(json.dumps(payload))

    def _grouping(self, directory: Path) -> dict[str, Any]:
        from sentence_transformers.util import community_detection

        from analytics.clustering import analytics_encoder
        from faq.retrieval.benchmark import load_localgovfaq, split_queries

        if not (directory / "queries.json").is_file():
            raise CommandError(f"{directory} has no queries.json (expected the LocalgovFAQ JSON files)")
        _documents, queries = load_localgovfaq(directory)
        dev = split_queries(queries, "dev")
        encoder = analytics_encoder()
        vectors = encoder.encode_queries([query.text for query in dev])
        gold = [query.relevant for query in dev]
        rows = []
        configured = float(settings.ANALYTICS_CLUSTER_THRESHOLD)
        for threshold in sorted({0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, configured}):
            communities = community_detection(vectors, threshold=threshold, min_community_size=1, batch_size=256)
            labels = [0] * len(dev)
            for number, community in enumerate(communities):
                for index in community:
                    labels[index] = number
            precision, recall = _pairwise(labels, gold)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows.append(
                {
                    "threshold": threshold,
                    "groups": len(communities),
                    "precision": round(precision, 3),
                    "recall": round(recall, 3),
                    "f1": round(f1, 3),
                    "configured": threshold == configured,
                }
            )
            mark = "  <- configured" if threshold == configured else ""
            self.stdout.write(
                f"threshold {threshold:.2f}: {len(communities)} groups of {len(dev)} dev queries, "
                f"pairwise precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}{mark}"
            )
        return {"encoder": getattr(encoder, "name", ""), "queries": len(dev), "split": "dev", "thresholds": rows}


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS

"""Benchmark: answers stay correct and on time when the LLM is slow and failing."""

import json
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.bench.install import ThrowawayInstall


class Command(BaseCommand):
    help = (
        "LLM failure benchmark in a throw-away installation (the sample town): a scripted OpenAI-compatible "
        "server on 127.0.0.1 answers after --delay seconds and fails --failure-rate of the time, while "
        "--concurrency residents ask the sample town's questions. Prints resident-visible errors, latency "
        "against the deadline, turns logged per question and the failure classes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--questions", type=int, default=200)
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--delay", type=float, default=2.0)
        parser.add_argument("--failure-rate", type=float, default=0.2)
        parser.add_argument(
            "--llm-concurrency",
            type=int,
            default=0,
            help="LLM_MAX_CONCURRENCY for the run (default: --concurrency, so that the cap is not what is measured).",
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--here", action="store_true", help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["questions"] < 1 or options["concurrency"] < 1:
            raise CommandError("--questions and --concurrency must be at least 1.")
        if not 0 <= options["failure_rate"] <= 1:
            raise CommandError("--failure-rate is a share between 0 and 1.")
        if options["here"]:
            self.stdout.write(json.dumps(self._run(options), ensure_ascii=False))
            return
        install = ThrowawayInstall("faq-bench-llm-")
        run = install.run
        run("migrate", "--noinput")
        run("load_sample_town")
        run("rebuild_index")
        forwarded = [
            f"--questions={options['questions']}",
            f"--concurrency={options['concurrency']}",
            f"--delay={options['delay']}",
            f"--failure-rate={options['failure_rate']}",
            f"--llm-concurrency={options['llm_concurrency']}",
        ]
        result = json.loads(run("bench_llm", "--here", *forwarded).splitlines()[-1])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>26}  {value}")

    def _run(self, options: dict[str, Any]) -> dict[str, Any]:
        from chatbot.llm import client
        from chatbot.llm.fake import FakeLlm
        from chatbot.models import Channel, Turn
        from chatbot.pipeline import turn_ask

        cases = []
        for name in ("ja.jsonl", "en.jsonl"):
            path = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases" / name
            cases += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        questions = [cases[i % len(cases)] for i in range(options["questions"])]
        latencies: list[float] = []
        errors: list[str] = []
        keys: list[str] = []

        def ask(case: dict[str, Any]) -> None:
            key = f"bench-llm:{uuid.uuid4()}"
            keys.append(key)
            started = time.perf_counter()
            try:
                response = turn_ask(
                    question=case["query"], channel=Channel.API, lang=case.get("lang"), idempotency_key=key
                )
            except Exception as error:  # a resident-visible error
                errors.append(f"{error.__class__.__name__}: {error}")
                return
            finally:
                latencies.append(time.perf_counter() - started)
            if not response.get("answer") or response.get("failure_class") == "internal_error":
                errors.append(f"{response.get('outcome')} {response.get('failure_class')}")

        with FakeLlm(delay=options["delay"], failure_rate=options["failure_rate"], seed=11) as fake:
            settings.LLM_BASE_URL = fake.url
            settings.LLM_MODEL = "fake"
            settings.ANSWER_COMPOSER = "chatbot.llm.composer.LlmComposer"
            settings.LLM_MAX_CONCURRENCY = options["llm_concurrency"] or options["concurrency"]
            client.reset()
            turn_ask(question="ウォームアップ", log=False)  # load the encoders before the clock starts
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=options["concurrency"]) as pool:
                list(pool.map(ask, questions))
            wall = time.perf_counter() - started
            calls = fake.calls
        rows = Turn.objects.filter(idempotency_key__in=keys)
        per_key = Counter(rows.values_list("idempotency_key", flat=True))
        outcomes = Counter(rows.values_list("outcome", flat=True))
        answered = rows.filter(outcome="answer")
        composers = Counter(answered.values_list("composer", flat=True))
        failures = Counter(answered.exclude(failure_class="").values_list("failure_class", flat=True))
        deadline = settings.LLM_DEADLINE_SECONDS
        llm_steps = [
            float(step["llm"]) / 1000
            for step in answered.values_list("latency_ms", flat=True)
            if isinstance(step, dict) and "llm" in step
        ]
        llm_p95 = float(np.percentile(llm_steps, 95)) if llm_steps else 0.0
        return {
            "questions": len(questions),
            "concurrency": options["concurrency"],
            "llm_max_concurrency": settings.LLM_MAX_CONCURRENCY,
            "llm_delay_s": options["delay"],
            "llm_failure_rate": options["failure_rate"],
            "resident_visible_errors": len(errors),
            "turns_logged": rows.count(),
            "turns_logged_once": sum(1 for count in per_key.values() if count == 1) == len(questions),
            "pending_turns": rows.filter(status="pending").count(),
            "outcomes": dict(sorted(outcomes.items())),
            "answers_by_composer": dict(sorted(composers.items())),
            "llm_failure_classes": dict(sorted(failures.items())),
            "llm_requests": calls,
            "p50_s": round(float(np.percentile(latencies, 50)), 2),
            "p95_s": round(float(np.percentile(latencies, 95)), 2),
            "max_s": round(max(latencies), 2),
            "deadline_s": deadline,
            "llm_step_p95_s": round(llm_p95, 2),
            "llm_step_max_s": round(max(llm_steps), 2) if llm_steps else 0.0,
            "llm_step_p95_within_deadline": llm_p95 <= deadline,
            "throughput_per_s": round(len(questions) / wall, 2),
            "errors_sample": errors[:5],
        }


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS

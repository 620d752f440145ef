import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from chatbot.bench.services import ServiceError, ServiceStack, available, free_port

CASES = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases"
CASE_FILES = [str(CASES / name) for name in ("ja.jsonl", "en.jsonl", "oos.jsonl")]
SCRIPT = Path(settings.BASE_DIR) / "chatbot" / "bench" / "chat.lua"
# wrk gives up on a request after this long and counts it as an error.
TIMEOUT_S = 10
# Seconds between two samples of the server's memory during a phase.
RSS_INTERVAL_S = 2.0
# --approval: seconds of load before the reviewer asks to approve and after the approval, and the longest the
# phase may last.
APPROVAL_AFTER_S = 5
APPROVAL_PHASE_MAX_S = 1800
STACKS = ("embedded", "services", "both")


def _rss_mb(server: psutil.Process) -> float:
    """Resident memory of the gunicorn master and its workers, in MB."""
    processes = [server, *server.children(recursive=True)]
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return round(total / 1e6, 1)


@dataclass
class Target:
    """One installation under load: how to start it and how to read its turn log."""

    name: str
    description: str
    env: dict[str, str]
    # (idempotency-key prefix) -> [(turn id, status)] of the rows whose key starts with it.
    turn_rows: Callable[[str], list[tuple[Any, str]]]
    faqs: int


class Command(BaseCommand):
    help = (
        "Load benchmark of the chat API over HTTP on 127.0.0.1: starts gunicorn on a copy of this "
        "installation (SQLite and the embedded vector store) and/or on the sample town installed on "
        "PostgreSQL, a chromadb server and Redis, drives it with wrk at a fixed rate and then back to "
        "back, and prints requests/s, p50/p95/p99, errors, turn rows against requests and the server's "
        "memory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stack",
            choices=STACKS,
            default="embedded",
            help=(
                "embedded: a copy of this installation (SQLite, embedded chromadb); services: the sample town "
                "installed on PostgreSQL, a chromadb server and Redis started for the run; both: one after the "
                "other, side by side."
            ),
        )
        parser.add_argument("--rate", type=int, default=10, help="Requests per second in the fixed-rate phase.")
        parser.add_argument("--duration", type=int, default=60, help="Seconds of the fixed-rate phase.")
        parser.add_argument("--max-duration", type=int, default=20, help="Seconds of the back-to-back phase (0: skip).")
        parser.add_argument(
            "--max-connections", type=int, default=4, help="Connections asking back to back in that phase."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker.")
        parser.add_argument(
            "--approval",
            action="store_true",
            help=(
                "Also run the fixed-rate phase while a reviewer approves a change request: the golden set is made "
                "--golden-cases cases, the task cluster runs the regression check, and the phase lasts until the "
                "check is done and the change approved."
            ),
        )
        parser.add_argument(
            "--golden-cases",
            type=int,
            default=1000,
            help="Golden-set cases for --approval (variants of the case files).",
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--keep", action="store_true", help="Keep the copy, the server logs and wrk's files.")

    def handle(self, *args: Any, **options: Any) -> None:
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: `apt-get install wrk` (or `make tools`)")
        if options["rate"] < 1 or options["duration"] < 1 or options["max_connections"] < 1:
            raise CommandError("--rate, --duration and --max-connections must be at least 1")
        if options["golden_cases"] < 1:
            raise CommandError("--golden-cases must be at least 1")
        if options["max_duration"] < 0 or options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--max-duration must be 0 or more, --workers and --threads at least 1")
        stacks = ["embedded", "services"] if options["stack"] == "both" else [options["stack"]]
        if "embedded" in stacks and connection.vendor != "sqlite":
            raise CommandError(
                "--stack embedded copies the embedded SQLite installation; run it with the default database "
                "(or use --stack services)"
            )
        if "services" in stacks and available():
            raise CommandError("not installed: " + ", ".join(available()) + " (`make tools` installs them)")
        work = Path(tempfile.mkdtemp(prefix="faq-bench-load-"))
        bodies = work / "bodies.jsonl"
        bodies.write_text(
            "".join(
                json.dumps({"question": json.loads(line)["query"]}, ensure_ascii=False) + "\n"
                for name in CASE_FILES
                for line in Path(name).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ),
            encoding="utf-8",
        )
        result: dict[str, Any] = {
            "load_generator": "wrk, 1 thread, on the same machine",
            "workers": f"gunicorn {options['workers']} workers x {options['threads']} threads (gthread)",
        }
        try:
            for name in stacks:
                with ExitStack() as cleanup:
                    target = cleanup.enter_context(self._embedded(work) if name == "embedded" else self._services(work))
                    result[name] = {
                        "server": target.description,
                        "faqs": target.faqs,
                        **self._measure(work, target, options),
                    }
        except ServiceError as error:
            raise CommandError(str(error)) from error
        finally:
            if options["keep"]:
                self.stderr.write(f"kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        if len(stacks) == 2:
            result["services_vs_embedded"] = self._ratios(result["embedded"], result["services"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self._print(result, stacks)

    # ------------------------------------------------------------------ the two installations

    @contextmanager
    def _embedded(self, work: Path) -> Iterator[Target]:
        source = Path(settings.DATABASES["default"]["NAME"])
        if not source.is_file():
            raise CommandError(f"{source} does not exist: run `make run` (or migrate, load_sample_town, rebuild_index)")
        data = work / "embedded"
        data.mkdir()
        database = data / "bench.sqlite3"
        with sqlite3.connect(source) as original, sqlite3.connect(database) as copy:
            original.backup(copy)
        if Path(settings.CHROMA_PATH).is_dir():
            shutil.copytree(settings.CHROMA_PATH, data / "chroma")
        env = self._base_env() | {"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{database}"}
        self._manage(env, "migrate", "--noinput", "-v", "0")

        def rows(prefix: str) -> list[tuple[Any, str]]:
            with sqlite3.connect(database, timeout=30) as db:
                # The prefix is hex digits and dashes: nothing in it is a LIKE wildcard.
                return db.execute(
                    "SELECT id, status FROM chatbot_turn WHERE idempotency_key LIKE ?", (prefix + "%",)
                ).fetchall()

        with sqlite3.connect(database) as db:
            faqs = db.execute("SELECT count(*) FROM faq_faq WHERE status = 'published'").fetchone()[0]
        yield Target("embedded", "SQLite, embedded chromadb, local-memory cache", env, rows, faqs)

    @contextmanager
    def _services(self, work: Path) -> Iterator[Target]:
        self.stderr.write("starting PostgreSQL, Redis and a chromadb server, installing the sample town ...")
        data = work / "services"
        data.mkdir()
        with ServiceStack() as stack:
            env = self._base_env() | stack.env() | {"DATA_DIR": str(data)}
            # The sample town exactly as `make run` installs it on the embedded defaults.
            self._manage(env, "migrate", "--noinput", "-v", "0")
            self._manage(env, "load_sample_town")
            self._manage(env, "rebuild_index")
            self._manage(env, "calibrate_gate", "--if-uncalibrated", "--split", "odd", "--cases", *CASE_FILES)

            def rows(prefix: str) -> list[tuple[Any, str]]:
                with psycopg.connect(stack.database_url, autocommit=True) as db:
                    return [
                        (row_id, status)
                        for row_id, status in db.execute(
                            "SELECT id, status FROM chatbot_turn WHERE idempotency_key LIKE %s", (prefix + "%",)
                        ).fetchall()
                    ]

            with psycopg.connect(stack.database_url, autocommit=True) as db:
                row = db.execute("SELECT count(*) FROM faq_faq WHERE status = 'published'").fetchone()
            yield Target(
                "services",
                "PostgreSQL, chromadb server (chroma run), Redis cache",
                env,
                rows,
                int(row[0]) if row else 0,
            )

    def _base_env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "CHROMA_HOST", "CHROMA_PORT", "REDIS_URL")
        }
        return env | {
            "DJANGO_SETTINGS_MODULE": "chatbot.project.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": "bench-load-only-" + os.urandom(16).hex(),
            "CHAT_RATE_LIMIT_PER_MINUTE": "0",
            "LOG_LEVEL": "WARNING",
        }

    def _manage(self, env: dict[str, str], *arguments: str) -> None:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise CommandError(f"{' '.join(arguments[:1])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    # ------------------------------------------------------------------ measuring one installation

    def _measure(self, work: Path, target: Target, options: dict[str, Any]) -> dict[str, Any]:
        port = free_port()
        log = work / f"gunicorn-{target.name}.log"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "chatbot.project.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options["workers"]),
                "--threads",
                str(options["threads"]),
                "--worker-class",
                "gthread",
                # Longer than the longest pause between two questions on one connection.
                "--keep-alive",
                str(TIMEOUT_S),
                "--timeout",
                "60",
                "--preload",
            ],
            env=target.env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        host = f"http://127.0.0.1:{port}"
        run = uuid.uuid4().hex[:12]
        measured: dict[str, Any] = {}
        cleanup = ExitStack()
        try:
            approval = None
            if options["approval"]:
                approval = cleanup.enter_context(self._approval_helper(work, target, options))
            self._wait_ready(host, server, log)
            self._warm_up(host, work / "bodies.jsonl", options["workers"] * options["threads"])
            process = psutil.Process(server.pid)
            # Enough connections for a second's worth of requests and a tenth more: one is free for each
            # arrival unless answers take longer than a second.
            connections = math.ceil(options["rate"] * 1.1)
            measured["fixed_rate"] = {
                "target_rps": options["rate"],
                "connections": connections,
                **self._phase(
                    work, host, target, process, f"{run}-fixed", connections, options["duration"], options["rate"]
                ),
            }
            if approval is not None:
                measured["during_approval"] = {
                    "target_rps": options["rate"],
                    "connections": connections,
                    **self._phase(
                        work,
                        host,
                        target,
                        process,
                        f"{run}-approval",
                        connections,
                        APPROVAL_PHASE_MAX_S,
                        options["rate"],
                        during=approval,
                    ),
                }
                if measured["fixed_rate"]["p95_ms"]:
                    measured["approval_vs_fixed_rate_p95"] = round(
                        measured["during_approval"]["p95_ms"] / measured["fixed_rate"]["p95_ms"], 2
                    )
            if options["max_duration"]:
                measured["back_to_back"] = {
                    "connections": options["max_connections"],
                    **self._phase(
                        work,
                        host,
                        target,
                        process,
                        f"{run}-max",
                        options["max_connections"],
                        options["max_duration"],
                        0,
                    ),
                }
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            cleanup.close()
        return measured

    @contextmanager
    def _approval_helper(
        self, work: Path, target: Target, options: dict[str, Any]
    ) -> Iterator[Callable[[Callable[[], None]], dict[str, Any]]]:
        """The task cluster of the installation under load, and a process of its own that enlarges the golden set,
        submits a change request and approves it when asked (see chatbot/bench/approval.py). Yields what the
        approval phase runs while wrk drives the load: it returns the approval's figures."""
        cluster_log = work / f"qcluster-{target.name}.log"
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            env=target.env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=cluster_log.open("w"),
        )
        helper = subprocess.Popen(
            [sys.executable, "-m", "chatbot.bench.approval"],
            env=target.env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(work / f"approval-{target.name}.log").open("w"),
            text=True,
        )

        def ask(*words: object) -> dict[str, Any]:
            assert helper.stdin is not None
            assert helper.stdout is not None
            helper.stdin.write(" ".join(str(word) for word in words) + "\n")
            helper.stdin.flush()
            line = helper.stdout.readline()
            if not line:
                raise CommandError(f"the approval helper stopped: see {work}/approval-{target.name}.log (--keep)")
            answer: dict[str, Any] = json.loads(line)
            if "error" in answer and answer["error"] and words[0] != "state":
                raise CommandError(f"approval helper, {words[0]}: {answer['error']}")
            return answer

        def approve(stop: Callable[[], None]) -> dict[str, Any]:
            time.sleep(APPROVAL_AFTER_S)
            started = ask("start", change)
            if started["approved"] or started["check"] is None:
                raise CommandError("the change was approved without a check: is the golden set empty?")
            began = time.monotonic()
            state = ask("state", started["check"])
            while state["status"] in ("queued", "running"):
                if time.monotonic() - began > APPROVAL_PHASE_MAX_S - APPROVAL_AFTER_S - 30:
                    break
                time.sleep(1)
                state = ask("state", started["check"])
            checked_s = round(time.monotonic() - began, 1)
            finished = ask("finish", change) if state["status"] == "done" else {"approved": False, "request_ms": None}
            time.sleep(APPROVAL_AFTER_S)
            stop()
            return {
                "golden_cases": golden["cases"],
                "ask_to_approve_ms": started["request_ms"],
                "check_status": state["status"],
                "check_passed": state["passed"],
                "check_error": state["error"],
                "check_questions": state["total"],
                "check_s": checked_s,
                "approved": finished["approved"],
                "approve_ms": finished["request_ms"],
            }

        try:
            golden = ask("golden", options["golden_cases"], *CASE_FILES)
            change = ask("prepare")["change"]
            yield approve
        finally:
            if helper.stdin is not None:
                helper.stdin.close()
            for process in (helper, cluster):
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _wait_ready(self, host: str, server: subprocess.Popen[bytes], log: Path) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"{host}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.is_file() else ""
        raise CommandError(f"the server did not start within 180 s:\n{tail}")

    def _warm_up(self, host: str, bodies: Path, parallel: int) -> None:
        """Every question of the mix twice, `parallel` at a time, before measuring: the encoders, the
        tokenizer's and the database's caches and every worker thread's state are loaded, so the memory
        measured afterwards is the steady state's."""
        questions = [line for line in bodies.read_text(encoding="utf-8").splitlines() if line.strip()] * 2

        def ask(number: int) -> None:
            request = urllib.request.Request(
                f"{host}/api/v1/chat",
                data=questions[number].encode(),
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"warm-up-{number:06d}-{time.time_ns()}",
                },
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            list(pool.map(ask, range(len(questions))))

    def _phase(
        self,
        work: Path,
        host: str,
        target: Target,
        server: psutil.Process,
        keys: str,
        connections: int,
        seconds: int,
        rate: int,
        during: Callable[[Callable[[], None]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """One wrk run; with `during`, that runs meanwhile and stops wrk (through the callable it gets) when it is
        done, and its figures are added to the phase's."""
        turns_file = work / f"turns-{keys}"
        summary_file = work / f"summary-{keys}.json"
        rss_before = _rss_mb(server)
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(RSS_INTERVAL_S):
                samples.append(_rss_mb(server))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        extra: dict[str, Any] = {}
        try:
            wrk = subprocess.Popen(
                [
                    "wrk",
                    "-t",
                    "1",
                    "-c",
                    str(connections),
                    "-d",
                    f"{seconds}s",
                    "--timeout",
                    f"{TIMEOUT_S}s",
                    "-s",
                    str(SCRIPT),
                    host,
                ],
                env={
                    **os.environ,
                    "LOAD_BODIES": str(work / "bodies.jsonl"),
                    "LOAD_KEYS": f"load-{keys}",
                    "LOAD_RATE": str(rate),
                    "LOAD_TURNS": str(turns_file),
                    "LOAD_SUMMARY": str(summary_file),
                },
                cwd=work,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                if during is not None:
                    # wrk stops at SIGINT like at the end of its time, with its summary.
                    extra = during(lambda: wrk.send_signal(signal.SIGINT))
                stdout, stderr = wrk.communicate()
            finally:
                if wrk.poll() is None:
                    wrk.kill()
                    wrk.wait()
        finally:
            stop.set()
            sampler.join()
        (work / f"wrk-{keys}.log").write_text(stdout + stderr, encoding="utf-8")
        if wrk.returncode != 0 or not summary_file.is_file():
            raise CommandError(f"wrk failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        answered = {
            uuid.UUID(line.strip()).hex
            for path in work.glob(f"turns-{keys}.*")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }
        rows, pending, found = self._turn_rows(target, f"http:load-{keys}-", answered)
        errors = sum(
            summary[key] for key in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
        )
        rss_after = _rss_mb(server)
        return {
            "requests": summary["requests"],
            "errors": errors,
            "rps": round(summary["requests"] / (summary["duration_us"] / 1e6), 2),
            "p50_ms": round(summary["p50_us"] / 1000, 1),
            "p95_ms": round(summary["p95_us"] / 1000, 1),
            "p99_ms": round(summary["p99_us"] / 1000, 1),
            "max_ms": round(summary["max_us"] / 1000, 1),
            # One row per request: every answer's turn is in the log exactly once (the key is unique), and the
            # only rows without an answer are of requests cut off when wrk stopped.
            "turn_rows": rows,
            "answers_with_their_turn_row": found,
            "answers_without_turn_row": len(answered) - found,
            "rows_of_requests_cut_off_at_stop": rows - found,
            "rows_left_pending": pending,
            "server_rss_mb_before": rss_before,
            "server_rss_mb_peak": max([rss_before, rss_after, *samples]),
            "server_rss_mb_after": rss_after,
            "server_rss_growth_pct": round((rss_after - rss_before) / rss_before * 100, 1) if rss_before else 0.0,
            **extra,
        }

    def _turn_rows(self, target: Target, prefix: str, answered: set[str]) -> tuple[int, int, int]:
        """Rows of this phase, how many are still pending, and how many of the answered turns are among them."""
        deadline = time.monotonic() + 30
        while True:
            rows = target.turn_rows(prefix)
            pending = sum(1 for _, status in rows if status == "pending")
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        ids = {str(row_id).replace("-", "") for row_id, _ in rows}
        return len(rows), pending, len(answered & ids)

    # ------------------------------------------------------------------ output

    @staticmethod
    def _ratios(embedded: dict[str, Any], services: dict[str, Any]) -> dict[str, float]:
        """How many times slower the services stack is: p95 at the fixed rate, and the inverse of the
        sustainable maximum."""
        ratios: dict[str, float] = {}
        if embedded["fixed_rate"]["p95_ms"]:
            ratios["fixed_rate_p95"] = round(services["fixed_rate"]["p95_ms"] / embedded["fixed_rate"]["p95_ms"], 2)
        if "back_to_back" in embedded and services.get("back_to_back", {}).get("rps"):
            ratios["back_to_back_rps"] = round(embedded["back_to_back"]["rps"] / services["back_to_back"]["rps"], 2)
            ratios["back_to_back_p95"] = round(
                services["back_to_back"]["p95_ms"] / embedded["back_to_back"]["p95_ms"], 2
            )
        return ratios

    def _print(self, result: dict[str, Any], stacks: list[str]) -> None:
        self.stdout.write(f"load: {result['load_generator']}; server: {result['workers']}")
        header = (
            "stack     phase         requests errors  req/s  p50 ms  p95 ms  p99 ms  max ms  "
            "rows answered+own-row cut-off pending  RSS MB before/peak/after (growth)"
        )
        self.stdout.write(header)
        for name in stacks:
            for phase in ("fixed_rate", "during_approval", "back_to_back"):
                if phase not in result[name]:
                    continue
                p = result[name][phase]
                self.stdout.write(
                    f"{name:<9} {phase:<13} {p['requests']:>8} {p['errors']:>6} {p['rps']:>6} {p['p50_ms']:>7} "
                    f"{p['p95_ms']:>7} {p['p99_ms']:>7} {p['max_ms']:>7}  {p['turn_rows']:>4} "
                    f"{p['answers_with_their_turn_row']:>15} {p['rows_of_requests_cut_off_at_stop']:>7} "
                    f"{p['rows_left_pending']:>7}  {p['server_rss_mb_before']}/{p['server_rss_mb_peak']}/"
                    f"{p['server_rss_mb_after']} ({p['server_rss_growth_pct']:+}%)"
                )
        for name in stacks:
            self.stdout.write(f"{name}: {result[name]['server']}, {result[name]['faqs']} published FAQs")
            approval = result[name].get("during_approval")
            if approval:
                self.stdout.write(
                    f"{name} approval: {approval['golden_cases']} golden cases, asking to approve "
                    f"{approval['ask_to_approve_ms']} ms, check {approval['check_status']} "
                    f"({'passed' if approval['check_passed'] else 'blocked'}) in {approval['check_s']} s, "
                    f"approved {approval['approved']} in {approval['approve_ms']} ms; p95 during / without: "
                    f"{result[name].get('approval_vs_fixed_rate_p95')}x"
                )
        if "services_vs_embedded" in result:
            self.stdout.write("services / embedded: " + json.dumps(result["services_vs_embedded"]))

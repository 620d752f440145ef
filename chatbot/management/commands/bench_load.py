import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from chatbot.bench.services import free_port

CASES = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases"
SCRIPT = Path(settings.BASE_DIR) / "chatbot" / "bench" / "chat.lua"
# wrk gives up on a request after this long and counts it as an error.
TIMEOUT_S = 10


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


class Command(BaseCommand):
    help = (
        "Load benchmark of the chat API over HTTP on 127.0.0.1: starts gunicorn on a copy of this "
        "installation (SQLite and the embedded vector store), drives it with wrk at a fixed rate and "
        "then back to back, and prints requests/s, p50/p95/p99, errors, turn rows against requests "
        "and the server's memory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=int, default=10, help="Requests per second in the fixed-rate phase.")
        parser.add_argument("--duration", type=int, default=60, help="Seconds of the fixed-rate phase.")
        parser.add_argument("--max-duration", type=int, default=20, help="Seconds of the back-to-back phase (0: skip).")
        parser.add_argument(
            "--max-connections", type=int, default=4, help="Connections asking back to back in that phase."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker.")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--keep", action="store_true", help="Keep the copy, the server log and wrk's files.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("bench_load copies the embedded SQLite installation; run it with the default database")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: `apt-get install wrk` (or `make tools`)")
        if options["rate"] < 1 or options["duration"] < 1 or options["max_connections"] < 1:
            raise CommandError("--rate, --duration and --max-connections must be at least 1")
        source = Path(settings.DATABASES["default"]["NAME"])
        if not source.is_file():
            raise CommandError(f"{source} does not exist: run `make run` (or migrate, load_sample_town, rebuild_index)")
        work = Path(tempfile.mkdtemp(prefix="faq-bench-load-"))
        data = work / "data"
        data.mkdir()
        database = data / "bench.sqlite3"
        with sqlite3.connect(source) as original, sqlite3.connect(database) as copy:
            original.backup(copy)
        if Path(settings.CHROMA_PATH).is_dir():
            shutil.copytree(settings.CHROMA_PATH, data / "chroma")
        bodies = work / "bodies.jsonl"
        bodies.write_text(
            "".join(
                json.dumps({"question": json.loads(line)["query"]}, ensure_ascii=False) + "\n"
                for name in ("ja.jsonl", "en.jsonl", "oos.jsonl")
                for line in (CASES / name).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ),
            encoding="utf-8",
        )
        port = free_port()
        env = {
            key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CHROMA_HOST", "REDIS_URL")
        }
        env |= {
            "DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SETTINGS_MODULE": "chatbot.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": "bench-load-only-" + os.urandom(16).hex(),
            "CHAT_RATE_LIMIT_PER_MINUTE": "0",
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=settings.BASE_DIR, check=True
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "chatbot.wsgi:application",
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
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=(work / "gunicorn.log").open("w"),
        )
        host = f"http://127.0.0.1:{port}"
        run = uuid.uuid4().hex[:12]
        workers = f"{options['workers']} workers x {options['threads']} threads"
        result: dict[str, Any] = {
            "server": f"gunicorn {workers}, SQLite, embedded chromadb, extractive answers",
            "load_generator": "wrk, 1 thread, on the same machine",
        }
        try:
            self._wait_ready(host)
            self._warm_up(host, options["workers"] * options["threads"])
            process = psutil.Process(server.pid)
            # Enough connections for a second's worth of requests and a tenth more: one is free for each
            # arrival unless answers take longer than a second.
            connections = math.ceil(options["rate"] * 1.1)
            result["fixed_rate"] = {
                "target_rps": options["rate"],
                "connections": connections,
                **self._phase(
                    work, host, database, process, f"{run}-fixed", connections, options["duration"], options["rate"]
                ),
            }
            if options["max_duration"]:
                result["back_to_back"] = {
                    "connections": options["max_connections"],
                    **self._phase(
                        work,
                        host,
                        database,
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
            if options["keep"]:
                self.stderr.write(f"kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(f"server: {result['server']}; load: {result['load_generator']}")
        for phase in ("fixed_rate", "back_to_back"):
            if phase in result:
                self.stdout.write(f"{phase}: " + json.dumps(result[phase], ensure_ascii=False))

    def _wait_ready(self, host: str) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{host}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise CommandError("the server did not start within 180 s")

    def _warm_up(self, host: str, parallel: int) -> None:
        """Load the encoders and per-thread state in every worker thread before measuring: four rounds of
        `parallel` questions at a time."""

        def ask(number: int) -> None:
            request = urllib.request.Request(
                f"{host}/api/v1/chat",
                data=json.dumps({"question": "住民票の写しがほしい"}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"warm-up-{number:06d}-{time.time_ns()}",
                },
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for round_number in range(4):
                list(pool.map(ask, range(round_number * parallel, (round_number + 1) * parallel)))

    def _phase(
        self,
        work: Path,
        host: str,
        database: Path,
        server: psutil.Process,
        keys: str,
        connections: int,
        seconds: int,
        rate: int,
    ) -> dict[str, Any]:
        turns_file = work / f"turns-{keys}"
        summary_file = work / f"summary-{keys}.json"
        rss_before = _rss_mb(server)
        done = subprocess.run(
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
            capture_output=True,
            text=True,
            check=False,
        )
        (work / f"wrk-{keys}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0 or not summary_file.is_file():
            raise CommandError(f"wrk failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        answered = {
            uuid.UUID(line.strip()).hex
            for path in work.glob(f"turns-{keys}.*")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }
        rows, pending, found = self._turn_rows(database, f"http:load-{keys}-", answered)
        errors = sum(
            summary[key] for key in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
        )
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
            "server_rss_mb_after": _rss_mb(server),
        }

    def _turn_rows(self, database: Path, prefix: str, answered: set[str]) -> tuple[int, int, int]:
        """Rows of this phase, how many are still pending, and how many of the answered turns are among them."""
        deadline = time.monotonic() + 30
        with sqlite3.connect(database, timeout=30) as db:
            while True:
                # The prefix is hex digits and dashes: nothing in it is a LIKE wildcard.
                rows = db.execute(
                    "SELECT id, status FROM chatbot_turn WHERE idempotency_key LIKE ?", (prefix + "%",)
                ).fetchall()
                pending = sum(1 for _, status in rows if status == "pending")
                if not pending or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        ids = {str(row_id).replace("-", "") for row_id, _ in rows}
        return len(rows), pending, len(answered & ids)

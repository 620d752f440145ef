import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

CASES = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _turns(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM chatbot_turn").fetchone()[0])


class Command(BaseCommand):
    help = (
        "Load benchmark of the chat API over HTTP on 127.0.0.1: starts gunicorn on a copy of this "
        "installation (SQLite and the embedded vector store), drives it with locust at a fixed rate and "
        "then back to back, and prints requests/s, p50/p95/p99, errors and turn rows against requests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=int, default=10, help="Requests per second in the fixed-rate phase.")
        parser.add_argument("--duration", type=int, default=60, help="Seconds of the fixed-rate phase.")
        parser.add_argument("--max-duration", type=int, default=20, help="Seconds of the back-to-back phase (0: skip).")
        parser.add_argument("--max-users", type=int, default=8, help="Concurrent users in the back-to-back phase.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=1, help="Threads per gunicorn worker.")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--keep", action="store_true", help="Keep the copy, the server and locust logs.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("bench_load copies the embedded SQLite installation; run it with the default database")
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
        port = _free_port()
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
        try:
            self._wait_ready(host)
            self._warm_up(host, options["workers"] * options["threads"] * 2)
            before = _turns(database)
            fixed = self._locust(work, host, env, "fixed", options["rate"], options["duration"])
            time.sleep(1)
            after = _turns(database)
            result: dict[str, Any] = {
                "fixed_rate": {**fixed, "target_rps": options["rate"], "turn_rows": after - before},
                "server": f"gunicorn {options['workers']} workers x {options['threads']} threads, SQLite, "
                f"embedded chromadb, extractive answers",
            }
            if options["max_duration"]:
                before = _turns(database)
                saturated = self._locust(work, host, env, "max", options["max_users"], options["max_duration"])
                time.sleep(1)
                result["back_to_back"] = {
                    **saturated,
                    "users": options["max_users"],
                    "turn_rows": _turns(database) - before,
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

    def _warm_up(self, host: str, count: int) -> None:
        """Load the encoders in every worker before measuring."""
        for number in range(count):
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

    def _locust(
        self, work: Path, host: str, env: dict[str, str], mode: str, users: int, seconds: int
    ) -> dict[str, Any]:
        questions = os.pathsep.join(str(CASES / name) for name in ("ja.jsonl", "en.jsonl", "oos.jsonl"))
        locustfile = Path(__file__).resolve().parents[2] / "bench" / "locustfile.py"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(locustfile),
                "--headless",
                "--only-summary",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--stop-timeout",
                "30",
                "--host",
                host,
            ],
            env={**env, "LOAD_MODE": mode, "LOAD_QUESTIONS": questions},
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        # The final summary on stdout counts requests that finished during the stop timeout; the CSV file,
        # written earlier, does not.
        output = done.stdout + done.stderr
        (work / f"locust-{mode}.log").write_text(output, encoding="utf-8")
        rows = [line.split() for line in output.splitlines() if line.strip().startswith("Aggregated")]
        totals = next((row for row in rows if "|" in row), None)
        percentiles = next((row for row in rows if "|" not in row), None)
        if totals is None or percentiles is None:
            raise CommandError(f"locust failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return {
            "requests": int(totals[1]),
            "errors": int(totals[2].split("(")[0]),
            "rps": float(totals[-2]),
            "p50_ms": float(percentiles[1]),
            "p95_ms": float(percentiles[6]),
            "p99_ms": float(percentiles[8]),
        }

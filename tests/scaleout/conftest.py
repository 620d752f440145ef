"""Real PostgreSQL, Redis and chromadb servers for the scale-out tests, started here and stopped afterwards."""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from chatbot.bench.services import ServiceStack, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack() -> Iterator[ServiceStack]:
    with ServiceStack() as services:
        yield services


class Installation:
    """The product configured for the services (its own data directory), driven through manage.py."""

    def __init__(self, stack: ServiceStack, **extra: str) -> None:
        self.stack = stack
        self.data = Path(tempfile.mkdtemp(prefix="faq-scaleout-"))
        keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CHROMA_HOST")}
        self.env = (
            keep
            | stack.env()
            | {
                "DATA_DIR": str(self.data),
                "DJANGO_SETTINGS_MODULE": "chatbot.project.settings",
                "DJANGO_DEBUG": "false",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_SECRET_KEY": "scaleout-test-only-" + uuid.uuid4().hex + uuid.uuid4().hex,
                "LOG_LEVEL": "WARNING",
            }
            | extra
        )
        self.servers: list[subprocess.Popen[bytes]] = []

    def manage(self, *arguments: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{arguments} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def sql(self, query: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.stack.database_url, autocommit=True) as connection:
            cursor = connection.execute(query, parameters)
            return list(cursor.fetchall()) if cursor.description else []

    def gunicorn(self, workers: int, **extra: str) -> str:
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "chatbot.project.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                "2",
                "--timeout",
                "120",
            ],
            env=self.env | extra,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(self.data / f"gunicorn-{port}.log").open("wb"),
        )
        self.servers.append(server)
        host = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{host}/healthz", timeout=2):
                    return host
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)

    def stop(self) -> None:
        for server in self.servers:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        self.servers.clear()


def ask(host: str, question: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{host}/api/v1/chat",
        data=json.dumps({"question": question}).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex, "Connection": "close"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(scope="module")
def installation(stack: ServiceStack) -> Iterator[Installation]:
    """The sample town installed on the services, as `make setup` does on the embedded defaults."""
    install = Installation(stack)
    install.manage("migrate", "--noinput", "-v", "0")
    install.manage("load_sample_town")
    install.manage("rebuild_index")
    try:
        yield install
    finally:
        install.stop()

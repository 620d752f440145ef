"""Real PostgreSQL, Redis and chromadb servers on 127.0.0.1, started and stopped by benchmarks and tests.

`ServiceStack` starts the three engines the scale-out configuration uses, each
in its own temporary directory and on a free port, and gives the environment
variables that point the product at them (`DATABASE_URL`, `REDIS_URL`,
`CHROMA_HOST`, `CHROMA_PORT`). Stopping it stops every server it started and
removes their data: nothing is left running.

The servers come from Debian's `postgresql` and `redis-server` packages and
from the chromadb package's own `chroma run`.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg

DATABASE = "town"
ROLE = "town"


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bindir() -> Path:
    """The directory of Debian's PostgreSQL server programs (newest major version first)."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True):
        if (candidate / "postgres").is_file():
            return candidate
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise ServiceError("PostgreSQL is not installed: `apt-get install postgresql` (or `make tools`)")


def available() -> list[str]:
    """What is missing to start the stack (empty when everything is there)."""
    missing = []
    try:
        postgres_bindir()
    except ServiceError:
        missing.append("postgresql")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if not _chroma_executable().is_file():
        missing.append("chroma (the chromadb package)")
    return missing


def _chroma_executable() -> Path:
    found = shutil.which("chroma")
    return Path(found) if found else Path(sys.executable).parent / "chroma"


def _wait(
    check: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.is_file() else ""
            raise ServiceError(f"{what} did not start:\n{tail}")
        time.sleep(0.2)


class ServiceStack:
    """PostgreSQL + Redis + chromadb server, for as long as the `with` block lasts."""

    def __init__(self) -> None:
        # Its own directory under /tmp: as root, PostgreSQL's user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="faq-services-"))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.postgres_port = 0
        self.redis_port = 0
        self.chroma_port = 0
        # As root, PostgreSQL runs as the `postgres` user its Debian package creates.
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    # ------------------------------------------------------------------ the environment for the product

    @property
    def database_url(self) -> str:
        return f"postgres://{ROLE}@127.0.0.1:{self.postgres_port}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(self.chroma_port),
        }

    # ------------------------------------------------------------------ start and stop

    def __enter__(self) -> Self:
        missing = available()
        if missing:
            raise ServiceError("not installed: " + ", ".join(missing) + " (`make tools` installs them)")
        try:
            self._start_postgres()
            self._start_redis()
            self._start_chroma()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                if name == "postgres":
                    # A "fast" shutdown through pg_ctl: as root the process is runuser, which passes no signal on.
                    subprocess.run(
                        [
                            *self._as_postgres,
                            str(postgres_bindir() / "pg_ctl"),
                            "stop",
                            "-D",
                            str(self.root / "postgres"),
                            "-m",
                            "fast",
                            "-w",
                            "-t",
                            "30",
                        ],
                        capture_output=True,
                        check=False,
                    )
                else:
                    process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        self.processes.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def _start_postgres(self) -> None:
        bindir = postgres_bindir()
        data = self.root / "postgres"
        sockets = self.root / "postgres-sockets"
        for directory in (data, sockets):
            directory.mkdir(parents=True, exist_ok=True)
            if self._as_postgres:
                shutil.chown(directory, "postgres", "postgres")
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
        log = self.root / "postgres.log"
        subprocess.run(
            [
                *self._as_postgres,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                ROLE,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            check=True,
            capture_output=True,
        )
        self.postgres_port = free_port()
        self.processes["postgres"] = subprocess.Popen(
            # synchronous_commit=off is like SQLite's synchronous=NORMAL in WAL mode: a crash may lose the
            # last moments' commits, never the database.
            [
                *self._as_postgres,
                str(bindir / "postgres"),
                *("-D", str(data), "-k", str(sockets), "-h", "127.0.0.1", "-p", str(self.postgres_port)),
                *("-c", "synchronous_commit=off", "-c", "max_connections=200"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )

        def ready() -> bool:
            try:
                with psycopg.connect(
                    host="127.0.0.1", port=self.postgres_port, user=ROLE, dbname="postgres", connect_timeout=2
                ):
                    return True
            except psycopg.Error:
                return False

        _wait(ready, self.processes["postgres"], "PostgreSQL", log)
        with psycopg.connect(
            host="127.0.0.1", port=self.postgres_port, user=ROLE, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')

    def _start_redis(self) -> None:
        self.redis_port = free_port()
        log = self.root / "redis.log"
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def ready() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait(ready, self.processes["redis"], "Redis", log)

    def _start_chroma(self) -> None:
        self.chroma_port = free_port()
        log = self.root / "chroma.log"
        self.processes["chroma"] = subprocess.Popen(
            [
                str(_chroma_executable()),
                "run",
                "--path",
                str(self.root / "chroma"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.chroma_port),
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

        def ready() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.chroma_port}/api/v2/heartbeat", timeout=1):
                    return True
            except OSError:
                return False

        _wait(ready, self.processes["chroma"], "the chromadb server", log)

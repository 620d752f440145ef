"""The installations `bench_load` puts under load: a copy of this one, or the sample town on real services."""

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import CommandError

from chatbot.bench.services import ServiceStack

CASES = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases"
CASE_FILES = [str(CASES / name) for name in ("ja.jsonl", "en.jsonl", "oos.jsonl")]


@dataclass
class Target:
    """One installation under load: how to start it and how to read its turn log."""

    name: str
    description: str
    env: dict[str, str]
    # (idempotency-key prefix) -> [(turn id, status)] of the rows whose key starts with it.
    turn_rows: Callable[[str], list[tuple[Any, str]]]
    faqs: int


@contextmanager
def embedded_target(work: Path) -> Iterator[Target]:
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
    env = base_env() | {"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{database}"}
    manage(env, "migrate", "--noinput", "-v", "0")

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
def services_target(work: Path, say: Callable[[str], None]) -> Iterator[Target]:
    say("starting PostgreSQL, Redis and a chromadb server, installing the sample town ...")
    data = work / "services"
    data.mkdir()
    with ServiceStack() as stack:
        env = base_env() | stack.env() | {"DATA_DIR": str(data)}
        # The sample town exactly as `make run` installs it on the embedded defaults.
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_sample_town")
        manage(env, "rebuild_index")
        manage(env, "calibrate_gate", "--if-uncalibrated", "--split", "odd", "--cases", *CASE_FILES)

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


def base_env() -> dict[str, str]:
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


def manage(env: dict[str, str], *arguments: str) -> None:
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

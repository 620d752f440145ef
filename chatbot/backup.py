"""Backup and restore of the database, on SQLite or PostgreSQL, while the service runs.

The database is the whole state: FAQs and their history, departments, change
requests, turns, analytics, staff. The search index (chromadb) is derived from
it and rebuilt after a restore, so it is not part of a backup.

- SQLite: SQLite's online backup, page by page, consistent while others read
  and write; a restore copies the file back the same way.
- PostgreSQL: `pg_dump` in its custom format and `pg_restore --clean`.
"""

import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    pass


@dataclass
class BackupResult:
    path: Path
    engine: str
    bytes: int


def _engine() -> str:
    engine = str(settings.DATABASES["default"]["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"backup supports SQLite and PostgreSQL, not {engine}")


def _pg_program(name: str) -> str:
    """pg_dump or pg_restore, of the newest PostgreSQL installed (a dump needs a client at least as new)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parents[1].name))
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _pg_arguments() -> tuple[list[str], dict[str, str]]:
    database = settings.DATABASES["default"]
    arguments = ["--dbname", str(database["NAME"])]
    if database.get("HOST"):
        arguments += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        arguments += ["--port", str(database["PORT"])]
    if database.get("USER"):
        arguments += ["--username", str(database["USER"])]
    environment = {"PGPASSWORD": str(database["PASSWORD"])} if database.get("PASSWORD") else {}
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    done = subprocess.run(command, env={**os.environ, **environment}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(path: Path) -> BackupResult:
    """Write a consistent copy of the database to `path` (replaced if it exists)."""
    engine = _engine()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    if engine == "sqlite":
        with sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30) as source:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
    else:
        arguments, environment = _pg_arguments()
        _run([_pg_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *arguments], environment)
    partial.replace(path)
    return BackupResult(path=path, engine=engine, bytes=path.stat().st_size)


def backup_engine(path: Path) -> str:
    """Which engine wrote the backup file, from its first bytes."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format file")


def restore(path: Path) -> str:
    """Replace the database's contents with the backup's; returns the engine.

    The backup is checked before anything is touched: a file of the wrong kind
    or a damaged SQLite file changes nothing.
    """
    engine = _engine()
    kind = backup_engine(path)
    if kind != engine:
        raise BackupError(
            f"{path} is a {kind} backup but this installation uses {engine}; "
            "move data between engines with `dumpdata` and `loaddata`"
        )
    connections.close_all()
    if engine == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            try:
                check = source.execute("PRAGMA integrity_check").fetchone()
            except sqlite3.DatabaseError as error:
                raise BackupError(f"{path} is damaged: {error}") from error
            if not check or check[0] != "ok":
                raise BackupError(f"{path} is damaged: {check[0] if check else 'no answer'}")
            with sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30) as live:
                source.backup(live)
        finally:
            source.close()
    else:
        arguments, environment = _pg_arguments()
        _run([_pg_program("pg_restore"), "--list", str(path)], {})
        _run(
            [
                _pg_program("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *arguments,
                str(path),
            ],
            environment,
        )
    connections.close_all()
    return engine

"""A throw-away installation for benchmarks: its own SQLite database and chromadb in a temporary directory.

Benchmark commands run `manage.py` steps in it as subprocesses, so that
nothing touches this installation's data and each step's memory is its own.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


class ThrowawayInstall:
    def __init__(self, prefix: str) -> None:
        self.work = Path(tempfile.mkdtemp(prefix=prefix))
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CHROMA_HOST")}
        self.env = env | {"DATA_DIR": str(self.work / "data"), "DJANGO_SETTINGS_MODULE": "chatbot.project.settings"}
        self.timings: dict[str, float] = {}

    def run(self, *arguments: str, name: str | None = None) -> str:
        """`manage.py ARGUMENTS` in the installation; its stdout, or CommandError with the output's end."""
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        self.timings[name or arguments[0]] = round(time.perf_counter() - started, 1)
        if done.returncode != 0:
            raise CommandError(f"{name or ' '.join(arguments)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return done.stdout

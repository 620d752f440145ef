import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database while the service runs (SQLite's online backup, or pg_dump on PostgreSQL). "
        "The search index is rebuilt from the database after a restore, so it is not included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            type=Path,
            help="File to write (default: DATA_DIR/backups/town-faq-YYYYmmdd-HHMMSS.sqlite3 or .dump).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path | None = options["out"]
        if out is None:
            engine = str(settings.DATABASES["default"]["ENGINE"])
            suffix = ".sqlite3" if engine.endswith("sqlite3") else ".dump"
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            out = Path(settings.DATA_DIR) / "backups" / f"town-faq-{stamp}{suffix}"
        try:
            result = backup(out)
        except (BackupError, OSError) as error:
            raise CommandError(f"バックアップできませんでした / Backup failed: {error}") from error
        self.stdout.write(f"バックアップ / backup ({result.engine}): {result.path} ({result.bytes:,} bytes)")

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.backup import BackupError, restore
from faq.retrieval import vectorstore
from faq.retrieval.snapshot import forget_loaded_index


class Command(BaseCommand):
    help = (
        "Replace the database with a backup made by `backup`, then rebuild the search index from it. "
        "Everything written since the backup is lost: stop the task cluster first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup file written by `manage.py backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that the database's current contents are to be replaced."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "復元すると現在のデータベースの内容はすべて置き換えられます。よろしければ --yes を付けてください。"
                " / Restoring replaces everything in the database; add --yes to confirm."
            )
        try:
            engine = restore(options["file"])
        except (BackupError, OSError) as error:
            raise CommandError(
                f"復元できませんでした（データベースは変更していません）/ Restore failed: {error}"
            ) from error
        self.stdout.write(f"復元しました / restored ({engine}): {options['file']}")
        # The vectors on disk or on the chromadb server belong to whatever was indexed before: start afresh.
        dropped = vectorstore.drop_index_collections()
        forget_loaded_index()
        self.stdout.write(
            f"検索インデックスを再構築します / rebuilding the search index ({dropped} old collections removed)"
        )
        call_command("rebuild_index", stdout=self.stdout, stderr=self.stderr)

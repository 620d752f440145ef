from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from analytics.aggregation import retention_cutoff, turns_purge


class Command(BaseCommand):
    help = (
        "Delete turns (and their feedback) older than TURN_RETENTION_MONTHS whole months; "
        "their months are aggregated first, so the monthly figures stay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = retention_cutoff()
        if options["dry_run"]:
            from chatbot.models import Turn

            count = Turn.objects.filter(created_at__lt=cutoff).count()
            self.stdout.write(f"{count} turns before {cutoff:%Y-%m-%d %H:%M %Z} would be deleted.")
            return
        deleted, aggregated = turns_purge()
        months = ", ".join(f"{month:%Y-%m}" for month in aggregated) or "-"
        self.stdout.write(
            f"Deleted {deleted} turns before {cutoff:%Y-%m-%d %H:%M %Z} "
            f"(retention {settings.TURN_RETENTION_MONTHS} months; aggregated first: {months})."
        )

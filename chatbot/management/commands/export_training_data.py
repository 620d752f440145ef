import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.quality.training import training_examples, training_jsonl


class Command(BaseCommand):
    help = (
        "Write the golden set as training data in the OpenAI chat fine-tuning format: corrected pairs (question, "
        "approved FAQ answer with its source) and failure cases (questions to hand off, with the handoff)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Only cases added or changed since this day.")
        parser.add_argument("--out", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = datetime.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(f"--since must be a date like 2026-01-01, not {options['since']!r}") from exc
        examples, counts = training_examples(since)
        try:
            options["out"].write_text(training_jsonl(examples), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {options['out']}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"{len(examples)} examples written to {options['out']}: {counts['pairs']} corrected pairs, "
            f"{counts['failure_cases']} failure cases; {counts['left_out']} cases left out (no published right FAQ)"
        )

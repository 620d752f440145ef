from typing import Any

from django.core.management.base import BaseCommand

from chatbot.services import turns_reap


class Command(BaseCommand):
    help = "Mark turns still pending after 10 minutes as abandoned (the task cluster runs it every 10 minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"abandoned: {turns_reap()}")

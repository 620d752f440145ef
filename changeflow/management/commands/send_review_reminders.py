from typing import Any

from django.core.management.base import BaseCommand

from changeflow.tasks import send_review_reminders


class Command(BaseCommand):
    help = "E-mail every department the FAQs due for review this month (the task cluster runs it monthly)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_review_reminders()
        for code, count in sent.items():
            self.stdout.write(f"{code}: {count} FAQs")
        if not sent:
            self.stdout.write("no FAQs due for review")

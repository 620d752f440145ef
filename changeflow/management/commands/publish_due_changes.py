from typing import Any

from django.core.management.base import BaseCommand

from changeflow.services import publish_due_changes


class Command(BaseCommand):
    help = (
        "Publish approved change requests whose effective date has come (Asia/Tokyo). "
        "Idempotent; the task cluster runs it every minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        published = publish_due_changes()
        if published:
            self.stdout.write(self.style.SUCCESS(f"published: {', '.join(f'#{pk}' for pk in published)}"))
        else:
            self.stdout.write("nothing due")

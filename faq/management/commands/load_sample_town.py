from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from faq.sample import sample_town_load


class Command(BaseCommand):
    help = "Load the sample town B町 (departments, categories, published FAQs). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sample_town_load()
        report = result.faqs
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Sample town loaded: %(departments)d new department(s), %(categories)d new category(ies); "
                    "FAQs %(created)d created, %(updated)d updated, %(unchanged)d unchanged"
                )
                % {
                    "departments": result.departments_created,
                    "categories": result.categories_created,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }
            )
        )

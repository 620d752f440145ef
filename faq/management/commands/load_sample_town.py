from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from faq.sample import sample_town_load


class Command(BaseCommand):
    help = (
        "Load the sample town B町 (departments, categories, published FAQs) once. Running it again only adds "
        "sample rows that were never loaded and changes nothing staff edited; --reset writes the shipped texts "
        "back as new versions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Write every shipped department, category and FAQ back to the sample files' text (as new versions).",
        )
        parser.add_argument("--yes", action="store_true", help="With --reset: do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        reset = bool(options["reset"])
        if options["yes"] and not reset:
            raise CommandError(_("--yes only goes with --reset."))
        if reset and not options["yes"]:
            self._confirm_reset()
        result = sample_town_load(reset=reset)
        report = result.faqs
        if reset:
            message = _(
                "Sample town reset: %(departments)d new department(s), %(categories)d new category(ies); "
                "FAQs %(created)d created, %(updated)d written back to the sample text, %(unchanged)d unchanged"
            ) % {
                "departments": result.departments_created,
                "categories": result.categories_created,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
        else:
            message = _(
                "Sample town loaded: %(departments)d new department(s), %(categories)d new category(ies), "
                "%(created)d new FAQ(s); %(faqs_kept)d FAQ(s) and %(departments_kept)d department(s) already "
                "there were left as they are"
            ) % {
                "departments": result.departments_created,
                "categories": result.categories_created,
                "created": report.created,
                "faqs_kept": result.faqs_kept,
                "departments_kept": result.departments_kept,
            }
        english = []
        if result.english_added:
            english.append(
                _(
                    "The sample town's English was added to those loaded before it existed, their Japanese "
                    "unchanged: %(count)d FAQ(s) and department(s) together."
                )
                % {"count": result.english_added}
            )
        if result.english_skipped:
            english.append(
                _(
                    "%(skipped)d whose Japanese text staff had changed were left without English: the FAQ list's "
                    "filter “English text: No” shows them."
                )
                % {"skipped": result.english_skipped}
            )
        if english:
            message = _("%(loaded)s. %(english)s") % {"loaded": message, "english": "".join(english)}
        self.stdout.write(self.style.SUCCESS(message))

    def _confirm_reset(self) -> None:
        prompt = _(
            "This writes the sample town's shipped texts back over staff edits of the sample FAQs and departments "
            "(as new versions; history is kept). Type 'yes' to continue: "
        )
        try:
            answer = input(prompt)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"yes", "はい"}:
            raise CommandError(_("Reset cancelled: nothing was changed. Use --yes to reset without asking."))

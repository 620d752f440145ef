from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.aggregation import aggregate_due, aggregate_month
from analytics.months import parse_month


class Command(BaseCommand):
    help = (
        "Recompute one month's figures and groups of unanswered questions from the turn log "
        "(Asia/Tokyo months; running it twice gives the same numbers). Without --month: last month and this month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", metavar="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["month"]:
            try:
                months = [parse_month(options["month"])]
            except ValueError as error:
                raise CommandError(str(error)) from error
            for month in months:
                aggregate_month(month)
        else:
            months = aggregate_due()
        from analytics.models import MonthlyAggregate

        for aggregate in MonthlyAggregate.objects.filter(month__in=months).order_by("month"):
            self.stdout.write(
                f"{aggregate.month:%Y-%m}: 質問 {aggregate.turns} / 回答 {aggregate.answered}"
                f" / 確認 {aggregate.clarified} / 案内 {aggregate.handed_off} / 受付不可 {aggregate.rejected}"
                f" / 未解決 {aggregate.unanswered}"
                f" ({aggregate.clusters_total} グループ groups)"
            )

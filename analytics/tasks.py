"""Scheduled jobs of the task cluster (django-q2)."""

from analytics.aggregation import aggregate_current, aggregate_due, aggregate_month, turns_purge
from analytics.months import parse_month


def aggregate_months() -> str:
    months = aggregate_due()
    return "aggregated " + ", ".join(f"{month:%Y-%m}" for month in months)


def aggregate_one(month: str) -> str:
    aggregate = aggregate_month(parse_month(month))
    return f"aggregated {month}: {aggregate.turns} turns, {aggregate.unanswered} unanswered"


def purge_turns() -> str:
    deleted, aggregated = turns_purge()
    return f"deleted {deleted} turns; aggregated first {len(aggregated)} months"


def aggregate_month_so_far() -> str:
    months = aggregate_current()
    return "aggregated " + ", ".join(f"{month:%Y-%m}" for month in months)

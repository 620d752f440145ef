"""Calendar months in the town's time zone: parsing "YYYY-MM", month arithmetic, a month's bounds."""

import datetime
import re
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def town_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_month(text: str) -> datetime.date:
    """ "2026-10" -> 2026-10-01; ValueError with a clear message otherwise."""
    match = MONTH_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValueError(_("Give the month as YYYY-MM, for example 2026-10 (got %(text)r).") % {"text": text})
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime.datetime) -> datetime.date:
    local = moment.astimezone(town_tz())
    return datetime.date(local.year, local.month, 1)


def current_month() -> datetime.date:
    return month_of(timezone.now())


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a month in the town's time zone, as aware datetimes."""
    tz = town_tz()
    start = datetime.datetime(month.year, month.month, 1, tzinfo=tz)
    following = add_months(month, 1)
    return start, datetime.datetime(following.year, following.month, 1, tzinfo=tz)

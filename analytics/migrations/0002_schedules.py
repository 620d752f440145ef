"""The task cluster's schedules: monthly aggregation on the 1st, daily turn retention.

django-q2 stores the next run in UTC and adds calendar months to that UTC
time, so a monthly job must run at an hour that falls on the same day in
Tokyo and in UTC (09:00-23:59 JST); 09:30 JST on the 1st stays on the 1st.
"""

import datetime
import zoneinfo

from django.db import migrations

AGGREGATE = "analytics: monthly aggregation"
PURGE = "analytics: turn retention"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    now = datetime.datetime.now(tokyo)
    first_of_next_month = (now.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=1, hour=9, minute=30, second=0, microsecond=0
    )
    next_night = (now + datetime.timedelta(days=1)).replace(hour=3, minute=15, second=0, microsecond=0)
    Schedule.objects.update_or_create(
        name=AGGREGATE,
        defaults={
            "func": "analytics.tasks.aggregate_months",
            "schedule_type": "M",
            "repeats": -1,
            "next_run": first_of_next_month,
        },
    )
    Schedule.objects.update_or_create(
        name=PURGE,
        defaults={"func": "analytics.tasks.purge_turns", "schedule_type": "D", "repeats": -1, "next_run": next_night},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[AGGREGATE, PURGE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]

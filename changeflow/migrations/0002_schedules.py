"""The task cluster's schedules: publish due changes every minute, review reminders monthly."""

import datetime
import zoneinfo

from django.db import migrations

PUBLISH = "changeflow: publish due changes"
REMINDERS = "changeflow: monthly review reminders"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    now = datetime.datetime.now(tokyo)
    first_of_next_month = (now.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=1, hour=8, minute=0, second=0, microsecond=0
    )
    Schedule.objects.update_or_create(
        name=PUBLISH,
        defaults={"func": "changeflow.tasks.publish_due_changes", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )
    Schedule.objects.update_or_create(
        name=REMINDERS,
        defaults={
            "func": "changeflow.tasks.send_review_reminders",
            "schedule_type": "M",
            "repeats": -1,
            "next_run": first_of_next_month,
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[PUBLISH, REMINDERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("changeflow", "0001_initial"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]
    operations = [migrations.RunPython(create, remove)]

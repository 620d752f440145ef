"""The nightly evaluation of the golden set, at 02:30 Asia/Tokyo (before the 03:15 turn retention)."""

import datetime
import zoneinfo

from django.db import migrations

NIGHTLY = "chatbot: nightly evaluation of the golden set"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    now = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo"))
    next_night = (now + datetime.timedelta(days=1)).replace(hour=2, minute=30, second=0, microsecond=0)
    Schedule.objects.update_or_create(
        name=NIGHTLY,
        defaults={"func": "chatbot.tasks.evaluate_golden", "schedule_type": "D", "repeats": -1, "next_run": next_night},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NIGHTLY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chatbot", "0008_evaluation_runs"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]

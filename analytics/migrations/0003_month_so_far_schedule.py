"""The month so far is recomputed every 10 minutes, so that the dashboard shows it as of the last few minutes
(analytics.aggregation.CURRENT_MONTH_EVERY)."""

from django.db import migrations
from django.utils import timezone

MONTH_SO_FAR = "analytics: month so far"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=MONTH_SO_FAR,
        defaults={
            "func": "analytics.tasks.aggregate_month_so_far",
            "schedule_type": "I",
            "minutes": 10,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=MONTH_SO_FAR).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_schedules"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]

"""The monitors every 5 minutes and the canary every 15 minutes."""

from django.db import migrations
from django.utils import timezone

SCHEDULES = {
    "chatbot: monitors": ("chatbot.tasks.run_monitors", 5),
    "chatbot: canary questions": ("chatbot.tasks.run_canary", 15),
}


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": "I",
                "minutes": minutes,
                "repeats": -1,
                "next_run": timezone.now(),
            },
        )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chatbot", "0011_incidents"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]

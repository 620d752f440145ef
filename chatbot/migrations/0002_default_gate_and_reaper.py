"""The built-in gate (version 1, fixed thresholds, until calibrate_gate stores a fitted one) and the turn reaper."""

from django.db import migrations

REAPER = "chatbot: reap abandoned turns"


def create(apps, schema_editor):
    GateConfig = apps.get_model("chatbot", "GateConfig")
    if not GateConfig.objects.exists():
        GateConfig.objects.create(
            kind="thresholds",
            is_active=True,
            parameters={"answer_score": 0.6, "answer_margin": 0.25, "clarify_score": 0.25, "department_score": 0.1},
            note="built-in thresholds (not calibrated)",
        )
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=REAPER,
        defaults={"func": "chatbot.tasks.reap_turns", "schedule_type": "I", "minutes": 10, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=REAPER).delete()


class Migration(migrations.Migration):
    dependencies = [("chatbot", "0001_initial"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]
    operations = [migrations.RunPython(create, remove)]

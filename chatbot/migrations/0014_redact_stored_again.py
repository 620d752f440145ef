"""Redaction now catches what it let through before (addresses without 丁目/番地, phone numbers written with の, in
kanji or full-width digits, names in English questions). Questions, feedback comments and golden-set cases stored
before are redacted again with today's rules, once, so that department editors no longer see them in the turn log,
the dashboard or the monthly report. Redaction is idempotent: text already redacted stays as it is."""

from django.db import migrations

BATCH = 500


def _redact_field(model, field: str) -> None:
    from chatbot.privacy import redact

    changed = []
    for row in model.objects.only("pk", field).iterator(chunk_size=BATCH):
        text = getattr(row, field) or ""
        redacted = redact(text).text if text else text
        if redacted != text:
            setattr(row, field, redacted)
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, [field])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [field])


def forwards(apps, schema_editor):
    _redact_field(apps.get_model("chatbot", "Turn"), "question")
    _redact_field(apps.get_model("chatbot", "Feedback"), "comment")
    _redact_field(apps.get_model("chatbot", "GoldenCase"), "query")


class Migration(migrations.Migration):
    dependencies = [("chatbot", "0013_english")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]

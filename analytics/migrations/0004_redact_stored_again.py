"""The unanswered questions kept in past months' groups (and in the actions staff took on them) are redacted again
with today's rules, once (see chatbot's migration 0014): what was stored before, such as an address without 丁目/番地,
no longer shows on the dashboard or in a monthly report."""

from django.db import migrations


def _redact_wordings(wordings):
    from chatbot.privacy import redact

    result = []
    for item in wordings or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            item = {**item, "text": redact(item["text"]).text}
        elif isinstance(item, str):
            item = redact(item).text
        result.append(item)
    return result


def forwards(apps, schema_editor):
    from chatbot.privacy import redact

    for name in ("GapCluster", "GapAction"):
        model = apps.get_model("analytics", name)
        for row in model.objects.iterator(chunk_size=500):
            representative = redact(row.representative).text
            wordings = _redact_wordings(row.wordings)
            if representative != row.representative or wordings != row.wordings:
                row.representative, row.wordings = representative, wordings
                row.save(update_fields=["representative", "wordings"])


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_month_so_far_schedule"), ("chatbot", "0014_redact_stored_again")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]

"""Move the monthly review reminders to 09:00 Asia/Tokyo on the 1st.

django-q2 adds calendar months to the next run in UTC; 08:00 JST is the
previous day in UTC, which made the reminders drift off the 1st after a short
month. 09:00 JST is 00:00 UTC, the same day in both.
"""

import datetime
import zoneinfo

from django.db import migrations

REMINDERS = "changeflow: monthly review reminders"


def move(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    now = datetime.datetime.now(tokyo)
    first_of_next_month = (now.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=1, hour=9, minute=0, second=0, microsecond=0
    )
    Schedule.objects.filter(name=REMINDERS).update(next_run=first_of_next_month)


class Migration(migrations.Migration):
    dependencies = [("changeflow", "0002_schedules")]
    operations = [migrations.RunPython(move, migrations.RunPython.noop)]

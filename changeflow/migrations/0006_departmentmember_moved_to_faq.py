# Department membership now belongs to faq (faq 0005): only the migration state is removed here; the table and
# its rows stay, owned by faq.DepartmentMember.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("changeflow", "0005_single_line_fields"),
        ("faq", "0005_departmentmember"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DepartmentMember")],
            database_operations=[],
        ),
    ]

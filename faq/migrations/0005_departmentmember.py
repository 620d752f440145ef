# Department membership moves from changeflow to faq with its table, rows and permissions: the table keeps its
# name (changeflow_departmentmember), only the migration state moves (changeflow 0006 removes it there), and the
# content type is relabelled so that groups keep their permissions and the admin log its entries.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def relabel(apps, schema_editor, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    if rows.filter(app_label=new, model="departmentmember").exists():
        return
    rows.filter(app_label=old, model="departmentmember").update(app_label=new)


def to_faq(apps, schema_editor) -> None:
    relabel(apps, schema_editor, old="changeflow", new="faq")


def to_changeflow(apps, schema_editor) -> None:
    relabel(apps, schema_editor, old="faq", new="changeflow")


class Migration(migrations.Migration):
    dependencies = [
        ("faq", "0004_single_line_fields"),
        ("changeflow", "0005_single_line_fields"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DepartmentMember",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "department",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="members",
                                to="faq.department",
                                verbose_name="department",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="department_roles",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "department member",
                        "verbose_name_plural": "department members",
                        "db_table": "changeflow_departmentmember",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "department"), name="changeflow_member_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_faq, to_changeflow),
    ]

from django.db import migrations, models

import faq.models


class Migration(migrations.Migration):
    dependencies = [("faq", "0002_search_index")]

    operations = [
        # Existing generations keep an empty token, so their collections keep their names; new ones get one.
        migrations.AddField(
            model_name="indexgeneration",
            name="collection_token",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="collection token"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="indexgeneration",
            name="collection_token",
            field=models.CharField(
                blank=True, default=faq.models.collection_token, max_length=16, verbose_name="collection token"
            ),
        ),
    ]

"""The converted column takes the old one's place (after 0016_reasons_as_codes, which converts the
rows in a transaction of its own: PostgreSQL alters no table with updates pending in the
same one)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0016_reasons_as_codes"),
    ]

    operations = [
        migrations.RemoveField(model_name="complaint", name="routing_reason"),
        migrations.RenameField(model_name="complaint", old_name="routing_reason_coded", new_name="routing_reason"),
        migrations.AlterField(
            model_name="complaint",
            name="routing_reason",
            field=models.JSONField(blank=True, null=True, verbose_name="routing reason"),
        ),
    ]

"""The converted column takes the old one's place (after 0006_reasons_as_codes, which converts the
rows in a transaction of its own: PostgreSQL alters no table with updates pending in the
same one)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0006_reasons_as_codes"),
    ]

    operations = [
        # Blank first, so that undoing the removal can add the text column back with "".
        migrations.AlterField(
            model_name="consistencyflag",
            name="reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="reason"),
        ),
        migrations.RemoveField(model_name="consistencyflag", name="reason"),
        migrations.RenameField(model_name="consistencyflag", old_name="reason_coded", new_name="reason"),
        migrations.AlterField(
            model_name="consistencyflag",
            name="reason",
            field=models.JSONField(verbose_name="reason"),
        ),
    ]

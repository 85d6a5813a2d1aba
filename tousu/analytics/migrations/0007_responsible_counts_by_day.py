# The counts by responsible department are kept by day of closing, not by month, so that the
# dashboard's table counts the same days as its cards. The rows kept so far have no day: they
# get the first of their month until the fill job, seeing the new rules.LAYOUT, rebuilds them.

import datetime

from django.db import migrations, models


def day_from_month(apps, schema_editor):
    for name in ("ResponsibleCount", "ResponsibleFact", "RebuildResponsibleFact"):
        apps.get_model("analytics", name).objects.update(day=models.F("month"))


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0006_count_product"),
    ]

    operations = [
        migrations.AddField(
            model_name="rebuildresponsiblefact",
            name="day",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="responsiblecount",
            name="day",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="responsiblefact",
            name="day",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.RunPython(day_from_month, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="responsiblecount",
            index=models.Index(fields=["day"], name="analytics_r_day_f350f6_idx"),
        ),
    ]

from django.db import migrations, models
from django.db.models import Count


def refuse_duplicates(apps, schema_editor):
    """Name the complaints registered twice under one reference, rather than failing on the
    unique index with the database's message: an operator decides which one stands."""
    Complaint = apps.get_model("complaints", "Complaint")
    pairs = (
        Complaint.objects.exclude(external_ref="")
        .values("channel", "external_ref")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("channel", "external_ref")
    )
    found = [
        f"{p['channel']} {p['external_ref']}: "
        + ", ".join(
            Complaint.objects.filter(channel=p["channel"], external_ref=p["external_ref"])
            .order_by("number")
            .values_list("number", flat=True)
        )
        for p in pairs[:20]
    ]
    if found:
        raise RuntimeError(
            "Complaints share a channel and external reference; clear the reference of all "
            "but one of each before upgrading:\n" + "\n".join(found)
        )


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0010_keyed_chains_and_seals"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_ref", ""), _negated=True),
                fields=("channel", "external_ref"),
                name="complaint_channel_external_ref_unique",
            ),
        ),
    ]

import django.db.models.deletion
from django.db import migrations, models

# The events that close a complaint or bring it back: the last of them says whether a closed
# complaint stands closed as a duplicate now.
CLOSING = ("closed_duplicate", "closed", "reopened")
BATCH = 1000


def link_duplicates(apps, schema_editor):
    """Point every complaint closed as a duplicate at its original, from the number its
    CLOSED_DUPLICATE event names, when that event is still the last to close or reopen it and
    the original exists. The originals' timelines are left as they are: a chained event cannot
    be added to history after the fact; the original's page lists its duplicates by the link."""
    Complaint = apps.get_model("complaints", "Complaint")
    Event = apps.get_model("complaints", "ComplaintEvent")
    closed = Complaint.objects.filter(status="closed").values_list("pk", flat=True)
    ids = list(
        Event.objects.filter(type="closed_duplicate", complaint__in=closed)
        .values_list("complaint_id", flat=True)
        .distinct()
    )
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        last: dict[int, tuple[str, dict]] = {}
        events = Event.objects.filter(complaint__in=batch, type__in=CLOSING).order_by("seq")
        for complaint_id, type, data in events.values_list("complaint_id", "type", "data"):
            last[complaint_id] = (type, data or {})
        wanted = {
            pk: data.get("duplicate_of")
            for pk, (type, data) in last.items()
            if type == "closed_duplicate" and data.get("duplicate_of")
        }
        originals = dict(
            Complaint.objects.filter(number__in=set(wanted.values())).values_list("number", "pk")
        )
        for pk, number in wanted.items():
            if number in originals and originals[number] != pk:
                Complaint.objects.filter(pk=pk).update(duplicate_of=originals[number])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0022_incident_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="duplicates",
                to="complaints.complaint",
            ),
        ),
        migrations.RunPython(link_duplicates, migrations.RunPython.noop),
    ]

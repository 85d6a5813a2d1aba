"""Notes are searched too since issue 13: each new note adds its terms to its complaint's row of
the search index (complaints.search.search_note_add). Notes written before that are indexed
here, so that no `tousu search_reindex` is needed after the upgrade: the rows of complaints
with notes are written again from their content, demand and notes (the same row a reindex
writes, hence safe to run again)."""

from django.db import migrations

BATCH = 500


def _index_notes(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tousu.complaints.search import search_row

    complaint_model = apps.get_model("complaints", "Complaint")
    event_model = apps.get_model("complaints", "ComplaintEvent")
    search_model = apps.get_model("complaints", "ComplaintSearch")
    noted = (
        event_model.objects.filter(type="note")
        .values_list("complaint_id", flat=True)
        .distinct()
        .order_by("complaint_id")
    )
    ids = list(noted)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        notes: dict[int, list[str]] = {pk: [] for pk in chunk}
        events = event_model.objects.filter(complaint_id__in=chunk, type="note")
        for pk, data in events.order_by("complaint_id", "seq").values_list("complaint_id", "data"):
            notes[pk].append(str((data or {}).get("text", "")))
        rows = complaint_model.objects.filter(pk__in=chunk).only("pk", "content", "demand")
        # Delete and insert, as `search_reindex` does: the full-text triggers follow both.
        search_model.objects.filter(complaint_id__in=chunk).delete()
        search_model.objects.bulk_create(
            search_model(
                complaint_id=c.pk, **search_row(f"{c.content}\n{c.demand}", notes=notes[c.pk])
            )
            for c in rows
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0014_event_type_linked")]

    operations = [migrations.RunPython(_index_notes, migrations.RunPython.noop)]

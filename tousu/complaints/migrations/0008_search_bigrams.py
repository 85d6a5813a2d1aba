"""Rewrite the search index rows: the terms now include Chinese character bigrams
(complaints.search.bigrams), which rows written before this migration lack."""

from django.db import migrations


def _reindex(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tousu.complaints.search import text_terms

    complaint_model = apps.get_model("complaints", "Complaint")
    search_model = apps.get_model("complaints", "ComplaintSearch")
    batch = []
    for c in complaint_model.objects.only("pk", "content", "demand").iterator(chunk_size=500):
        batch.append(
            search_model(complaint_id=c.pk, terms=" ".join(text_terms(f"{c.content}\n{c.demand}")))
        )
        if len(batch) >= 500:
            search_model.objects.bulk_update(batch, ["terms"])
            batch = []
    if batch:
        search_model.objects.bulk_update(batch, ["terms"])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_list_export")]

    operations = [migrations.RunPython(_reindex, migrations.RunPython.noop)]

"""The search index rows keep the complaint's words apart from its terms (complaints.search),
so that root causes and similar complaints read them instead of cutting the texts again. Rows
written before this migration get theirs here."""

from django.db import migrations, models


def _fill_words(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tousu.complaints.search import text_words

    search_model = apps.get_model("complaints", "ComplaintSearch")
    rows = search_model.objects.select_related("complaint").only(
        "pk", "complaint__content", "complaint__demand"
    )
    batch = []
    for row in rows.iterator(chunk_size=500):
        text = f"{row.complaint.content}\n{row.complaint.demand}"
        batch.append(search_model(complaint_id=row.pk, words=" ".join(text_words(text))))
        if len(batch) >= 500:
            search_model.objects.bulk_update(batch, ["words"])
            batch = []
    if batch:
        search_model.objects.bulk_update(batch, ["words"])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_search_bigrams")]

    operations = [
        migrations.AddField(
            model_name="complaintsearch",
            name="words",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.RunPython(_fill_words, migrations.RunPython.noop),
    ]

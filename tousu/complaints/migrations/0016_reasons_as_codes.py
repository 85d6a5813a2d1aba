"""Generated reasons stored as a code and its parameters (issue 13): the routing reason
becomes JSON, and the Chinese texts of routing and risk reasons already stored are converted
through tousu.core.reasons (the declared kinds' `legacy` patterns; text that matches none, free
text, stays text). Timeline events are never rewritten: they render through `legacy`."""

from django.db import migrations, models
from django.utils import translation

from tousu.core.reasons import reason_convert, reason_text

BATCH = 2000


def _convert(model, source, target, convert, **only):  # type: ignore[no-untyped-def]
    """Set `target` to `convert(source)` on the rows matching `only`, in batches."""
    rows, changed = model.objects.filter(**only).only("pk", source), []
    for row in rows.iterator(chunk_size=BATCH):
        setattr(row, target, convert(getattr(row, source)))
        changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, [target])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [target])


def _to_reason(value):  # type: ignore[no-untyped-def]
    """A text from before codes as its reason (free text stays text); a list item by item."""
    if isinstance(value, list):
        return [reason_convert(v) for v in value]
    return reason_convert(value)


def _to_text(value):  # type: ignore[no-untyped-def]
    """Back: a reason as the Chinese text the writers stored before codes."""
    with translation.override("zh-hans"):
        if isinstance(value, list):
            return [reason_text(v) for v in value]
        return reason_text(value)


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    complaint = apps.get_model("complaints", "Complaint")
    kept = {"routing_reason__gt": ""}
    _convert(complaint, "routing_reason", "routing_reason_coded", _to_reason, **kept)
    _convert(complaint, "risk_reasons", "risk_reasons", _to_reason, risk_score__isnull=False)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    complaint = apps.get_model("complaints", "Complaint")
    kept = {"routing_reason_coded__isnull": False}

    def text(value):  # type: ignore[no-untyped-def]
        return _to_text(value)[:200]

    _convert(complaint, "routing_reason_coded", "routing_reason", text, **kept)
    _convert(complaint, "risk_reasons", "risk_reasons", _to_text, risk_score__isnull=False)


class Migration(migrations.Migration):
    # The conversion runs in a transaction of its own, the column changes outside it: on
    # PostgreSQL a table with updates pending in a transaction cannot be altered in it.
    atomic = False

    dependencies = [
        ("complaints", "0015_index_existing_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="routing_reason_coded",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(forward, backward, atomic=True),
    ]

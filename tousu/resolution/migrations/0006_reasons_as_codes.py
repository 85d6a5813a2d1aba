"""Generated reasons stored as a code and its parameters (issue 13): a consistency flag's
reason becomes JSON, and the Chinese texts of flags and of approvals' authority reasons
already stored are converted through tousu.core.reasons (free text stays text)."""

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
    flag = apps.get_model("resolution", "ConsistencyFlag")
    approval = apps.get_model("resolution", "Approval")
    _convert(flag, "reason", "reason_coded", _to_reason)
    _convert(approval, "reasons", "reasons", _to_reason)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    flag = apps.get_model("resolution", "ConsistencyFlag")
    approval = apps.get_model("resolution", "Approval")

    def text(value):  # type: ignore[no-untyped-def]
        return _to_text(value)[:300]

    _convert(flag, "reason_coded", "reason", text)
    _convert(approval, "reasons", "reasons", _to_text)


class Migration(migrations.Migration):
    # The conversion runs in a transaction of its own, the column changes outside it: on
    # PostgreSQL a table with updates pending in a transaction cannot be altered in it.
    atomic = False

    dependencies = [
        ("resolution", "0005_authority_first_contact_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="consistencyflag",
            name="reason_coded",
            field=models.JSONField(null=True),
        ),
        migrations.RunPython(forward, backward, atomic=True),
    ]

"""Inspections made before `rules.inspected_handler` named the complaint's assigned handler,
who may never have acted on it (the registering agent settled it at first contact): their
scores, fatal ones too, sat in that person's scores and ranking. Each is re-pointed at the
person who resolved the complaint, with their department.

Appealed inspections are left as they are: the appeal was lodged, and perhaps decided, under
that name, and its record must keep saying who appealed what. The rule is copied here (a
migration keeps the rule of its day)."""

from django.db import migrations

HANDLING_EVENTS = ("accepted", "handling_step", "evidence_added", "resolved")
CHUNK = 500


def _inspected(events, assigned):
    resolver = worker = None
    for kind, actor in events:
        if actor is None:
            continue
        worker = actor
        if kind == "resolved":
            resolver = actor
    return resolver or worker or assigned


def repoint(apps, schema_editor):
    Inspection = apps.get_model("quality", "Inspection")
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    User = apps.get_model("accounts", "User")
    rows = list(
        Inspection.objects.filter(appeal__isnull=True)
        .order_by("pk")
        .values_list("pk", "complaint_id", "complaint__handler_id", "handler_id", "department_id")
    )
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        events = {}
        for complaint_id, kind, actor_id in (
            ComplaintEvent.objects.filter(
                complaint__in={r[1] for r in chunk}, type__in=HANDLING_EVENTS
            )
            .order_by("complaint_id", "seq")
            .values_list("complaint_id", "type", "actor_id")
        ):
            events.setdefault(complaint_id, []).append((kind, actor_id))
        who = {pk: _inspected(events.get(c, ()), assigned) for pk, c, assigned, _h, _d in chunk}
        departments = dict(
            User.objects.filter(pk__in={h for h in who.values() if h}).values_list(
                "pk", "department_id"
            )
        )
        for pk, _c, _assigned, handler_id, department_id in chunk:
            new = who[pk]
            if new is None or new == handler_id:
                continue
            Inspection.objects.filter(pk=pk).update(
                handler_id=new, department_id=departments.get(new) or department_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0003_objectives"),
        ("complaints", "0030_received_scope_index"),
    ]

    operations = [migrations.RunPython(repoint, migrations.RunPython.noop)]

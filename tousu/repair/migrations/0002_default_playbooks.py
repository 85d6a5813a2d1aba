"""The default playbooks (repair/reference.py), where the departments they name exist: on a new
database the departments come later with `tousu init`, which loads the playbooks then."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from tousu.repair.reference import PLAYBOOKS

    department = apps.get_model("accounts", "Department")
    playbook = apps.get_model("repair", "Playbook")
    step = apps.get_model("repair", "PlaybookStep")
    codes = {d.code: d for d in department.objects.all()}
    for row in PLAYBOOKS:
        if row.department not in codes or playbook.objects.filter(type=row.type).exists():
            continue
        book = playbook.objects.create(
            type=row.type, department=codes[row.department], due_days=row.due_days
        )
        for sort, s in enumerate(row.steps):
            step.objects.create(
                playbook=book,
                code=s.code,
                title=s.title,
                title_en=s.title_en,
                department=codes.get(s.department) if s.department else None,
                due_days=s.due_days,
                sort=sort,
            )


class Migration(migrations.Migration):
    dependencies = [("repair", "0001_repair_programme"), ("accounts", "0005_region_customer_count_label")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The default playbooks no longer sell (repair/reference.py): a customer who disputes a charge
was offered a "suitable package" (tariff) or a data pack (data usage). Where a playbook still has
the step as it was loaded, the tariff step is retired (inactive: the cases that have it keep it)
and the data-usage one reworded, and the new steps are put in their place in the plan; a
playbook whose step its owner edited is left alone."""

from typing import Any

from django.db import migrations

# Each playbook type: the step as loaded (code, title), what becomes of it (None: retired, else
# its new title and English), and the steps that come before it in the plan from now on
# (code, title, English, due days).
CHANGES: tuple[Any, ...] = (
    (
        "tariff",
        ("tariff_fit", "资费适配评估，推荐合适套餐"),
        None,
        (
            ("bill_check", "核查账单与计费，逐项解释费用", "Check the bill; explain each charge", 2),
            (
                "refund",
                "错收多收的费用退还，或给予补偿",
                "Refund what was charged wrongly, or a goodwill credit",
                4,
            ),
        ),
    ),
    (
        "data_usage",
        ("usage_alert", "开通流量提醒，推荐合适流量包"),
        ("开通流量提醒，避免再次超额", "Set data alerts so it does not recur"),
        (("usage_check", "核查流量计费，错收的退还", "Check the data charges; refund what was wrong", 3),),
    ),
)


def update(apps: Any, schema_editor: Any) -> None:
    step = apps.get_model("repair", "PlaybookStep")
    for kind, (code, title), reworded, before in CHANGES:
        old = step.objects.filter(playbook__type=kind, code=code, title=title, active=True).first()
        if old is None:
            continue
        book, at = old.playbook_id, old.sort
        # Room in the plan for the new steps, where the old one was.
        for later in step.objects.filter(playbook=book, sort__gte=at).exclude(pk=old.pk):
            later.sort += len(before)
            later.save(update_fields=["sort"])
        for offset, (new_code, new_title, english, days) in enumerate(before):
            step.objects.update_or_create(
                playbook_id=book,
                code=new_code,
                defaults={
                    "title": new_title,
                    "title_en": english,
                    "due_days": days,
                    "sort": at + offset,
                    "active": True,
                },
            )
        if reworded is None:
            old.active = False
        else:
            old.title, old.title_en = reworded
        old.sort = at + len(before)
        old.save(update_fields=["active", "title", "title_en", "sort"])


class Migration(migrations.Migration):
    dependencies = [("repair", "0002_default_playbooks")]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]

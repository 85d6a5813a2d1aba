"""Government complaint and report hotlines added after the errors of the second and third fresh
samples were read (issue 18 item 4, lane risk3, bench/risk.py): 12319 (urban construction), 12365
(quality supervision), 12331 (food and drugs), 12336 (land resources), 12366 (tax), 12388
(discipline inspection) and 12318 (cultural market), beside the 12328 … 12320 of intake 0006.

A copy, not an import, of the terms as of this migration (a migration must not change when the
code does): (term, weight, reason, kind). Only rows that do not exist are added, so a term an
admin already created, reweighted or switched off stays as the admin left it; going back removes
only the rows still exactly as this migration wrote them.
"""

from django.db import migrations

TERMS = (
    ("12319", 0.3, "提到政府服务热线", "hotline"),
    ("12365", 0.3, "提到政府服务热线", "hotline"),
    ("12331", 0.3, "提到政府服务热线", "hotline"),
    ("12336", 0.3, "提到政府服务热线", "hotline"),
    ("12366", 0.3, "提到政府服务热线", "hotline"),
    ("12388", 0.3, "提到政府服务热线", "hotline"),
    ("12318", 0.3, "提到政府服务热线", "hotline"),
)


def seed(apps, schema_editor):
    RiskTerm = apps.get_model("intake", "RiskTerm")
    for term, weight, reason, kind in TERMS:
        RiskTerm.objects.get_or_create(
            term=term, defaults={"weight": weight, "reason": reason, "kind": kind}
        )


def unseed(apps, schema_editor):
    RiskTerm = apps.get_model("intake", "RiskTerm")
    for term, weight, reason, kind in TERMS:
        RiskTerm.objects.filter(
            term=term, weight=weight, reason=reason, kind=kind, active=True
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_risk_terms_escalation_phrases"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]

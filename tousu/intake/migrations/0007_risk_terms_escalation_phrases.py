"""Risk terms added after the labelled sample's errors were read (issue 18 item 4, bench/risk.py):
the central discipline commission (中央纪委, 中纪委), petitions that skip a level (越级上访, 逐级上访), a complaint taken over the addressee's head
(越级投诉, 越级反映 — the reason that also switches on the phrase rule "我将向省纪委举报" in
intake.risk.PHRASE_RULES) and group signatures (联合签名, 集体签名).

A copy, not an import, of the terms as of this migration (a migration must not change when the
code does): (term, weight, reason, kind). Only rows that do not exist are added, so a term an
admin already created, reweighted or switched off stays as the admin left it; going back removes
only the rows still exactly as this migration wrote them.
"""

from django.db import migrations

TERMS = (
    ("中央纪委", 0.4, "提到上级督察", "regulator"),
    ("中纪委", 0.4, "提到上级督察", "regulator"),
    ("越级上访", 0.5, "提到信访/上访", "petition"),
    ("逐级上访", 0.5, "提到信访/上访", "petition"),
    ("越级投诉", 0.4, "表示要向上级反映", "regulator"),
    ("越级反映", 0.4, "表示要向上级反映", "regulator"),
    ("联合签名", 0.4, "提到集体行动", "collective"),
    ("集体签名", 0.4, "提到集体行动", "collective"),
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
        ("intake", "0006_page_code"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]

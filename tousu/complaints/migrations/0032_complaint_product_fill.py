"""Complaints registered before the product was recorded (R10.1) take their customer's plan as it
is now: the best that is known of what they were about, since the plan at the time was not kept.
Only blank products are filled, so running it again changes nothing. In ranges of ids, so that a
large table is not locked by one long UPDATE."""

from django.db import migrations
from django.db.models import Max, Min, OuterRef, Subquery

BATCH = 20_000


def _fill_products(apps, schema_editor):  # type: ignore[no-untyped-def]
    complaint_model = apps.get_model("complaints", "Complaint")
    customer_model = apps.get_model("customers", "Customer")
    bounds = complaint_model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    plan = customer_model.objects.filter(pk=OuterRef("customer_id")).values("plan")[:1]
    for start in range(bounds["low"], bounds["high"] + 1, BATCH):
        complaint_model.objects.filter(
            pk__gte=start, pk__lt=start + BATCH, product="", customer__plan__gt=""
        ).update(product=Subquery(plan))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0031_complaint_product"),
        ("customers", "0004_contact_channels"),
    ]

    operations = [migrations.RunPython(_fill_products, migrations.RunPython.noop)]

"""Two tables of the bench's own: a ticket and its first event, what the least a registration
writes. Created by bench/intake.py with the schema editor (no migrations: not the product's)."""

from django.db import models


class BareTicket(models.Model):
    phone = models.CharField(max_length=32)
    content = models.TextField()
    channel = models.CharField(max_length=32)
    received_at = models.DateTimeField()

    class Meta:
        app_label = "intake_server"
        db_table = "bench_bare_ticket"

    def __str__(self) -> str:
        return f"ticket {self.pk}"


class BareEvent(models.Model):
    ticket = models.ForeignKey(BareTicket, on_delete=models.CASCADE)
    type = models.CharField(max_length=32)
    at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        app_label = "intake_server"
        db_table = "bench_bare_event"

    def __str__(self) -> str:
        return f"{self.type} of ticket {self.ticket_id}"

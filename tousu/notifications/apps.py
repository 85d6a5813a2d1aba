from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tousu.complaints.retention import Redaction
    from tousu.customers.models import Customer


class NotificationsConfig(AppConfig):
    name = "tousu.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        # Notices and the e-mails and webhooks (the outbox) that quote a customer are
        # anonymised with them at the end of the retention period (R12.2).
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.notifications.models import Notification

        redactor_register(
            "notifications.notification",
            model_texts_redactor(Notification, ["text", "message"]),
        )
        redactor_register("notifications.delivery", deliveries_redact)


def deliveries_redact(redaction: Redaction, customer: Customer, pks: Sequence[int]) -> int:
    """The outbox's e-mails and webhooks about these complaints (named by number)."""
    from tousu.complaints.models import Complaint
    from tousu.complaints.retention import rows_redact
    from tousu.notifications.models import Delivery

    numbers = list(Complaint.objects.filter(pk__in=list(pks)).values_list("number", flat=True))
    rows = Delivery.objects.filter(payload__complaint__in=numbers)
    return rows_redact(rows, ["subject", "payload"], redaction)

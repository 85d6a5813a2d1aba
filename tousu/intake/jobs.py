"""The intake's background jobs, registered in `tousu.config.jobs`."""

from __future__ import annotations

from tousu.intake.imports import import_runs_process
from tousu.intake.services import risks_rescore


def risk_rescore() -> dict[str, int]:
    """Weigh again the risk of the open complaints that changed or went past their limit."""
    return risks_rescore()


def import_run() -> dict[str, int]:
    """Register the rows of the files uploaded for import; resume runs abandoned mid-way."""
    return import_runs_process()


def mail_fetch() -> dict[str, int]:
    """Read the complaints mailbox (IMAP); nothing to do when no mailbox is configured."""
    from django.conf import settings

    from tousu.intake.mailbox import mailbox_read

    if not settings.TOUSU_MAIL_IMAP_HOST:
        return {"configured": 0}
    return mailbox_read()


def sms_read() -> dict[str, int]:
    """Take what the SMS centre holds (delivery receipts and the customers' SMS, one receiver
    bind) and act on the SMS complete or waited for: registered, threaded or recorded."""
    from tousu.intake.inbound_sms import sms_intake
    from tousu.messages.jobs import sms_deliveries

    counts = sms_deliveries()
    return {**counts, **sms_intake()}


def retention() -> dict[str, int]:
    """Delete the records of messages that became part of no complaint once the retention
    period has passed (intake.retention); idempotent."""
    from tousu.intake.retention import inbound_records_expire

    return inbound_records_expire()

"""The kernel's jobs, registered in `tousu.config.jobs`: sealing the timeline heads, and the
records (R12.2): the archive and the retention period."""

from __future__ import annotations

from tousu.complaints.retention import customers_anonymise_due
from tousu.complaints.services import chain_seal, complaints_archive


def seal() -> dict[str, int]:
    """Seal the timeline heads that moved since the last seal (complaints.services.chain_seal);
    idempotent: a second run with nothing moved writes nothing."""
    made = chain_seal()
    return {"seal": made.seq if made else 0, "chains": made.chains if made else 0}


def archive() -> dict[str, int]:
    """Archive the complaints closed for TOUSU_ARCHIVE_DAYS (complaints.services
    .complaints_archive); idempotent: an archived complaint is not claimed again."""
    return {"archived": complaints_archive()}


def retention() -> dict[str, int]:
    """Anonymise the customers past TOUSU_RETENTION_DAYS (complaints.retention); idempotent:
    an anonymised customer is not due again. `skipped`: customers refused (a timeline that
    does not verify — the integrity check reports it)."""
    run = customers_anonymise_due()
    return {"anonymised": run.anonymised, "texts": run.texts, "skipped": len(run.skipped)}

"""The kernel's job, registered in `tousu.config.jobs`: sealing the timeline heads."""

from __future__ import annotations

from tousu.complaints.services import chain_seal


def seal() -> dict[str, int]:
    """Seal the timeline heads that moved since the last seal (complaints.services.chain_seal);
    idempotent: a second run with nothing moved writes nothing."""
    made = chain_seal()
    return {"seal": made.seq if made else 0, "chains": made.chains if made else 0}

"""What early warning does when intake tells it something (after commit)."""

from __future__ import annotations

from typing import Any

from tousu.complaints.models import Complaint
from tousu.early_warning import services


def on_complaint_registered(sender: Any, complaint: Complaint, **kwargs: Any) -> None:
    """A new complaint that looks like an open incident's is proposed to it as a child."""
    services.incident_propose(complaint=complaint)

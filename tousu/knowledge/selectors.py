"""Reads of the knowledge domain."""

from __future__ import annotations

from typing import Any

from tousu.accounts.models import User
from tousu.complaints.models import Complaint


def suggestion_panel(complaint: Complaint, user: User) -> Any:
    """What the complaint page shows the handler: the clause, remedy, missing evidence,
    approved wording and cases (issue 5). Not built yet."""
    return None

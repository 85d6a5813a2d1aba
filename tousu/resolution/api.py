"""The resolution endpoints: reports on consistency of outcomes (R6.3)."""

from __future__ import annotations

from ninja import Router

reports_router = Router(tags=["reports"])

"""The knowledge endpoints: a complaint's handling suggestion, cases, approved wording."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["knowledge"])

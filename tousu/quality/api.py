"""`/api/v1/inspections…`, `/api/v1/capa…`, `/api/v1/documents…` (API.md). Thin: parse, call,
render."""

from __future__ import annotations

from ninja import Router

inspections_router = Router(tags=["quality"])
capa_router = Router(tags=["quality"])
documents_router = Router(tags=["quality"])

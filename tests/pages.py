"""Helpers for tests of server-rendered pages."""

from __future__ import annotations

from typing import Any

from django.test import Client


def as_user(user: Any) -> Client:
    """A test client logged in as `user` (no password round trip: login has its own tests)."""
    client = Client()
    client.force_login(user)
    return client


def page(response: Any) -> str:
    """The page's HTML as text, for asserting what the user reads."""
    return str(response.content.decode())

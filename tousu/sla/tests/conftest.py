from __future__ import annotations

from collections.abc import Iterator

import pytest

from tousu.sla.selectors import policy_cache_clear


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> Iterator[None]:
    """The per-process policy table must not carry one test's rows into the next."""
    policy_cache_clear()
    yield
    policy_cache_clear()

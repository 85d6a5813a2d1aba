from __future__ import annotations

from collections.abc import Iterator

import pytest

from tousu.notifications.tests.receiver import Receiver, webhook_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running

"""The demo's manual and corrective actions are coherent with its data: the closed one's
check read a real fall in the count tables; the others are open with their actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tousu.analytics.selectors import KpiFilters, daily_volume
from tousu.core import clock
from tousu.notifications.models import Notification
from tousu.quality.choices import CapaStatus, VersionStatus
from tousu.quality.models import ControlledDocument, CorrectiveAction, DocumentAcknowledgement
from tousu.setup.demo import demo_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_manual_and_corrective_actions(reference: None) -> None:
    demo_load(complaints=100, seed=2026)

    closed = CorrectiveAction.objects.get(status=CapaStatus.CLOSED_EFFECTIVE)
    r: dict[str, Any] = closed.result or {}
    category = closed.category
    assert category is not None
    # The figures are the count tables' own.
    slice_ = KpiFilters(category=category.code)
    day = dt.date.fromisoformat
    before = daily_volume(day(r["before_first"]), day(r["before_last"]), slice_)
    after = daily_volume(day(r["after_first"]), day(r["after_last"]), slice_)
    assert (r["before"], r["after"]) == (sum(before.values()), sum(after.values()))
    assert r["after"] < r["before"] / 2
    assert r["p_value"] < 0.05
    linked = list(closed.complaints.all())
    assert linked
    assert all(c.category is not None and c.category.code == category.code for c in linked)
    assert all(c.received_at < closed.opened_at for c in linked)

    open_ = CorrectiveAction.objects.filter(status=CapaStatus.OPEN)
    assert {c.source for c in open_} == {"clause", "term"}
    clause = open_.get(source="clause")
    overdue = clause.actions.get(done_at__isnull=True)
    assert overdue.owner_told_at is not None
    assert overdue.escalated_at is not None
    assert Notification.objects.filter(message__code="notice.capa_action_escalated").exists()
    outage = open_.get(source="term")
    assert all("断网" in c.content for c in outage.complaints.all())

    callback_rule = ControlledDocument.objects.get(code="QR-01")
    statuses = dict(callback_rule.versions.values_list("number", "status"))
    assert statuses == {1: VersionStatus.SUPERSEDED, 2: VersionStatus.IN_FORCE}
    assert "48小时" in callback_rule.versions.get(number=2).text
    # Read while each version was in force: the first by more than the second, so far.
    acks = DocumentAcknowledgement.objects.filter(version__document=callback_rule)
    v1 = acks.filter(version__number=1)
    v2 = acks.filter(version__number=2)
    assert v1.count() > v2.count() > 0
    for ack in acks.select_related("version"):
        assert clock.local(ack.at).date() >= ack.version.effective_from

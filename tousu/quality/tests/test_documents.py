"""Controlled documents: versions (one in force), acknowledgement, the superseded refused,
who has not acknowledged; the register with clauses and wording; the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.core import clock
from tousu.core.errors import InvalidTransition, NotAllowed
from tousu.quality import selectors, services
from tousu.quality.choices import VersionStatus
from tousu.quality.models import ControlledDocument, DocumentAcknowledgement, DocumentVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(quality: Any) -> ControlledDocument:
    doc = ControlledDocument.objects.create(code="QP-01", title="投诉管理方针", kind="policy")
    today = clock.local_today()
    services.document_version_issue(
        document=doc, actor=quality, author=quality, text="以客户为中心，件件有着落。",
        change_note="首次发布", effective_from=today - dt.timedelta(days=90),
        review_by=today + dt.timedelta(days=275),
    )  # fmt: skip
    return doc


def issue_v2(doc: ControlledDocument, actor: Any, days: int = 0) -> DocumentVersion:
    today = clock.local_today()
    return services.document_version_issue(
        document=doc, actor=actor, author=actor, text="以客户为中心，件件有着落，事事有回音。",
        change_note="增加“事事有回音”", effective_from=today + dt.timedelta(days=days),
        review_by=today + dt.timedelta(days=20),
    )  # fmt: skip


def test_a_new_version_supersedes_the_one_in_force(
    policy: ControlledDocument, quality: Any
) -> None:
    v2 = issue_v2(policy, quality)
    statuses = dict(policy.versions.values_list("number", "status"))
    assert statuses == {1: VersionStatus.SUPERSEDED, 2: VersionStatus.IN_FORCE}
    assert v2.number == 2
    # Due for review within 30 days: flagged.
    assert [v.pk for v in selectors.documents_due_for_review()] == [v2.pk]


def test_a_future_version_comes_into_force_on_its_day(
    policy: ControlledDocument, quality: Any
) -> None:
    issue_v2(policy, quality, days=3)
    assert policy.versions.get(status=VersionStatus.IN_FORCE).number == 1
    later = dt.datetime.combine(clock.local_today() + dt.timedelta(days=3), dt.time(9))
    with clock.frozen(later.replace(tzinfo=clock.SHANGHAI)):
        from tousu.config import jobs

        assert jobs.run("quality.documents_activate") == {"activated": 1}
        assert jobs.run("quality.documents_activate") == {"activated": 0}
    assert policy.versions.get(status=VersionStatus.IN_FORCE).number == 2


def test_acknowledging_twice_is_once_and_a_superseded_version_is_refused(
    policy: ControlledDocument, quality: Any, handler: Any
) -> None:
    first = services.document_acknowledge(document=policy, user=handler, version=1)
    again = services.document_acknowledge(document=policy, user=handler)
    assert first.pk == again.pk
    issue_v2(policy, quality)
    with pytest.raises(InvalidTransition, match="2"):
        services.document_acknowledge(document=policy, user=handler, version=1)
    assert DocumentAcknowledgement.objects.count() == 1
    assert [d.code for d in selectors.unacknowledged_for(handler)] == ["QP-01"]


def test_who_has_not_acknowledged_by_department(
    policy: ControlledDocument, handler: Any, agent: Any, supervisor: Any, quality: Any
) -> None:
    policy.roles = ["handler", "supervisor", "agent"]
    policy.save()
    version = policy.versions.get()
    services.document_acknowledge(document=policy, user=handler)
    groups = selectors.not_acknowledged(policy, version)
    missing = {(g["department"].code, u.username) for g in groups for u in g["users"]}
    assert missing == {("billing", "supervisor"), ("customer_service", "agent")}
    # Quality is not among those it applies to.
    assert selectors.unacknowledged_for(quality) == []


def test_only_editors_issue_versions(policy: ControlledDocument, handler: Any) -> None:
    with pytest.raises(NotAllowed):
        issue_v2(policy, handler)
    assert policy.versions.count() == 1


def test_the_api_lists_the_register_and_acknowledges(
    policy: ControlledDocument, quality: Any, handler: Any, api_as: Callable[[Any], Any]
) -> None:
    client = api_as(handler)
    body = client.get("/api/v1/documents", kind="manual").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert (row["code"], row["version"], row["acknowledged"]) == ("QP-01", 1, False)
    done = client.post("/api/v1/documents/QP-01/acknowledge", {"version": 1})
    assert done.status_code == 200, done.content
    assert done.json()["acknowledged"] is True
    assert client.post("/api/v1/documents/QP-01/acknowledge", {}).status_code == 200
    issue_v2(policy, quality)
    refused = client.post("/api/v1/documents/QP-01/acknowledge", {"version": 1})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"
    assert DocumentAcknowledgement.objects.count() == 1
    assert client.post("/api/v1/documents/NOPE/acknowledge", {}).status_code == 404

"""The work queue (issue 12): each role finds its moves there, most urgent first, and what it
waits on others for apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.desk.work import WorkKind, work_queue

pytestmark = pytest.mark.django_db

Builder = Callable[..., Any]


def kinds(user: Any, *, waiting: bool = False) -> list[tuple[str, str]]:
    return [
        (
            item.kind,
            item.complaint.number if item.complaint else f"R{item.repair and item.repair.pk}",
        )
        for item in work_queue(user, page=1, size=50, waiting=waiting).items
    ]


def test_a_handler_moves_their_own_and_takes_unassigned_ones_of_their_department(
    complaint_in: Builder, handler: Any, handler2: Any, outsider: Any
) -> None:
    mine = complaint_in(Status.IN_PROGRESS, handler=handler)
    free = complaint_in(Status.DISPATCHED)
    theirs = complaint_in(Status.IN_PROGRESS, handler=handler2)
    resolved = complaint_in(Status.RESOLVED, handler=handler)
    waiting = complaint_in(Status.AWAITING_APPROVAL, handler=handler)
    network = complaint_in(Status.DISPATCHED, department="network")

    moves = dict((number, kind) for kind, number in kinds(handler))
    assert moves == {
        mine.number: WorkKind.HANDLE,
        free.number: WorkKind.ACCEPT,
        resolved.number: WorkKind.CLOSE,
    }
    assert theirs.number not in moves
    assert network.number not in moves
    # Blocked on someone else: apart, not first.
    assert kinds(handler, waiting=True) == [(WorkKind.AWAITING_APPROVAL, waiting.number)]
    assert (WorkKind.ACCEPT, network.number) in kinds(outsider)


def test_a_paused_complaint_waits_for_the_customer(complaint_in: Builder, handler: Any) -> None:
    paused = complaint_in(Status.IN_PROGRESS, handler=handler, paused_at=clock.now())
    assert kinds(handler) == []
    assert kinds(handler, waiting=True) == [(WorkKind.AWAITING_CUSTOMER, paused.number)]


def test_the_most_urgent_comes_first_whatever_its_kind(complaint_in: Builder, handler: Any) -> None:
    now = clock.now()
    later = complaint_in(
        Status.IN_PROGRESS, handler=handler, resolution_due=now + dt.timedelta(days=3)
    )
    sooner = complaint_in(
        Status.IN_PROGRESS, handler=handler, resolution_due=now + dt.timedelta(hours=2)
    )
    late = complaint_in(
        Status.IN_PROGRESS, handler=handler, resolution_due=now - dt.timedelta(hours=1)
    )
    closing = complaint_in(Status.RESOLVED, handler=handler)  # no time limit: last
    assert [n for _, n in kinds(handler)] == [
        late.number,
        sooner.number,
        later.number,
        closing.number,
    ]
    first = work_queue(handler).items[0]
    assert first.overdue
    assert first.due_kind == "resolution"


def test_supervisors_approve_what_their_authority_covers(
    complaint_in: Builder, handler: Any, supervisor: Any, dept_head: Any, make_user: Any
) -> None:
    small = complaint_in(Status.AWAITING_APPROVAL, handler=handler)  # 258 yuan
    large = complaint_in(
        Status.AWAITING_APPROVAL, handler=handler, remedies=[("refund", Decimal("3000"))]
    )
    other = make_user("supervisor_net", "supervisor", department="network")

    assert kinds(supervisor) == [(WorkKind.APPROVE, small.number)]
    item = work_queue(supervisor).items[0]
    assert item.approval is not None
    assert item.due_at == item.approval.due_at
    assert item.due_kind == "approval"
    assert {n for k, n in kinds(dept_head) if k == WorkKind.APPROVE} == {small.number, large.number}
    assert kinds(other) == []


def test_pending_callbacks_reach_the_callback_staff(
    complaint_in: Builder, agent: Any, quality: Any, supervisor: Any
) -> None:
    closed = complaint_in(Status.CLOSED, registered_by=agent)
    task = closed.callbacks.get()
    assert (WorkKind.CALLBACK, closed.number) in kinds(quality)
    assert (WorkKind.CALLBACK, closed.number) in kinds(agent)
    assert all(k != WorkKind.CALLBACK for k, _ in kinds(supervisor))  # not their daily work
    item = next(i for i in work_queue(quality).items if i.kind == WorkKind.CALLBACK)
    assert item.due_at == task.due_at
    task.status = "done"
    task.save()
    assert all(k != WorkKind.CALLBACK for k, _ in kinds(quality))


def test_managers_see_overdue_and_high_risk_complaints_of_their_department_once(
    complaint_in: Builder, handler: Any, supervisor: Any, agent: Any
) -> None:
    now = clock.now()
    late = complaint_in(
        Status.IN_PROGRESS, handler=handler, resolution_due=now - dt.timedelta(hours=5)
    )
    risky = complaint_in(Status.IN_PROGRESS, handler=handler, risk_score=0.95)
    both = complaint_in(
        Status.IN_PROGRESS,
        handler=handler,
        risk_score=0.95,
        resolution_due=now - dt.timedelta(hours=1),
    )
    unclassified = complaint_in(Status.DISPATCHED, category=None, department="billing")

    queue = kinds(supervisor)
    assert (WorkKind.OVERDUE, late.number) in queue
    assert (WorkKind.WATCH, risky.number) in queue
    assert (WorkKind.OVERDUE, both.number) in queue  # once, for its most pressing reason
    assert [n for _, n in queue].count(both.number) == 1
    # An unassigned complaint is the supervisor's to dispatch, not also to classify.
    assert [n for _, n in queue].count(unclassified.number) == 1
    assert (WorkKind.TRIAGE, unclassified.number) in kinds(agent)


def test_counts_cover_the_whole_queue(complaint_in: Builder, handler: Any) -> None:
    for _ in range(3):
        complaint_in(Status.IN_PROGRESS, handler=handler)
    complaint_in(Status.DISPATCHED)
    complaint_in(Status.AWAITING_APPROVAL, handler=handler)
    page = work_queue(handler, page=2, size=2)
    assert page.count == 4
    assert len(page.items) == 2
    assert page.counts == {
        WorkKind.HANDLE: 3,
        WorkKind.ACCEPT: 1,
        WorkKind.AWAITING_APPROVAL: 1,
    }


def test_an_analyst_has_no_moves_and_lands_on_the_dashboard(
    complaint_in: Builder, analyst: Any, client: Any
) -> None:
    complaint_in(Status.DISPATCHED, department="complaint_office")
    assert kinds(analyst) == []
    response = client.post("/login/", {"username": "analyst", "password": "Tousu-test-2026"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_the_queue_page_and_its_polled_list(
    complaint_in: Builder, handler: Any, client: Any
) -> None:
    mine = complaint_in(Status.IN_PROGRESS, handler=handler)
    waiting = complaint_in(Status.AWAITING_APPROVAL, handler=handler)
    client.force_login(handler)
    html = client.get("/").content.decode()
    assert mine.number in html
    assert waiting.number not in html
    assert 'hx-trigger="every 60s"' in html
    assert "处理" in html  # the kind, in Chinese
    fragment = client.get("/?waiting=1", HTTP_HX_REQUEST="true").content.decode()
    assert waiting.number in fragment
    assert mine.number not in fragment
    assert "<html" not in fragment


def test_the_api_gives_the_queue_with_masked_summaries(
    complaint_in: Builder, handler: Any, agent: Any, api_as: Any
) -> None:
    mine = complaint_in(
        Status.IN_PROGRESS, handler=handler, content="请回电13912345678，话费多扣了"
    )
    body = api_as(handler).get("/api/v1/me/work").json()
    assert body["count"] == 1
    assert body["counts"] == {"handle": 1}
    (item,) = body["items"]
    assert item["number"] == mine.number
    assert (item["kind"], item["action"], item["action_label"]) == ("complaint", "handle", "处理中")
    assert item["due_limit"] == "resolution"
    assert item["due"].endswith("+08:00")
    assert item["waiting_for_others"] is False
    assert item["links"] == {"self": f"/api/v1/complaints/{mine.number}"}
    assert "13912345678" in item["title"]  # a handler may see personal data
    triage = complaint_in(Status.DISPATCHED, category=None, content="请回电13912345678")
    (item,) = api_as(agent).get("/api/v1/me/work").json()["items"]
    assert item["number"] == triage.number
    assert item["kind"] == item["action"] == "triage"
    assert "13912345678" not in item["title"]
    assert "139****5678" in item["title"]


def test_the_api_flags_what_waits_on_others(
    complaint_in: Builder, handler: Any, supervisor: Any, api_as: Any
) -> None:
    """API.md's kinds and flag: the handler's complaint awaiting approval is, for the handler,
    an approval waiting on others (only with `?waiting=true`); for the supervisor, an approval
    to give."""
    waiting = complaint_in(Status.AWAITING_APPROVAL, handler=handler)
    assert api_as(handler).get("/api/v1/me/work").json()["items"] == []
    (item,) = api_as(handler).get("/api/v1/me/work", waiting="true").json()["items"]
    assert (item["number"], item["kind"], item["action"]) == (
        waiting.number,
        "approval",
        "awaiting_approval",
    )
    assert item["waiting_for_others"] is True
    (item,) = api_as(supervisor).get("/api/v1/me/work").json()["items"]
    assert (item["number"], item["kind"], item["action"]) == (waiting.number, "approval", "approve")
    assert item["waiting_for_others"] is False
    assert item["due_limit"] == "approval"


def test_the_api_refuses_pages_out_of_range(handler: Any, api_as: Any) -> None:
    for params in ({"page": 0}, {"page_size": 500}, {"page": 1000, "page_size": 50}):
        response = api_as(handler).get("/api/v1/me/work", **params)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"


def test_an_overdue_complaint_awaiting_my_approval_appears_once_as_the_approval(
    complaint_in: Builder, handler: Any, supervisor: Any
) -> None:
    late = complaint_in(
        Status.AWAITING_APPROVAL,
        handler=handler,
        resolution_due=clock.now() - dt.timedelta(hours=2),
        risk_score=0.95,
    )
    assert kinds(supervisor) == [(WorkKind.APPROVE, late.number)]


def test_every_role_lands_on_its_actionable_work(
    complaint_in: Builder,
    client: Any,
    agent: Any,
    handler: Any,
    supervisor: Any,
    dept_head: Any,
    quality: Any,
    analyst: Any,
    admin_user: Any,
) -> None:
    """One working day's mix: every role but the analyst finds something to do on landing."""
    complaint_in(Status.DISPATCHED, category=None, department="billing", registered_by=agent)
    complaint_in(Status.IN_PROGRESS, handler=handler, risk_score=0.9)
    complaint_in(Status.AWAITING_APPROVAL, handler=handler)
    complaint_in(Status.AWAITING_APPROVAL, handler=handler, remedies=[("refund", Decimal("3000"))])
    complaint_in(Status.CLOSED, handler=handler, registered_by=agent)
    for user in (agent, handler, supervisor, dept_head, quality, admin_user):
        assert work_queue(user).items, f"{user.role} lands on an empty queue"
    client.post("/login/", {"username": analyst.username, "password": "Tousu-test-2026"})
    assert client.get("/", follow=False).status_code == 200  # the queue stays reachable


def test_the_callback_team_is_a_setting(
    complaint_in: Builder, agent: Any, quality: Any, handler: Any, settings: Any
) -> None:
    closed = complaint_in(Status.CLOSED)
    settings.TOUSU_CALLBACK_TEAM = "dept:customer_service"
    # The agent is in customer service; quality staff are not in the team now.
    assert (WorkKind.CALLBACK, closed.number) in kinds(agent)
    assert all(k != WorkKind.CALLBACK for k, _ in kinds(quality))
    settings.TOUSU_CALLBACK_TEAM = "role:handler"
    assert (WorkKind.CALLBACK, closed.number) in kinds(handler)
    assert all(k != WorkKind.CALLBACK for k, _ in kinds(agent))


def test_a_callback_item_shows_its_calls_so_far(
    complaint_in: Builder, agent: Any, api_as: Any
) -> None:
    from tousu.callbacks.services import callback_attempt_record

    closed = complaint_in(Status.CLOSED)
    callback_attempt_record(complaint=closed, actor=agent, outcome="no_answer")
    item = next(i for i in work_queue(agent).items if i.kind == WorkKind.CALLBACK)
    assert item.callback is not None
    assert item.callback.attempt_count == 1
    body = api_as(agent).get("/api/v1/me/work").json()
    (mine,) = [i for i in body["items"] if i["kind"] == "callback"]
    assert mine["callback"]["attempts"] == 1
    assert mine["callback"]["next_attempt_at"] is not None


def test_an_overdue_callback_stays_in_the_supervisors_queue(
    complaint_in: Builder,
    agent: Any,
    supervisor: Any,
    make_user: Builder,
    api_as: Any,
    client: Any,
) -> None:
    """A callback past its due time is in the queue of the supervisor of the complaint's
    department and of the callback team's supervisor, whom the chase tells (within what each
    may see), with how overdue it is and who called last, until someone records it; not in
    another department's supervisor's queue, nor before it is due."""
    from tousu.callbacks import jobs
    from tousu.callbacks.services import callback_attempt_record, complaint_callback_record
    from tousu.notifications.models import Notification

    agent.display_name = "王晓燕"
    agent.save(update_fields=["display_name"])
    supervisor_cs = make_user("supervisor_cs", "supervisor", department="customer_service")
    supervisor_cs.data_scope = "all"  # the callback team's calls are about every department's
    supervisor_cs.save(update_fields=["data_scope"])
    network = make_user("supervisor_net", "supervisor", department="network")
    due_soon = complaint_in(Status.CLOSED)
    overdue = complaint_in(Status.CLOSED)
    overdue.callbacks.update(due_at=clock.now() - dt.timedelta(hours=5))
    due_soon.callbacks.update(due_at=clock.now() + dt.timedelta(hours=5))
    callback_attempt_record(complaint=overdue, actor=agent, outcome="no_answer")

    assert jobs.chase()["escalated"] == 1
    told = Notification.objects.filter(complaint=overdue).values_list("user__username", flat=True)
    assert list(told) == ["supervisor_cs"]
    for manager in (supervisor, supervisor_cs):
        assert kinds(manager) == [(WorkKind.CALLBACK_OVERDUE, overdue.number)]
        assert work_queue(manager).counts == {WorkKind.CALLBACK_OVERDUE: 1}
    assert kinds(network) == []
    (item,) = work_queue(supervisor).items
    assert item.overdue
    assert item.callback is not None
    assert item.callback.last_caller == "王晓燕"  # type: ignore[attr-defined]
    # As many statements for three overdue callbacks, called or not, as for one.
    with CaptureQueriesContext(connection) as one:
        work_queue(supervisor)
    extra = []
    for _ in range(2):
        extra.append(more := complaint_in(Status.CLOSED))
        more.callbacks.update(due_at=clock.now() - dt.timedelta(hours=1))
        callback_attempt_record(complaint=more, actor=agent, outcome="busy")
    with CaptureQueriesContext(connection) as three:
        assert len(work_queue(supervisor).items) == 3
    assert len(three.captured_queries) == len(one.captured_queries)
    for more in extra:
        more.callbacks.update(status="cancelled")

    client.force_login(supervisor)
    html = client.get("/").content.decode()
    assert "回访超时" in html
    assert 'class="due-over"' in html  # how overdue: 超时 5 小时
    assert "最近一次回访：王晓燕" in html  # who called last
    assert f'href="/complaints/{overdue.number}/#actions"' in html  # where to call from
    body = api_as(supervisor).get("/api/v1/me/work").json()
    (api_item,) = body["items"]
    assert (api_item["kind"], api_item["action"], api_item["number"]) == (
        "callback",
        "callback_overdue",
        overdue.number,
    )
    assert api_item["overdue"] is True

    complaint_callback_record(complaint=overdue, actor=supervisor, result="satisfied", scores={})
    assert kinds(supervisor) == []
    assert kinds(supervisor_cs) == []


def test_a_complaint_nobody_accepted_in_time_stays_in_the_supervisors_queue(
    complaint_in: Builder,
    handler: Any,
    supervisor: Any,
    admin_user: Any,
    make_user: Builder,
    api_as: Any,
    client: Any,
) -> None:
    """A complaint dispatched to a handler who has not accepted it past its first-response
    limit is in the queue of the supervisor of its department (and an admin's), with how long
    it is overdue and who holds it, until someone accepts it; not before it is late, not in
    another department's supervisor's queue; the longest overdue first, with the other late
    items."""
    network = make_user("supervisor_net", "supervisor", department="network")
    now = clock.now()
    late = complaint_in(
        Status.DISPATCHED, handler=handler, first_response_due=now - dt.timedelta(hours=21)
    )
    later = complaint_in(
        Status.DISPATCHED, handler=handler, first_response_due=now - dt.timedelta(hours=2)
    )
    in_time = complaint_in(
        Status.DISPATCHED, handler=handler, first_response_due=now + dt.timedelta(hours=1)
    )
    reply_late = complaint_in(
        Status.IN_PROGRESS, handler=handler, resolution_due=now - dt.timedelta(hours=5)
    )

    assert kinds(supervisor) == [
        (WorkKind.FIRST_RESPONSE_OVERDUE, late.number),
        (WorkKind.OVERDUE, reply_late.number),
        (WorkKind.FIRST_RESPONSE_OVERDUE, later.number),
    ]
    assert in_time.number not in [n for _, n in kinds(supervisor)]
    assert work_queue(supervisor).counts == {
        WorkKind.FIRST_RESPONSE_OVERDUE: 2,
        WorkKind.OVERDUE: 1,
    }
    assert (WorkKind.FIRST_RESPONSE_OVERDUE, late.number) in kinds(admin_user)
    assert kinds(network) == []
    item = work_queue(supervisor).items[0]
    assert item.overdue
    assert item.due_at == late.first_response_due
    assert item.due_kind == "first_response"

    # As many statements for three such complaints as for two.
    with CaptureQueriesContext(connection) as two:
        work_queue(supervisor)
    third = complaint_in(
        Status.DISPATCHED, handler=handler, first_response_due=now - dt.timedelta(hours=3)
    )
    with CaptureQueriesContext(connection) as three:
        assert len(work_queue(supervisor).items) == 4
    assert len(three.captured_queries) == len(two.captured_queries)
    Complaint.objects.filter(pk=third.pk).update(status=Status.IN_PROGRESS, accepted_at=now)

    client.force_login(supervisor)
    html = client.get("/").content.decode()
    assert "首次响应超时" in html
    assert "超时 21小时" in html  # how long overdue
    assert "首次响应时限" in html
    assert f'href="/complaints/{late.number}/"' in html
    assert str(handler) in html  # who holds it
    body = api_as(supervisor).get("/api/v1/me/work").json()
    first = body["items"][0]
    assert (first["kind"], first["action"], first["number"]) == (
        "complaint",
        "first_response_overdue",
        late.number,
    )
    assert (first["due_limit"], first["overdue"], first["handler"]) == (
        "first_response",
        True,
        "handler",
    )

    Complaint.objects.filter(pk__in=[late.pk, later.pk]).update(
        status=Status.IN_PROGRESS, accepted_at=now
    )
    assert kinds(supervisor) == [(WorkKind.OVERDUE, reply_late.number)]

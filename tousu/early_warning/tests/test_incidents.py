"""Incidents (issue 15 item 5, R10.4): children, proposals at intake, statement versions and
approval, actions that reach every open child exactly once (run twice, and by two workers at
once), bad input that changes nothing, permissions."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from tousu.early_warning import services
from tousu.early_warning.models import (
    Incident,
    IncidentAction,
    IncidentApplication,
    IncidentComplaint,
    IncidentEvent,
    IncidentProposal,
    Statement,
)
from tousu.resolution.services import RemedyInput

Build = Callable[..., Complaint]
STATEMENT = "因计费系统升级故障，部分客户上月话费被多扣，我们已查明原因，多扣费用将全额退还。"


def _children(complaint_in: Build, statuses: list[str]) -> list[Complaint]:
    return [
        complaint_in(status, customer_phone=f"1380013{n:04d}", content=f"话费多扣了{n + 10}元")
        for n, status in enumerate(statuses)
    ]


def _incident(actor: User, children: list[Complaint], **kw: Any) -> Incident:
    return services.incident_open(
        actor=actor,
        title="计费系统故障多扣话费",
        level="serious",
        terms=["多扣"],
        numbers=[c.number for c in children],
        **kw,
    )


def _approved(incident: Incident, author: User, approver: User) -> Statement:
    statement = services.statement_draft(incident=incident, actor=author, text=STATEMENT)
    return services.statement_approve(statement=statement, actor=approver)


def _events(complaint: Complaint, type: str) -> int:
    return ComplaintEvent.objects.filter(complaint=complaint, type=type).count()


def _state() -> tuple[Any, ...]:
    """What bad input must leave as it was."""
    return (
        Incident.objects.count(),
        IncidentComplaint.objects.count(),
        Statement.objects.count(),
        IncidentAction.objects.count(),
        IncidentEvent.objects.count(),
        ComplaintEvent.objects.count(),
        list(Complaint.objects.order_by("pk").values_list("status", flat=True)),
    )


@pytest.fixture
def billing(reference: None) -> Department:
    return Department.objects.get(code="billing")


def test_reply_reaches_every_open_child_once_even_run_twice(
    complaint_in: Build, supervisor: User, dept_head: User
) -> None:
    children = _children(complaint_in, ["dispatched", "in_progress", "in_progress", "closed"])
    incident = _incident(supervisor, children)
    statement = _approved(incident, supervisor, dept_head)
    action = services.incident_action_start(incident=incident, actor=supervisor, kind="reply")
    assert action.reach == 3
    assert services.incident_action_apply(action) == {"applied": 3, "skipped": 1}
    assert services.incident_action_apply(action) == {"applied": 0, "skipped": 0}
    assert services.incident_actions_run() == {"actions": 0, "applied": 0, "skipped": 0}
    for child in children[:3]:
        assert _events(child, "progress_reply") == 1
        event = ComplaintEvent.objects.get(complaint=child, type="progress_reply")
        assert event.data["reply"] == statement.text
        assert event.data["incident"] == incident.number
    assert _events(children[3], "progress_reply") == 0
    action.refresh_from_db()
    assert (action.applied, action.skipped, action.done) == (3, 1, True)
    skipped = IncidentApplication.objects.get(action=action, applied=False)
    assert skipped.complaint == children[3]
    assert skipped.reason is not None
    assert skipped.reason["code"] == "incident.skip.status"
    # The same version is not sent again; a new approved version may be.
    with pytest.raises(InvalidTransition):
        services.incident_action_start(incident=incident, actor=supervisor, kind="reply")
    assert IncidentEvent.objects.filter(incident=incident, type="action_done").count() == 1


def test_the_public_status_shows_the_progress_reply(
    complaint_in: Build, supervisor: User, dept_head: User
) -> None:
    from tousu.intake.selectors import public_status

    child = complaint_in("in_progress", customer_phone="13900001111")
    incident = _incident(supervisor, [child])
    _approved(incident, supervisor, dept_head)
    services.incident_action_apply(
        services.incident_action_start(incident=incident, actor=supervisor, kind="reply")
    )
    result = public_status(child.number, "13900001111")
    assert [u["text"] for u in result["updates"]] == [STATEMENT]


def test_resolve_with_a_common_remedy_then_close(
    complaint_in: Build, supervisor: User, dept_head: User, billing: Department
) -> None:
    children = _children(complaint_in, ["in_progress", "in_progress", "dispatched"])
    incident = _incident(supervisor, children)
    _approved(incident, supervisor, dept_head)
    action = services.incident_action_start(
        incident=incident,
        actor=supervisor,
        kind="resolve",
        finding="true",
        cause="process_error",
        responsible_department=billing,
        remedies=[RemedyInput("refund", Decimal("30"))],
    )
    assert services.incident_action_apply(action) == {"applied": 2, "skipped": 1}
    assert services.incident_action_apply(action) == {"applied": 0, "skipped": 0}
    statuses = [Complaint.objects.get(pk=c.pk).status for c in children]
    assert statuses == ["resolved", "resolved", "dispatched"]
    assert Complaint.objects.get(pk=children[0].pk).reply == STATEMENT
    assert [_events(c, "resolved") for c in children] == [1, 1, 0]
    assert [_events(c, "incident_action") for c in children] == [1, 1, 0]
    incident.refresh_from_db()
    assert incident.status == "resolved"

    closed = services.incident_close(
        incident=incident,
        actor=supervisor,
        cause="计费系统升级脚本错误",
        went_well="两小时内统一口径",
        to_improve="升级前做账单比对",
        follow_up="计费升级纳入变更评审",
    )
    assert closed.status == "closed"
    assert closed.review_cause == "计费系统升级脚本错误"
    services.incident_actions_run()
    statuses = [Complaint.objects.get(pk=c.pk).status for c in children]
    assert statuses == ["closed", "closed", "dispatched"]
    assert Complaint.objects.get(pk=children[0].pk).customer_accepted is None


def test_a_remedy_over_authority_is_refused_and_changes_nothing(
    complaint_in: Build, supervisor: User, dept_head: User, billing: Department
) -> None:
    incident = _incident(supervisor, _children(complaint_in, ["in_progress", "in_progress"]))
    _approved(incident, supervisor, dept_head)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        services.incident_action_start(
            incident=incident,
            actor=supervisor,
            kind="resolve",
            finding="true",
            cause="process_error",
            responsible_department=billing,
            remedies=[RemedyInput("refund", Decimal("1500"))],  # a supervisor grants 1,000
        )
    assert "remedies" in refused.value.fields
    assert _state() == before
    assert Incident.objects.get(pk=incident.pk).status == "open"


def test_bad_input_changes_nothing(complaint_in: Build, supervisor: User, dept_head: User) -> None:
    first = _incident(supervisor, _children(complaint_in, ["in_progress"]))
    taken = first.links.get().complaint
    other = complaint_in("in_progress", customer_phone="13811112222")
    second = _incident(supervisor, [other])
    before = _state()
    # A complaint already in another incident: the whole addition refused.
    fresh = complaint_in("dispatched", customer_phone="13811113333")
    before = _state()
    with pytest.raises(Conflict):
        services.incident_complaints_add(
            incident=second, actor=supervisor, numbers=[fresh.number, taken.number]
        )
    assert _state() == before
    # Unknown numbers.
    with pytest.raises(ValidationFailed) as unknown:
        services.incident_complaints_add(
            incident=second, actor=supervisor, numbers=[fresh.number, "TS20990101-9999"]
        )
    assert "TS20990101-9999" in str(unknown.value)
    assert _state() == before
    # No approved statement: nothing to reply with.
    with pytest.raises(InvalidTransition):
        services.incident_action_start(incident=second, actor=supervisor, kind="reply")
    assert _state() == before
    # A statement on a closed incident.
    services.incident_close(
        incident=second, actor=supervisor, cause="a", went_well="b", to_improve="c", follow_up="d"
    )
    before = _state()
    with pytest.raises(InvalidTransition):
        services.statement_draft(incident=second, actor=supervisor, text=STATEMENT)
    with pytest.raises(InvalidTransition):
        services.incident_complaints_add(incident=second, actor=supervisor, numbers=[fresh.number])
    assert _state() == before
    # Closing without the review.
    with pytest.raises(ValidationFailed):
        services.incident_close(
            incident=first, actor=supervisor, cause="", went_well="", to_improve="", follow_up=""
        )
    assert Incident.objects.get(pk=first.pk).status == "open"


def test_permissions(
    complaint_in: Build,
    supervisor: User,
    dept_head: User,
    handler: User,
    admin_user: User,
    outsider: User,
    make_user: Callable[..., User],
) -> None:
    with pytest.raises(NotAllowed):
        _incident(handler, [])
    incident = _incident(supervisor, _children(complaint_in, ["in_progress"]))
    network_head = make_user("network_head", "dept_head", department="network")
    for stranger in (handler, outsider, network_head):
        with pytest.raises(NotAllowed):
            services.statement_draft(incident=incident, actor=stranger, text=STATEMENT)
    draft = services.statement_draft(incident=incident, actor=supervisor, text=STATEMENT)
    # A supervisor may not approve; nor the author, even a department head.
    with pytest.raises(NotAllowed):
        services.statement_approve(statement=draft, actor=supervisor)
    own = services.statement_draft(incident=incident, actor=dept_head, text=STATEMENT + "（更新）")
    with pytest.raises(NotAllowed):
        services.statement_approve(statement=own, actor=dept_head)
    services.statement_approve(statement=own, actor=admin_user)
    assert Statement.objects.get(pk=own.pk).approved
    assert not Statement.objects.get(pk=draft.pk).approved


def test_a_new_complaint_like_an_open_incident_is_proposed(
    register: Callable[..., Complaint],
    agent: User,
    supervisor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = register(agent, content="话费被多扣了30元", customer_phone="13800000001")
    incident = services.incident_open(
        actor=supervisor,
        title="计费故障",
        level="general",
        slice_=[["category", str(first.category_id)]],
        terms=["多扣", "乱扣费"],
        numbers=[first.number],
    )
    with django_capture_on_commit_callbacks(execute=True):
        like = register(agent, content="本月话费又被多扣了", customer_phone="13800000002")
        unlike = register(agent, content="营业厅态度很差", customer_phone="13800000003")
    proposal = IncidentProposal.objects.get()
    assert (proposal.incident, proposal.complaint, proposal.terms) == (incident, like, ["多扣"])
    assert not IncidentProposal.objects.filter(complaint=unlike).exists()
    services.proposal_decide(proposal=proposal, actor=supervisor, accept=True)
    assert IncidentComplaint.objects.get(complaint=like).incident == incident
    assert _events(like, "incident_added") == 1
    with pytest.raises(InvalidTransition):
        services.proposal_decide(proposal=proposal, actor=supervisor, accept=False)


def test_an_alert_becomes_an_incident_with_its_complaints(
    complaint_in: Build, supervisor: User
) -> None:
    from tousu.core import clock
    from tousu.early_warning.models import Alert

    now = clock.now()
    outage = [
        complaint_in("dispatched", customer_phone=f"1391000{n:04d}", region="suzhou",
                     category="network.broadband_outage", content="宽带断网，光猫红灯")
        for n in range(3)
    ]  # fmt: skip
    unrelated = complaint_in("dispatched", customer_phone="13910009999", region="suzhou",
                             category="network.broadband_outage", content="宽带网速慢")  # fmt: skip
    alert = Alert.objects.create(
        kind="spike", slice=[["category", str(outage[0].category_id)],
                             ["region", str(outage[0].region_id)]],
        slice_key="x", window="day", observed=3, expected=0.5, z=4.0,
        window_start=now - dt.timedelta(hours=24),
        detected_at=now, last_seen_at=now, terms=[{"term": "断网", "docs": 3}],
        examples=[outage[0].number],
    )  # fmt: skip
    incident = services.incident_from_alert(
        alert=alert, actor=supervisor, title="苏州宽带断网", level="major", owner=None,
        terms=["断网", "红灯"],
    )  # fmt: skip
    numbers = set(incident.links.values_list("complaint__number", flat=True))
    assert numbers == {c.number for c in outage}
    assert unrelated.number not in numbers
    with pytest.raises(Conflict):
        services.incident_from_alert(
            alert=alert, actor=supervisor, title="again", level="major", owner=None, terms=[]
        )


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_apply_each_child_once(
    complaint_in: Build, supervisor: User, dept_head: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent workers need PostgreSQL")
    children = _children(complaint_in, ["in_progress"] * 20)
    incident = _incident(supervisor, children)
    _approved(incident, supervisor, dept_head)
    # Started outside a request: the job is not enqueued here, the two workers run it.
    action = IncidentAction.objects.create(
        incident=incident,
        kind="reply",
        actor=supervisor,
        statement=incident.statements.get(),
        started_at=incident.opened_at,
        reach=20,
    )
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(services.incident_action_apply(action))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r["applied"] for r in results) == 20
    for child in children:
        assert _events(child, "progress_reply") == 1
    action.refresh_from_db()
    assert (action.applied, action.skipped) == (20, 0)
    assert IncidentEvent.objects.filter(incident=incident, type="action_done").count() == 1


def test_a_complaint_taken_out_says_so_and_may_join_another(
    complaint_in: Build, supervisor: User
) -> None:
    child, other = _children(complaint_in, ["in_progress", "in_progress"])
    first = _incident(supervisor, [child, other])
    services.incident_complaint_remove(incident=first, actor=supervisor, complaint=child)
    assert _events(child, "incident_removed") == 1
    assert list(first.links.values_list("complaint", flat=True)) == [other.pk]
    second = _incident(supervisor, [child])
    assert IncidentComplaint.objects.get(complaint=child).incident == second
    with pytest.raises(ValidationFailed):
        services.incident_complaint_remove(incident=first, actor=supervisor, complaint=child)


def test_opening_and_closing_tell_the_webhook(complaint_in: Build, supervisor: User) -> None:
    from tousu.notifications.models import Delivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="crm", url="https://crm.example.com/hook", secret="s")
    incident = _incident(supervisor, _children(complaint_in, ["in_progress"]))
    services.incident_close(
        incident=incident, actor=supervisor, cause="a", went_well="b", to_improve="c", follow_up="d"
    )
    events = list(Delivery.objects.order_by("pk").values_list("event", "payload"))
    sent = [(e, p["data"]["number"], p["data"]["status"]) for e, p in events if "incident" in e]
    assert sent == [
        ("incident_opened", incident.number, "open"),
        ("incident_closed", incident.number, "closed"),
    ]


def test_a_failing_proposal_does_not_fail_the_registration(
    register: Callable[..., Complaint],
    agent: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the proposal failed")

    monkeypatch.setattr(services, "incident_propose", broken)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = register(agent, content="话费又被多扣了", customer_phone="13800000009")
    assert Complaint.objects.filter(pk=complaint.pk).exists()

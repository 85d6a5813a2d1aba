"""The time-limit scans (R4.2, D6): reminders, first-response alerts and the escalation
ladder — each exactly once, for the right people, only for the complaints that are due."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

from conftest import reply_release
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.reasons import reason, reason_text
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint
from tousu.sla import jobs as sla_jobs
from tousu.sla.services import complaint_pause

# Complaints are built in their status (`complaint_in`): the scans are what is tested.
Build = Callable[..., Complaint]
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
DUE = dt.datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def due_at(complaint: Complaint, due: dt.datetime = DUE) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due=due)
    return fresh(complaint)


def scan(at: dt.datetime, name: str = "sla.breach_scan") -> Any:
    with clock.frozen(at):
        return jobs.run(name)


def ladder_events(complaint: Complaint) -> list[int]:
    return [
        e.data["ladder_step"]
        for e in complaint.events.filter(type="escalated").order_by("seq")
        if "ladder_step" in e.data
    ]


def notified(complaint: Complaint, kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(complaint=complaint, kind=kind).values_list(
            "user__username", flat=True
        )
    )


@pytest.fixture
def office(make_user: Callable[..., User]) -> list[User]:
    return [
        make_user("office_sup", "supervisor", department="complaint_office"),
        make_user("office_head", "dept_head", department="complaint_office"),
    ]


def test_the_jobs_are_registered() -> None:
    for name in ("sla.remind", "sla.first_response_scan", "sla.breach_scan"):
        assert jobs.get(name).every == dt.timedelta(minutes=1)


def test_nothing_before_the_limit(complaint_in: Build) -> None:
    complaint = due_at(complaint_in("in_progress"))
    assert scan(DUE - M) == {"escalated": 0, "failed": 0, **{f"step_{n}": 0 for n in range(1, 5)}}
    assert fresh(complaint).escalation_step == 0


def test_the_ladder_step_by_step_each_exactly_once(
    complaint_in: Build,
    handler: User,
    supervisor: User,
    dept_head: User,
    office: list[User],
) -> None:
    complaint = due_at(complaint_in("in_progress"))
    WebhookEndpoint.objects.create(name="crm", url="https://crm.example/hook", secret="s")

    assert scan(DUE)["step_1"] == 1
    assert scan(DUE + M)["escalated"] == 0
    assert ladder_events(fresh(complaint)) == [1]
    assert notified(complaint, "overdue") == ["handler"]
    event = fresh(complaint).events.latest("seq")
    assert event.actor_name == "system"
    assert event.actor is None
    assert event.data["target"] == "handler"
    assert event.data["reason"] == reason("sla.overdue")
    assert reason_text(event.data["reason"]) == "超时升级"

    assert scan(DUE + 4 * H)["step_2"] == 1
    assert scan(DUE + 4 * H)["escalated"] == 0
    assert notified(complaint, "escalated") == ["supervisor"]

    assert scan(DUE + 24 * H)["step_3"] == 1
    assert notified(complaint, "escalated") == ["dept_head", "supervisor"]

    assert scan(DUE + 48 * H)["step_4"] == 1
    assert scan(DUE + 100 * H)["escalated"] == 0
    after = fresh(complaint)
    assert ladder_events(after) == [1, 2, 3, 4]
    assert after.escalation_step == 4
    assert after.level == "major"  # the complaint office takes it as a major complaint
    last = after.events.latest("seq")
    assert (last.data["from"], last.data["to"]) == ("ordinary", "major")
    assert notified(complaint, "escalated") == sorted(
        ["dept_head", "supervisor", "office_head", "office_sup"]
    )
    hooks = Delivery.objects.filter(channel="webhook", event="escalated")
    assert [d.payload["data"]["ladder_step"] for d in hooks.order_by("pk")] == [1, 2, 3, 4]
    # Receivers read the reason as before, in the office's language, with its code beside it.
    first = hooks.order_by("pk")[0].payload["data"]
    assert first["reason"] == "超时升级"
    assert first["reason_codes"] == [{"field": "reason", "code": "sla.overdue", "params": {}}]
    # The notice is stored as a code: the office's text, and each reader's language.
    overdue = Notification.objects.get(complaint=complaint, kind="overdue")
    assert overdue.message == reason("notice.escalated", number=complaint.number, hours=0, step=1)
    assert overdue.text == f"投诉单 {complaint.number} 已超过答复时限 0 小时，升级第 1 级"
    with translation.override("en"):
        assert reason_text(overdue.notice) == (
            f"Complaint {complaint.number} is 0 hours past its reply limit: escalation step 1"
        )


def test_a_complaint_far_overdue_climbs_every_step_in_order(
    complaint_in: Build, supervisor: User, dept_head: User
) -> None:
    complaint = due_at(complaint_in("in_progress"))
    counts = scan(DUE + 50 * H)
    assert counts["escalated"] == 4
    assert ladder_events(fresh(complaint)) == [1, 2, 3, 4]
    assert scan(DUE + 50 * H)["escalated"] == 0


def test_an_unassigned_complaint_goes_to_the_department_supervisors(
    complaint_in: Build, supervisor: User
) -> None:
    complaint = due_at(complaint_in("dispatched"))
    assert complaint.handler_id is None
    scan(DUE)
    assert notified(complaint, "overdue") == ["supervisor"]


def test_a_department_without_supervisors_reaches_the_complaint_office(
    complaint_in: Build, office: list[User]
) -> None:
    complaint = due_at(complaint_in("in_progress"))
    scan(DUE + 5 * H)
    assert notified(complaint, "escalated") == ["office_head", "office_sup"]


def test_a_complaint_resolved_in_time_or_paused_is_not_escalated(
    complaint_in: Build, handler: User
) -> None:
    resolved = due_at(complaint_in("resolved"))
    paused = complaint_in("in_progress")
    complaint_pause(complaint=paused, actor=handler, reason="等客户补充材料")
    paused = due_at(paused)
    assert scan(DUE + 50 * H)["escalated"] == 0
    assert ladder_events(fresh(resolved)) == []
    assert ladder_events(fresh(paused)) == []
    assert fresh(paused).escalation_step == 0


def test_a_deactivated_step_is_skipped(complaint_in: Build) -> None:
    from tousu.sla.models import EscalationStep

    EscalationStep.objects.filter(order=2).update(active=False)
    complaint = due_at(complaint_in("in_progress"))
    scan(DUE)
    counts = scan(DUE + 25 * H)
    assert counts["step_3"] == 1
    assert "step_2" not in counts
    assert ladder_events(fresh(complaint)) == [1, 3]


def test_the_scan_queries_only_due_rows(
    complaint_in: Build, django_assert_max_num_queries: Any
) -> None:
    """A no-op scan costs one query per ladder step plus the ladder, whatever is stored."""
    complaint = complaint_in("in_progress")
    for _ in range(3):
        Complaint.objects.filter(pk=complaint.pk).first()
    with django_assert_max_num_queries(5):
        assert scan(DUE - M)["escalated"] == 0


def test_a_burst_of_breaches_costs_statements_per_batch_not_per_complaint(
    complaint_in: Build, django_assert_max_num_queries: Any
) -> None:
    """Forty complaints breaching in the same minute are claimed, notified and written on
    their timelines with a handful of statements (the 1,000-at-once case is in bench/)."""
    WebhookEndpoint.objects.create(name="crm", url="https://crm.example/hook", secret="s")
    complaints = [
        due_at(complaint_in("in_progress", content=f"第{n}次反映：宽带断网{n}天了，一直没人上门"))
        for n in range(40)
    ]
    with django_assert_max_num_queries(30):
        assert scan(DUE)["step_1"] == 40
    for complaint in complaints:
        after = fresh(complaint)
        assert ladder_events(after) == [1]
        assert after.escalation_step == 1
        assert notified(complaint, "overdue") == ["handler"]
    assert Delivery.objects.filter(channel="webhook", event="escalated").count() == 40
    assert scan(DUE + M)["escalated"] == 0


def test_one_failing_complaint_does_not_hold_up_the_others(
    complaint_in: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a batch fails, its rows are retried one by one: the bad one is rolled back alone
    (no claim, no event, no notification) and tried again on the next run."""
    from tousu.sla import services

    complaints = [
        due_at(complaint_in("in_progress", content=f"第{n}次反映：话费多扣了{n}元，请尽快核实处理"))
        for n in range(3)
    ]
    bad = complaints[1]
    real = services._reached

    def broken(target: str, complaint: Complaint, cache: Any) -> tuple[list[User], str]:
        if complaint.pk == bad.pk:
            raise RuntimeError("directory unavailable")
        return real(target, complaint, cache)

    monkeypatch.setattr(services, "_reached", broken)
    counts = scan(DUE)
    assert (counts["step_1"], counts["failed"]) == (2, 1)
    assert [ladder_events(fresh(c)) for c in complaints] == [[1], [], [1]]
    assert fresh(bad).escalation_step == 0
    assert notified(bad, "overdue") == []

    monkeypatch.setattr(services, "_reached", real)
    assert scan(DUE + M)["step_1"] == 1
    assert ladder_events(fresh(bad)) == [1]


# ---- reminder before breach and first response ------------------------------------------------


def test_the_reminder_goes_out_once_two_hours_before(complaint_in: Build, handler: User) -> None:
    complaint = due_at(complaint_in("in_progress"))
    later = due_at(complaint_in("in_progress", content="宽带经常掉线，已经报修三次了"), DUE + 3 * H)
    over = due_at(complaint_in("in_progress", content="套餐变更没有生效还在扣费"), DUE - 3 * H)
    assert scan(DUE - 2 * H - M, "sla.remind") == {"reminded": 0, "failed": 0}
    assert scan(DUE - 2 * H, "sla.remind") == {"reminded": 1, "failed": 0}
    assert scan(DUE - H, "sla.remind") == {"reminded": 0, "failed": 0}
    assert notified(complaint, "reminder") == ["handler"]
    assert fresh(complaint).events.filter(type="reminder").count() == 1
    assert fresh(complaint).reminder_sent_at == DUE - 2 * H
    assert fresh(later).reminder_sent_at is None
    assert fresh(over).reminder_sent_at is None  # already overdue: the ladder takes over


def test_the_first_response_alert_once_for_unaccepted_complaints(
    complaint_in: Build, supervisor: User, handler: User
) -> None:
    waiting = complaint_in("dispatched", handler=handler)
    accepted = complaint_in("in_progress")
    after = max(waiting.first_response_due, accepted.first_response_due) + M
    assert scan(after, "sla.first_response_scan") == {"alerted": 1, "failed": 0}
    assert scan(after + H, "sla.first_response_scan") == {"alerted": 0, "failed": 0}
    assert notified(waiting, "first_response_overdue") == ["supervisor"]
    assert fresh(waiting).events.filter(type="first_response_overdue").count() == 1
    assert not fresh(accepted).events.filter(type="first_response_overdue").exists()


# ---- two workers at once ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_escalate_each_step_once(
    complaint_in: Build, supervisor: User, dept_head: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent scans need PostgreSQL")
    complaints = [
        due_at(complaint_in("in_progress", content=f"第{n}次反映：话费多扣了{n}元，请尽快核实处理"))
        for n in range(30)
    ]
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            with clock.frozen(DUE + 50 * H):
                results.append(sla_jobs.breach_scan())
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
    assert sum(r["escalated"] for r in results) == 4 * len(complaints)
    for complaint in complaints:
        assert ladder_events(fresh(complaint)) == [1, 2, 3, 4]
        assert fresh(complaint).escalation_step == 4


# ---- a reopened complaint runs again --------------------------------------------------------


@pytest.mark.parametrize("how", ["reopen", "dissatisfied_callback"])
def test_a_reopened_complaint_gets_a_fresh_limit_and_climbs_the_ladder_again(
    complaint_in: Build, agent: User, handler: User, how: str
) -> None:
    """Resolved late after the ladder ran, then reopened: the handler gets a new resolution
    limit counted from the reopening under the complaint's policy, and the reminder and the
    ladder start over instead of staying spent (or firing at once on the old limit)."""
    from tousu.callbacks.services import complaint_callback_record
    from tousu.resolution.services import complaint_close
    from tousu.sla.selectors import due_times_for
    from tousu.sla.services import complaint_reopen

    complaint = due_at(complaint_in("resolved"))
    Complaint.objects.filter(pk=complaint.pk).update(
        escalation_step=2, reminder_sent_at=DUE - 2 * H
    )
    reopened_at = DUE + 30 * H
    with clock.frozen(reopened_at):
        if how == "reopen":
            complaint_reopen(complaint=fresh(complaint), actor=agent, reason="客户说钱还没到账")
        else:
            reply_release(complaint)
            closed = complaint_close(
                complaint=fresh(complaint), actor=handler, customer_accepted=True
            )
            complaint_callback_record(
                complaint=closed, actor=agent, result="dissatisfied", scores=None
            )
    after = fresh(complaint)
    _, expected, _ = due_times_for(
        category=after.category, level=after.level, channel=after.channel, received_at=reopened_at
    )
    assert after.status == "in_progress"
    assert after.resolution_due == expected > reopened_at
    assert (after.escalation_step, after.reminder_sent_at) == (0, None)
    assert after.events.latest("seq").data["resolution_due"] == expected.isoformat()

    assert scan(reopened_at + M)["escalated"] == 0  # not escalated on the spent limit
    assert scan(expected - 2 * H, "sla.remind")["reminded"] == 1
    assert scan(expected)["step_1"] == 1
    assert ladder_events(fresh(complaint)) == [1]

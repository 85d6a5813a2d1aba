"""Regulator referrals keep the authority's clocks beside the operator's (issue 17): set at
registration (given or by default), in `clocks` on the API, reminded and escalated by
`sla.clock_scan` once per clock — on whichever clock breaches first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_accept
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.notifications.models import Notification
from tousu.resolution.services import RemedyInput, complaint_resolve
from tousu.sla import constants, rules
from tousu.sla.choices import ClockState
from tousu.sla.models import ComplaintClock

H = dt.timedelta(hours=1)
RECEIVED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)  # a Friday
# The authority received it six days before it reached us, and wants the reply in six hours:
# its clock breaches long before the operator's own 24-hour limit of a referral.
AUTHORITY_RECEIVED = RECEIVED - 6 * dt.timedelta(days=1)
AUTHORITY_REPLY_DUE = RECEIVED + 6 * H

Register = Callable[..., Complaint]


@pytest.fixture
def office_handler(make_user: Any) -> User:
    """Referrals of billing complaints go to the complaint office (routing rule #12)."""
    return make_user("office_handler", "handler", "complaint_office")


@pytest.fixture
def office_supervisor(make_user: Any) -> User:
    return make_user("office_supervisor", "supervisor", "complaint_office")


def referral(register: Any, agent: User, **fields: Any) -> Complaint:
    data: dict[str, Any] = {
        "channel": "regulator",
        "external_ref": "GD-SG-2026-118",
        "received_at": RECEIVED,
        "authority": "广东省通信管理局",
        "authority_received_at": AUTHORITY_RECEIVED,
        "authority_reply_due": AUTHORITY_REPLY_DUE,
    }
    data.update(fields)
    with clock.frozen(RECEIVED + dt.timedelta(minutes=5)):
        return register(agent, **data)


def scan(at: dt.datetime, name: str = "sla.clock_scan") -> Any:
    with clock.frozen(at):
        return jobs.run(name)


def clock_events(complaint: Complaint, type: str) -> list[str]:
    return [
        e.data["clock"]
        for e in complaint.events.filter(type=type).order_by("seq")
        if "clock" in e.data
    ]


# ---- the rules -------------------------------------------------------------------------------


def test_authority_deadlines_default_from_each_side_s_receipt() -> None:
    started, contact, reply = rules.authority_dues(
        received_at=RECEIVED,
        authority_received_at=AUTHORITY_RECEIVED,
        first_contact_due=None,
        reply_due=None,
    )
    assert started == AUTHORITY_RECEIVED
    # First contact counts from our receipt, the reply from the authority's.
    assert contact == RECEIVED + constants.AUTHORITY_FIRST_CONTACT
    assert reply == AUTHORITY_RECEIVED + constants.AUTHORITY_REPLY


def test_given_deadlines_win_and_the_authority_date_defaults_to_ours() -> None:
    started, contact, reply = rules.authority_dues(
        received_at=RECEIVED,
        authority_received_at=None,
        first_contact_due=RECEIVED + 2 * H,
        reply_due=RECEIVED + 48 * H,
    )
    assert (started, contact, reply) == (RECEIVED, RECEIVED + 2 * H, RECEIVED + 48 * H)


def test_the_reminder_comes_a_quarter_before_at_most_a_day() -> None:
    assert rules.remind_at(RECEIVED, RECEIVED + 8 * H) == RECEIVED + 6 * H
    ten_days = RECEIVED + dt.timedelta(days=10)
    assert rules.remind_at(RECEIVED, ten_days) == ten_days - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("met", "is_open", "at", "state"),
    [
        (None, True, RECEIVED + H, ClockState.RUNNING),
        (None, True, RECEIVED + 9 * H, ClockState.DUE_SOON),
        (None, True, RECEIVED + 11 * H, ClockState.OVERDUE),
        (RECEIVED + 11 * H, True, RECEIVED + 12 * H, ClockState.MET),
        (None, False, RECEIVED + 12 * H, ClockState.STOPPED),
    ],
)
def test_clock_state(met: dt.datetime | None, is_open: bool, at: dt.datetime, state: str) -> None:
    got = rules.clock_state(
        start=RECEIVED, due=RECEIVED + 10 * H, met_at=met, is_open=is_open, now=at
    )
    assert got == state


# ---- registration and the API ---------------------------------------------------------------


def test_a_referral_carries_both_sides_clocks(register: Any, agent: User) -> None:
    complaint = referral(register, agent)
    rows = {c.name: c for c in ComplaintClock.objects.filter(complaint=complaint)}
    assert set(rows) == {"authority_first_contact", "authority_reply"}
    assert rows["authority_reply"].due == AUTHORITY_REPLY_DUE
    assert rows["authority_reply"].started_at == AUTHORITY_RECEIVED
    assert rows["authority_first_contact"].started_at == RECEIVED
    assert rows["authority_first_contact"].due == RECEIVED + constants.AUTHORITY_FIRST_CONTACT
    assert {r.authority for r in rows.values()} == {"广东省通信管理局"}
    registered = complaint.events.get(type="registered")
    assert registered.data["authority"] == "广东省通信管理局"
    assert registered.data["authority_reply_due"] == AUTHORITY_REPLY_DUE.isoformat()


# ---- the scan: reminders, and escalation on the earlier clock --------------------------------


def test_escalates_once_on_the_authority_clock_that_breaches_first(
    register: Any, agent: User, office_handler: User, office_supervisor: User
) -> None:
    complaint = referral(register, agent)
    with clock.frozen(RECEIVED + H):
        complaint_accept(complaint=complaint, actor=office_handler)  # first contact made: met
    # The authority's clock reached us in its last day: the reminder goes out at once, once.
    assert scan(RECEIVED + 2 * H)["reminded"] == 1
    assert scan(RECEIVED + 3 * H)["reminded"] == 0
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert clock_events(fresh, "reminder") == ["authority_reply"]

    # Past the authority's reply deadline, long before the operator's 24 hours.
    after = AUTHORITY_REPLY_DUE + dt.timedelta(minutes=1)
    assert fresh.resolution_due > after
    assert scan(after) == {"reminded": 0, "escalated": 1, "failed": 0}
    assert scan(after + H)["escalated"] == 0  # never twice for the same clock
    assert scan(after, "sla.breach_scan")["escalated"] == 0  # our own clock still runs
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert clock_events(fresh, "escalated") == ["authority_reply"]
    told = set(
        Notification.objects.filter(complaint=complaint, kind="escalated").values_list(
            "user__username", flat=True
        )
    )
    assert {office_handler.username, office_supervisor.username} <= told
    # The met first-contact clock is never escalated, even far past its deadline.
    assert scan(RECEIVED + 30 * H)["escalated"] == 0


def test_an_unmet_first_contact_escalates_on_its_own(register: Any, agent: User) -> None:
    complaint = referral(
        register, agent, authority_first_contact_due=RECEIVED + 2 * H, authority_reply_due=None
    )
    assert scan(RECEIVED + 3 * H)["escalated"] == 1
    assert clock_events(complaint, "escalated") == ["authority_first_contact"]


def test_a_resolved_referral_is_not_escalated(
    register: Any, agent: User, office_handler: User
) -> None:
    complaint = referral(register, agent)
    with clock.frozen(RECEIVED + H):
        complaint = complaint_accept(complaint=complaint, actor=office_handler)
        complaint_resolve(
            complaint=complaint,
            actor=office_handler,
            finding="true",
            cause="process_error",
            responsible_department=Department.objects.get(code="billing"),
            remedies=[RemedyInput("refund", Decimal("58"))],
            reply="经核查系计费错误，已退还58元。",
        )
    assert scan(RECEIVED + 30 * H) == {"reminded": 0, "escalated": 0, "failed": 0}


def test_the_operator_s_pause_does_not_stop_the_authority(
    register: Any, agent: User, office_handler: User
) -> None:
    from tousu.sla.services import complaint_pause

    complaint = referral(register, agent)
    with clock.frozen(RECEIVED + H):
        complaint = complaint_accept(complaint=complaint, actor=office_handler)
        complaint_pause(complaint=complaint, actor=office_handler, reason="等待用户提供账单")
    assert scan(AUTHORITY_REPLY_DUE + H)["escalated"] == 1

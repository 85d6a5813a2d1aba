"""The permission matrix: role × action × own/other department.

The complaint belongs to the billing department, is assigned to the billing handler persona
(or to a colleague, or to nobody, where a test says so) and was registered by nobody on the
staff; it is built in its status (`complaint_in`), as these tests are about who may act on a
complaint in a status, not about how it got there. The persona works in billing
("own") or in network ("other").

The intended rules, from accounts/permissions.py:

* Scope (`can_view`): agents, quality inspectors, analysts and admins see every complaint;
  handlers, supervisors and department heads see their department's (handling or
  responsible) complaints, and those they handle or registered.
* dispatch: managers (supervisor, dept_head, admin) anywhere in their scope; handlers
  transfer or return what sits unassigned or with them in their department; agents may
  correct the routing of a complaint they registered until someone accepts it.
* accept: back-office roles (handler, supervisor, dept_head, admin) of the complaint's
  department (admins everywhere); a handler not when a colleague holds it.
* note: everyone who sees it except analysts (read-only).
* escalate: whoever may handle it, and managers who see it.
* resolve, close (`can_handle`): the handler in charge or a manager of the department; admins.
* approve: managers of the handling department (admins everywhere) whose authority limit
  covers the amount (258 yuan here: within a supervisor's 1,000); never one's own request.
* reopen: everyone who sees it except quality inspectors and analysts; a handler only in the
  handling department.
* callback: agents, managers, quality inspectors and admins who see it — not the handler who
  did the work, so the callback stays independent.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tousu.accounts import permissions as p
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.resolution.selectors import authority_limit

ROLES = ("agent", "handler", "supervisor", "dept_head", "quality", "analyst", "admin")
ACTIONS = (
    "view",
    "dispatch",
    "accept",
    "note",
    "escalate",
    "resolve",
    "approve",
    "close",
    "reopen",
    "callback",
)
ALL = frozenset(ACTIONS)
OWN, OTHER = "billing", "network"
APPROVAL_AMOUNT = Decimal("258")

# The expected table, written out by hand: (role, department) → the actions allowed.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("agent", OWN): frozenset({"view", "note", "reopen", "callback"}),
    ("agent", OTHER): frozenset({"view", "note", "reopen", "callback"}),
    ("handler", OWN): frozenset(
        {"view", "dispatch", "accept", "note", "escalate", "resolve", "close", "reopen"}
    ),
    ("handler", OTHER): frozenset(),
    ("supervisor", OWN): ALL,
    ("supervisor", OTHER): frozenset(),
    ("dept_head", OWN): ALL,
    ("dept_head", OTHER): frozenset(),
    ("quality", OWN): frozenset({"view", "note", "callback"}),
    ("quality", OTHER): frozenset({"view", "note", "callback"}),
    ("analyst", OWN): frozenset({"view"}),
    ("analyst", OTHER): frozenset({"view"}),
    ("admin", OWN): ALL,
    ("admin", OTHER): ALL,
}


def test_the_table_covers_every_role_and_department() -> None:
    assert set(EXPECTED) == {(r, d) for r in ROLES for d in (OWN, OTHER)}
    assert all(actions <= ALL for actions in EXPECTED.values())


@pytest.fixture
def persona(make_user: Callable[..., User], handler: User) -> Callable[[str, str], User]:
    """A user of `role` in `department`; the billing handler is the `handler` persona, the
    one `lifecycle` assigns, so that "own department" also covers the assigned handler."""

    def make(role: str, department: str) -> User:
        if (role, department) == ("handler", OWN):
            return handler
        return make_user(f"{role}-{department}", role, department=department)

    return make


def allowed_actions(user: User, complaint: Complaint) -> dict[str, bool]:
    return {
        "view": p.can_view(user, complaint),
        "dispatch": p.can_dispatch(user, complaint),
        "accept": p.can_accept(user, complaint),
        "note": p.can_note(user, complaint),
        "escalate": p.can_escalate(user, complaint),
        "resolve": p.can_handle(user, complaint),
        "approve": p.can_approve(user, complaint, APPROVAL_AMOUNT, authority_limit(user.role)),
        "close": p.can_handle(user, complaint),
        "reopen": p.can_reopen(user, complaint),
        "callback": p.can_callback(user, complaint),
    }


@pytest.mark.parametrize("department", [OWN, OTHER])
@pytest.mark.parametrize("role", ROLES)
def test_the_predicates_follow_the_matrix(
    persona: Callable[[str, str], User],
    complaint_in: Callable[..., Complaint],
    handler: User,
    role: str,
    department: str,
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    user = persona(role, department)
    expected = {action: action in EXPECTED[role, department] for action in ACTIONS}
    assert allowed_actions(user, complaint) == expected


@pytest.mark.parametrize("role", ROLES)
def test_nobody_acts_once_deactivated(
    persona: Callable[[str, str], User],
    complaint_in: Callable[..., Complaint],
    handler: User,
    role: str,
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    user = persona(role, OWN)
    user.is_active = False
    assert not p.can_view(user, complaint)
    assert not p.can_view_pii(user)
    for action in ("dispatch", "note", "reopen", "callback", "approve"):
        assert not allowed_actions(user, complaint)[action], action


def test_a_handler_may_not_act_on_a_colleagues_complaint(
    complaint_in: Callable[..., Complaint], handler: User, handler2: User
) -> None:
    complaint = complaint_in("dispatched", handler=handler2)
    assert not p.can_accept(handler, complaint)
    assert not p.can_handle(handler, complaint)
    assert not p.can_dispatch(handler, complaint)
    assert p.can_view(handler, complaint)
    assert p.can_note(handler, complaint)
    assert p.can_handle(handler2, complaint)


def test_an_agent_dispatches_only_a_complaint_still_registered(
    complaint_in: Callable[..., Complaint], agent: User
) -> None:
    complaint = complaint_in("dispatched")
    assert not p.can_dispatch(agent, complaint)
    complaint.status = "registered"
    assert p.can_dispatch(agent, complaint)


def test_approval_needs_an_authority_covering_the_amount(
    complaint_in: Callable[..., Complaint], supervisor: User, dept_head: User, admin_user: User
) -> None:
    complaint = complaint_in("awaiting_approval")
    limit = authority_limit("supervisor")
    assert p.can_approve(supervisor, complaint, Decimal("1000"), limit)
    assert not p.can_approve(supervisor, complaint, Decimal("1000.01"), limit)
    assert p.can_approve(dept_head, complaint, Decimal("5000"), authority_limit("dept_head"))
    assert p.can_approve(admin_user, complaint, Decimal("999999"), authority_limit("admin"))


@pytest.mark.parametrize(
    ("role", "sees"),
    [(r, r in {"handler", "supervisor", "dept_head", "admin"}) for r in ROLES],
)
def test_personal_data_is_for_back_office_roles(
    persona: Callable[[str, str], User], reference: None, role: str, sees: bool
) -> None:
    assert p.can_view_pii(persona(role, OWN)) is sees


# ---- the same matrix through the API (a representative subset per action) -------------------

URL = "/api/v1/complaints"
RESOLVE = {
    "finding": "true",
    "cause": "process_error",
    "responsible_department": "billing",
    "remedies": [{"type": "refund", "amount": 10}],
    "reply": "已退还10元",
}
# action → (the status the complaint is in, the request)
REQUESTS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "view": ("dispatched", "", None),
    "dispatch": ("dispatched", "dispatch", {"department": "billing"}),
    "accept": ("dispatched", "accept", {}),
    "note": ("in_progress", "notes", {"text": "已联系客户"}),
    "escalate": ("dispatched", "escalate", {"level": "major", "reason": "客户要找媒体"}),
    "resolve": ("in_progress", "resolve", RESOLVE),
    "approve": ("awaiting_approval", "approve", {"approved": True, "note": "同意"}),
    "close": ("resolved", "close", {"customer_accepted": True}),
    "reopen": ("closed", "reopen", {"reason": "客户说问题还在"}),
    "callback": ("closed", "callback", {"result": "satisfied"}),
}

API_CASES = [
    (action, role, department)
    for action in ACTIONS
    for role, department in [
        *((r, OWN) for r in ROLES),
        *((r, OTHER) for r in ("agent", "handler", "admin")),
    ]
]


@pytest.mark.parametrize(
    ("action", "role", "department"), API_CASES, ids=["-".join(case) for case in API_CASES]
)
def test_the_api_follows_the_matrix(
    api_as: Callable[[Any], Any],
    persona: Callable[[str, str], User],
    complaint_in: Callable[..., Complaint],
    handler: User,
    action: str,
    role: str,
    department: str,
) -> None:
    status, path, body = REQUESTS[action]
    complaint = complaint_in(status, handler=handler)
    client = api_as(persona(role, department))
    url = f"{URL}/{complaint.number}" + (f"/{path}" if path else "")
    response = client.get(url) if body is None else client.post(url, body)
    allowed = EXPECTED[role, department]
    if "view" not in allowed:
        expected_status = 404  # out of scope: not even its existence is revealed
    elif action in allowed:
        expected_status = 200
    else:
        expected_status = 403
    assert response.status_code == expected_status, response.content
    after = Complaint.objects.get(pk=complaint.pk)
    if expected_status == 200 and body is not None:
        assert after.event_seq > complaint.event_seq
    else:
        assert after.event_seq == complaint.event_seq
        assert after.status == complaint.status


def test_the_responsible_department_sees_but_does_not_approve_or_reopen(
    complaint_in: Callable[..., Complaint], handler: User, make_user: Callable[..., User]
) -> None:
    """Naming network responsible lets network see the complaint (for its KPIs), but
    billing's compensation is approved by billing's managers only."""
    complaint = complaint_in("awaiting_approval", handler=handler, responsible_department="network")
    network_supervisor = make_user("sup-network", "supervisor", department="network")
    network_handler = make_user("h-network", "handler", department="network")
    assert p.can_view(network_supervisor, complaint)
    assert not p.can_approve(
        network_supervisor, complaint, APPROVAL_AMOUNT, authority_limit("supervisor")
    )
    assert not p.can_reopen(network_handler, complaint)


def test_an_agent_corrects_the_routing_of_their_own_registration_until_accepted(
    complaint_in: Callable[..., Complaint], agent: User, handler: User
) -> None:
    from tousu.complaints.services import complaint_accept

    mine = complaint_in("dispatched", registered_by=agent)
    someone_elses = complaint_in("dispatched")
    assert p.can_dispatch(agent, mine)
    assert not p.can_dispatch(agent, someone_elses)
    accepted = complaint_accept(complaint=mine, actor=handler)
    assert not p.can_dispatch(agent, accepted)


# ---- expert team members (R3.4) -------------------------------------------------------------


@pytest.fixture
def team_complaint(
    complaint_in: Callable[..., Complaint], supervisor: User, handler: User, make_user: Any
) -> tuple[Complaint, User, User]:
    """A major billing complaint with an expert team: the billing handler leads, a legal
    handler is a member; a second legal handler is not."""
    from tousu.routing.services import expert_team_form

    member = make_user("legal_member", "handler", department="legal")
    bystander = make_user("legal_bystander", "handler", department="legal")
    complaint = complaint_in("dispatched", level="major", handler=handler)
    expert_team_form(complaint=complaint, actor=supervisor, lead=handler, members=[member])
    return Complaint.objects.get(pk=complaint.pk), member, bystander


def test_a_team_member_sees_and_notes_but_does_not_handle(
    team_complaint: tuple[Complaint, User, User],
) -> None:
    complaint, member, bystander = team_complaint
    assert p.can_view(member, complaint)
    assert p.can_note(member, complaint)
    for may in (p.can_handle, p.can_accept, p.can_dispatch, p.can_return, p.can_form_team):
        assert not may(member, complaint), may.__name__
    assert not p.can_view(bystander, complaint)
    assert not p.can_note(bystander, complaint)
    assert Complaint.objects.filter(p.scope_q(member)).get() == complaint
    assert not Complaint.objects.filter(p.scope_q(bystander)).exists()


def test_team_scope_repeats_no_row(
    team_complaint: tuple[Complaint, User, User], handler: User, make_user: Any
) -> None:
    """The handler matches as handler, department member and team lead: still one row."""
    complaint, _member, _ = team_complaint
    assert list(Complaint.objects.filter(p.scope_q(handler))) == [complaint]
    regional = make_user("regional", "supervisor", department="legal")
    regional.data_scope = "region"
    regional.save()
    assert not Complaint.objects.filter(p.scope_q(regional)).exists()


def test_a_deactivated_member_sees_nothing(team_complaint: tuple[Complaint, User, User]) -> None:
    complaint, member, _ = team_complaint
    member.is_active = False
    assert not p.can_view(member, complaint)
    assert not p.can_note(member, complaint)
    assert not Complaint.objects.filter(p.scope_q(member)).exists()


@pytest.mark.parametrize(
    ("role", "department", "may"),
    [
        ("supervisor", OWN, True),
        ("dept_head", OWN, True),
        ("admin", OTHER, True),
        ("supervisor", OTHER, False),  # cannot see it
        ("handler", OWN, False),
        ("agent", OWN, False),
        ("quality", OWN, False),
    ],
)
def test_who_forms_a_team_and_who_returns(
    persona: Callable[[str, str], User],
    complaint_in: Callable[..., Complaint],
    handler: User,
    role: str,
    department: str,
    may: bool,
) -> None:
    complaint = complaint_in("dispatched", level="major", handler=handler)
    user = persona(role, department)
    assert p.can_form_team(user, complaint) is may
    returns = role in ("supervisor", "dept_head", "handler", "admin") and (
        department == OWN or role == "admin"
    )
    assert p.can_return(user, complaint) is returns

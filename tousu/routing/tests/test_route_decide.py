"""Routing decides where a complaint being registered goes before its row is written: the
repeat route back to the earlier complaint's department and handler (R2.5, moved here from
intake), else the rules (R3.1), assigned automatically (R3.2) from a pool read in one query."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tousu.accounts.models import Department, User
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.core.reasons import reason_text
from tousu.routing.models import HandlerProfile
from tousu.routing.rules import handler_fits
from tousu.routing.selectors import department_for
from tousu.routing.services import Route, route_decide

MakeUser = Callable[..., User]
BILLING = "billing.unexplained_charge"


def decide(category: str | Category = BILLING, repeat_of: Complaint | None = None) -> Route:
    if isinstance(category, str):
        category = Category.objects.select_related("parent").get(code=category)
    return route_decide(
        category=category,
        region=None,
        channel="hotline",
        level="ordinary",
        repeat_of=repeat_of,
    )


def test_who_fits_as_handler(make_user: MakeUser) -> None:
    billing = Department.objects.get(code="billing")
    handler, supervisor, agent = (
        make_user("h", "handler"),
        make_user("s", "supervisor"),
        make_user("a", "agent"),
    )
    assert handler_fits(handler, billing.pk)
    assert handler_fits(supervisor, billing.pk)
    assert not handler_fits(agent, billing.pk)
    assert not handler_fits(handler, billing.pk + 1000)
    handler.is_active = False
    assert not handler_fits(handler, billing.pk)


def test_by_the_rules_with_the_least_loaded_skilled_handler(make_user: MakeUser) -> None:
    plain, skilled, away = (make_user(n, "handler") for n in ("h_plain", "h_skilled", "h_away"))
    HandlerProfile.objects.create(user=away, accepting=False)
    HandlerProfile.objects.create(user=skilled).categories.set(
        Category.objects.filter(code="billing")  # the parent covers the sub-category
    )
    category = Category.objects.select_related("parent").get(code=BILLING)
    department_for(category)  # the rules' per-process copy loaded, as on a running server
    with CaptureQueriesContext(connection) as queries:
        route = decide(category)
    assert route.department.code == "billing"
    assert reason_text(route.rule).startswith("规则#")
    assert (route.handler, route.auto) == (skilled, True)
    assert HandlerProfile.objects.get(user=skilled).last_assigned_at is not None
    assert not HandlerProfile.objects.filter(user=plain).exists()
    # The pool (handlers, profiles, load and skills), the handler's profile upsert; the rules
    # from the per-process copy (tousu.core.refcache).
    assert len(queries) == 2


def test_a_first_assignment_creates_the_profile(make_user: MakeUser) -> None:
    handler = make_user("h_new", "handler")
    route = decide()
    assert route.handler == handler
    assert HandlerProfile.objects.get(user=handler).accepting


def test_nobody_to_assign_leaves_it_for_the_department_queue(reference: None) -> None:
    route = decide()
    assert (route.handler, route.auto, route.handlers) == (None, False, [])


@pytest.mark.parametrize("handler_left", [False, True])
def test_a_repeat_goes_back_to_the_open_earlier_one(
    register: Callable[..., Complaint], make_user: MakeUser, handler_left: bool
) -> None:
    network_handler = make_user("n_h", "handler", department="network")
    earlier = register(category="network.coverage", content="信号差")
    assert earlier.handler == network_handler
    if handler_left:
        network_handler.is_active = False
        network_handler.save()
    route = decide(BILLING, repeat_of=Complaint.objects.get(pk=earlier.pk))
    assert route.department.code == "network"
    expected = None if handler_left else network_handler
    assert route.handler == expected
    back = "派回原处理部门" if handler_left else "派回原处理人"
    assert reason_text(route.rule) == f"重复投诉：同一客户30天内就同一问题再次投诉，{back}"

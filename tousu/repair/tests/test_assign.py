"""Assigning a repair case (its owner): who may, to whom, what it records and who is told; the
control on the case page, in place; the list of a department's unassigned cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from tousu.accounts.models import AuditEntry
from tousu.callbacks.models import CallbackTask
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.notifications.models import Delivery, Notification
from tousu.repair import services
from tousu.repair.models import RepairCase

Make = Callable[..., CallbackTask]
HTMX = {"HX-Request": "true"}


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def timeline(case: RepairCase) -> Any:
    """The events of the complaint that found the case's customer."""
    assert case.complaint is not None
    return case.complaint.events


@pytest.fixture
def case(dissatisfied: Make) -> RepairCase:
    """A billing customer's tariff case, owned by the billing department, nobody's yet."""
    case = RepairCase.objects.get(customer=dissatisfied().complaint.customer_id)
    assert case.owner is None
    assert case.department.code == "billing"
    return case


def test_the_supervisor_assigns_a_case_recorded_and_the_owner_told(
    case: RepairCase, supervisor: Any, handler: Any, django_capture_on_commit_callbacks: Any
) -> None:
    handler.email = "handler@example.com"
    handler.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        services.repair_case_assign(case=case, actor=supervisor, owner=handler)
    case.refresh_from_db()
    assert case.owner == handler
    assert case.status == "open"  # assigned, not yet worked
    # On the timeline of the complaint that found the customer, by the supervisor.
    event = timeline(case).latest("seq")
    assert (event.type, event.actor, event.data) == (
        "repair_assigned",
        supervisor,
        {"case": case.pk, "handler": handler.username},
    )
    entry = AuditEntry.objects.filter(object_type="repair.repaircase", object_id=str(case.pk))
    assert entry.get().changes == {"owner": [None, handler.username]}
    # The new owner is told, in-app at once, by e-mail after the commit.
    notice = Notification.objects.get(user=handler, kind="assigned")
    message = notice.message
    assert message is not None
    assert message["code"] == "notice.repair_assigned"
    assert message["params"]["case"] == f"R{case.pk}"
    assert notice.complaint == case.complaint
    mail = Delivery.objects.get(recipient="handler@example.com")
    assert f"R{case.pk}" in mail.subject
    assert after_commit  # its delivery job is queued for after the commit
    assert not Notification.objects.filter(user=supervisor).exists()


def test_reassigning_moves_the_case_and_tells_the_new_owner(
    case: RepairCase, dept_head: Any, handler: Any, handler2: Any
) -> None:
    services.repair_case_assign(case=case, actor=dept_head, owner=handler)
    services.repair_case_assign(case=case, actor=dept_head, owner=handler2)
    case.refresh_from_db()
    assert case.owner == handler2
    assert Notification.objects.filter(user=handler2, kind="assigned").count() == 1
    assert list(
        timeline(case).filter(type="repair_assigned").values_list("data__handler", flat=True)
    ) == [handler.username, handler2.username]


def test_a_handler_takes_an_unassigned_case_but_assigns_nobody(
    case: RepairCase, handler: Any, handler2: Any
) -> None:
    with pytest.raises(NotAllowed):
        services.repair_case_assign(case=case, actor=handler, owner=handler2)
    case.refresh_from_db()
    assert case.owner is None
    services.repair_case_assign(case=case, actor=handler, owner=handler)
    case.refresh_from_db()
    assert case.owner == handler
    assert not Notification.objects.filter(kind="assigned").exists()  # nobody to tell
    # Taken, it is not another handler's to take.
    with pytest.raises(NotAllowed):
        services.repair_case_assign(case=case, actor=handler2, owner=handler2)


def test_other_departments_and_other_roles_may_not_assign(
    case: RepairCase, make_user: Any, handler: Any, quality: Any, agent: Any
) -> None:
    elsewhere = make_user("sup_net", "supervisor", department="network")
    for actor in (elsewhere, quality, agent):
        with pytest.raises(NotAllowed):
            services.repair_case_assign(case=case, actor=actor, owner=handler)
    case.refresh_from_db()
    assert case.owner is None
    assert not timeline(case).filter(type="repair_assigned").exists()


def test_the_owner_is_of_the_cases_department_and_the_case_open(
    case: RepairCase, supervisor: Any, handler: Any, outsider: Any, admin_user: Any
) -> None:
    for owner in (outsider, admin_user, None):  # network's handler; an administrator; nobody
        with pytest.raises(ValidationFailed) as refused:
            services.repair_case_assign(case=case, actor=supervisor, owner=owner)
        assert "owner" in refused.value.fields
    services.repair_case_assign(case=case, actor=supervisor, owner=handler)
    with pytest.raises(ValidationFailed):  # the owner already
        services.repair_case_assign(case=case, actor=supervisor, owner=handler)
    services.repair_case_close(case=case, actor=handler, satisfaction_after=4)
    with pytest.raises(InvalidTransition):
        services.repair_case_assign(case=case, actor=supervisor, owner=supervisor)
    case.refresh_from_db()
    assert case.owner == handler
    assert timeline(case).filter(type="repair_assigned").count() == 1


def test_the_page_assigns_in_place(case: RepairCase, supervisor: Any, handler: Any) -> None:
    client = login(supervisor)
    page = client.get(f"/repair/{case.pk}/").content.decode()
    assert f'hx-post="/repair/{case.pk}/assign/"' in page
    assert f'<option value="{handler.pk}">' in page
    answer = client.post(f"/repair/{case.pk}/assign/", {"owner": handler.pk}, headers=HTMX)
    assert answer.status_code == 200
    card = answer.content.decode()
    assert 'id="repair-assign"' in card
    # The owner's line of the page comes with it, out of band.
    assert '<div id="repair-owner" hx-swap-oob="true">' in card
    assert str(handler) in card
    case.refresh_from_db()
    assert case.owner == handler


def test_bad_input_on_the_page_is_a_clear_error_and_changes_nothing(
    case: RepairCase, supervisor: Any, outsider: Any
) -> None:
    client = login(supervisor)
    for data in ({"owner": outsider.pk}, {"owner": ""}, {"owner": "x"}):
        answer = client.post(f"/repair/{case.pk}/assign/", data, headers=HTMX)
        assert answer.status_code == 422
        text = answer.content.decode()
        assert 'class="errorlist' in text
        assert "负责人须是本工单所属部门的人员" in text or "请选择工单负责人" in text
    # Without script: the page with the error.
    answer = client.post(f"/repair/{case.pk}/assign/", {"owner": outsider.pk})
    assert answer.status_code == 422
    assert "修复工单 R" in answer.content.decode()
    case.refresh_from_db()
    assert case.owner is None


def test_a_handler_sees_take_not_assign_and_others_see_neither(
    case: RepairCase, handler: Any, outsider: Any, quality: Any
) -> None:
    page = login(handler).get(f"/repair/{case.pk}/").content.decode()
    assert "领取此工单" in page  # Take this case
    assert "<select" not in page.split('id="repair-assign"')[1].split("</section>")[0]
    answer = login(handler).post(f"/repair/{case.pk}/assign/", {"owner": handler.pk})
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.owner == handler
    assert 'id="repair-assign"' not in login(handler).get(f"/repair/{case.pk}/").content.decode()
    assert 'id="repair-assign"' not in login(quality).get(f"/repair/{case.pk}/").content.decode()


def test_the_supervisor_finds_the_departments_unassigned_cases(
    case: RepairCase, dissatisfied: Make, supervisor: Any, handler: Any
) -> None:
    other = RepairCase.objects.get(
        customer=dissatisfied(customer_phone="13900139000").complaint.customer_id
    )
    services.repair_case_assign(case=other, actor=supervisor, owner=handler)
    client = login(supervisor)
    listing = client.get("/repair/").content.decode()
    assert 'href="/repair/?status=active&amp;unassigned=on&amp;department=billing"' in listing
    page = client.get("/repair/?status=active&unassigned=on&department=billing").content.decode()
    assert f'data-case="{case.pk}"' in page
    assert f'data-case="{other.pk}"' not in page

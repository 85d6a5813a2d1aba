"""Merge and undo the merge from the API and the complaint page (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, ComplaintEvent

pytestmark = pytest.mark.django_db
Build = Callable[..., Complaint]


def state() -> tuple[list[tuple[Any, ...]], int]:
    """Everything a merge would change: every complaint's status and link, and the events."""
    rows = Complaint.objects.order_by("pk").values_list("status", "duplicate_of", "event_seq")
    return list(rows), ComplaintEvent.objects.count()


def merge_path(number: str) -> str:
    return f"/api/v1/complaints/{number}/merge"


def test_merge_over_the_api_answers_the_complaint_linked(
    complaint_in: Build, supervisor: Any, api_as: Callable[[Any], Any]
) -> None:
    original = complaint_in("in_progress")
    duplicate = complaint_in("dispatched")
    response = api_as(supervisor).post(
        merge_path(duplicate.number), {"into": original.number, "reason": "同一问题重复来电"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["duplicate_of"]) == ("closed", original.number)
    assert ComplaintEvent.objects.filter(
        complaint=original, type=EventType.MERGED, data__duplicate=duplicate.number
    ).exists()


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("itself", 422, "validation_error"),
        ("closed", 422, "validation_error"),
        ("foreign", 422, "validation_error"),
        ("unseen", 422, "validation_error"),
        ("unknown_into", 422, "validation_error"),
        ("unknown_number", 404, "not_found"),
        ("not_mergeable", 409, "invalid_transition"),
        ("no_permission", 403, "forbidden"),
        ("no_reason", 422, "validation_error"),
    ],
)
def test_a_bad_merge_over_the_api_gets_the_error_shape_and_changes_nothing(
    complaint_in: Build,
    supervisor: Any,
    agent: Any,
    handler: Any,
    outsider: Any,
    api_as: Callable[[Any], Any],
    case: str,
    status: int,
    code: str,
) -> None:
    original = complaint_in("in_progress")
    duplicate = complaint_in("dispatched")
    number, into, reason, caller = duplicate.number, original.number, "重复", supervisor
    if case == "itself":
        into = duplicate.number
    elif case == "closed":
        into = complaint_in("closed").number
    elif case == "foreign":
        into = complaint_in("in_progress", customer_phone="13700000004").number
    elif case == "unseen":
        # The same customer's complaint in another department, out of a billing handler's sight.
        into = complaint_in("in_progress", department="network", handler=outsider).number
        caller = handler
    elif case == "unknown_into":
        into = "TS209901010001"
    elif case == "unknown_number":
        number = "TS209901010001"
    elif case == "not_mergeable":
        number = complaint_in("resolved").number
    elif case == "no_permission":
        caller = agent
    elif case == "no_reason":
        reason = ""
    before = state()
    response = api_as(caller).post(merge_path(number), {"into": into, "reason": reason})
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    if status == 422 and case != "no_reason":
        assert list(error["fields"]) == ["into"]
    assert state() == before


def test_unmerge_over_the_api_is_for_administrators(
    complaint_in: Build, supervisor: Any, admin_user: Any, api_as: Callable[[Any], Any]
) -> None:
    original = complaint_in("in_progress")
    duplicate = complaint_in("in_progress")
    api_as(supervisor).post(
        merge_path(duplicate.number), {"into": original.number, "reason": "重复"}
    )
    path = f"/api/v1/complaints/{duplicate.number}/unmerge"
    before = state()
    refused = api_as(supervisor).post(path, {"reason": "误合并"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert state() == before
    response = api_as(admin_user).post(path, {"reason": "误合并"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["duplicate_of"]) == ("in_progress", None)
    again = api_as(admin_user).post(path, {"reason": "误合并"})
    assert again.status_code == 409


def test_the_page_merges_lists_the_duplicate_and_offers_the_admin_the_undo(
    complaint_in: Build, supervisor: Any, admin_user: Any
) -> None:
    original = complaint_in("in_progress")
    duplicate = complaint_in("dispatched")
    client = as_user(supervisor)
    url = reverse("desk:action", args=[duplicate.number, "merge"])
    refused = client.post(url, {"into": duplicate.number, "reason": "重复"})
    assert refused.status_code == 422
    assert Complaint.objects.get(pk=duplicate.pk).status == "dispatched"
    response = client.post(url, {"into": original.number, "reason": "同一笔扣费重复登记"})
    assert response.status_code == 302
    html = page(client.get(reverse("desk:detail", args=[original.number])))
    assert duplicate.number in html  # among its merged duplicates and on its timeline
    assert "同一笔扣费重复登记" in html
    seen_by_supervisor = page(client.get(reverse("desk:detail", args=[duplicate.number])))
    assert 'action-unmerge"' not in seen_by_supervisor
    assert 'action-reopen"' not in seen_by_supervisor
    admin = as_user(admin_user)
    assert 'action-unmerge"' in page(admin.get(reverse("desk:detail", args=[duplicate.number])))
    undo = reverse("desk:action", args=[duplicate.number, "unmerge"])
    assert admin.post(undo, {"reason": "不是同一笔扣费"}).status_code == 302
    assert Complaint.objects.get(pk=duplicate.pk).status == "dispatched"

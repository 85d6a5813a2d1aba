"""`POST /api/v1/complaints/{number}/return` and `/team`, and the same actions on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.routing.models import ExpertTeam, Transfer

URL = "/api/v1/complaints"
Register = Callable[..., Complaint]
Api = Callable[[Any], Any]


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error: dict[str, Any] = response.json()["error"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def lawyer(make_user: Callable[..., User]) -> User:
    return make_user("lawyer", "handler", department="legal")


# ---- return (退单) ------------------------------------------------------------------------------


def test_return_through_the_api(
    api_as: Api, complaint_in: Register, handler: User, outsider: User
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    response = api_as(handler).post(f"{URL}/{complaint.number}/return", {"reason": "非计费问题"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["department"]["code"] == "complaint_office"
    assert body["handler"] is None
    assert Transfer.objects.get(complaint=complaint).kind == "return"


def test_return_refusals(
    api_as: Api,
    complaint_in: Register,
    handler: User,
    outsider: User,
    agent: User,
) -> None:
    complaint = complaint_in("dispatched", handler=handler, customer_phone="13700137000")
    error_of(api_as(agent).post(f"{URL}/{complaint.number}/return", {"reason": "不是"}), 403)
    error_of(api_as(outsider).post(f"{URL}/{complaint.number}/return", {"reason": "不是"}), 404)
    error = error_of(api_as(handler).post(f"{URL}/{complaint.number}/return", {"reason": " "}), 422)
    assert "reason" in error["fields"]
    error_of(api_as(handler).post(f"{URL}/{complaint.number}/return", {}), 422)
    closed = complaint_in("closed")
    error_of(
        api_as(handler).post(f"{URL}/{closed.number}/return", {"reason": "不是"}),
        409,
        "invalid_transition",
    )


# ---- expert team --------------------------------------------------------------------------------


def test_team_through_the_api(
    api_as: Api, complaint_in: Register, supervisor: User, handler: User, lawyer: User
) -> None:
    complaint = complaint_in("dispatched", level="major", handler=handler)
    response = api_as(supervisor).post(
        f"{URL}/{complaint.number}/team", {"lead": "handler", "members": ["lawyer"]}
    )
    assert response.status_code == 200, response.content
    team = ExpertTeam.objects.get(complaint=complaint)
    assert team.lead == handler
    # The member now reads it and writes on its timeline through the API.
    client = api_as(lawyer)
    assert client.get(f"{URL}/{complaint.number}").status_code == 200
    noted = client.post(f"{URL}/{complaint.number}/notes", {"text": "法务意见：可以协商"})
    assert noted.status_code == 200, noted.content


def test_team_refusals(
    api_as: Api, complaint_in: Register, supervisor: User, handler: User, lawyer: User
) -> None:
    major = complaint_in("dispatched", level="major", handler=handler)
    ordinary = complaint_in(
        "dispatched", handler=handler, customer_phone="13700137000", content="宽带装机一直没人上门"
    )
    body = {"lead": "handler", "members": ["lawyer"]}
    error_of(api_as(handler).post(f"{URL}/{major.number}/team", body), 403, "forbidden")
    error = error_of(
        api_as(supervisor).post(f"{URL}/{ordinary.number}/team", body), 409, "invalid_transition"
    )
    assert "重大" in error["message"]
    error = error_of(
        api_as(supervisor).post(
            f"{URL}/{major.number}/team", {"lead": "handler", "members": ["nobody"]}
        ),
        422,
    )
    assert "members" in error["fields"]
    error_of(api_as(supervisor).post(f"{URL}/{major.number}/team", {"members": []}), 422)
    assert not ExpertTeam.objects.exists()


def test_the_detail_lists_the_repeats(
    api_as: Api, register: Register, analyst: User, handler: User
) -> None:
    first = register()
    again = register(channel="app")
    body = api_as(analyst).get(f"{URL}/{first.number}").json()
    assert body["repeats"] == [again.number]
    assert api_as(analyst).get(f"{URL}/{again.number}").json()["repeat_of"] == first.number
    listed = api_as(analyst).get(URL).json()["items"]
    assert all("repeats" not in item for item in listed)


# ---- the complaint page -----------------------------------------------------------------------


def action_url(complaint: Complaint, action: str) -> str:
    return reverse("desk:action", args=[complaint.number, action])


def test_return_on_the_page(register: Register, handler: User) -> None:
    complaint = register()
    client = as_user(handler)
    detail = page(client.get(reverse("desk:detail", args=[complaint.number])))
    assert action_url(complaint, "return") in detail
    assert "规则#" in detail  # why this department
    response = client.post(action_url(complaint, "return"), {"reason": "非计费问题"})
    assert response.status_code == 302
    department = Complaint.objects.get(pk=complaint.pk).department
    assert department is not None
    assert department.code == "complaint_office"


def test_team_on_the_page(
    register: Register, supervisor: User, handler: User, lawyer: User
) -> None:
    complaint = register(level="major")
    url = reverse("desk:detail", args=[complaint.number])
    manager = as_user(supervisor)
    assert action_url(complaint, "team") in page(manager.get(url))
    assert action_url(complaint, "team") not in page(as_user(handler).get(url))
    refused = manager.post(action_url(complaint, "team"), {"lead": "handler"})
    assert refused.status_code == 422  # one department only
    response = manager.post(
        action_url(complaint, "team"), {"lead": "handler", "members": ["lawyer"]}
    )
    assert response.status_code == 302
    member_page = page(as_user(lawyer).get(url))
    assert "lawyer" in member_page
    assert action_url(complaint, "note") in member_page
    assert complaint.number in page(as_user(lawyer).get("/"))


def test_repeat_chain_on_both_pages_and_in_the_customer_view(
    register: Register, handler: User
) -> None:
    first = register()
    again = register(channel="app")
    client = as_user(handler)
    assert first.number in page(client.get(reverse("desk:detail", args=[again.number])))
    assert again.number in page(client.get(reverse("desk:detail", args=[first.number])))
    customer = page(client.get(reverse("customers:detail", args=[first.customer_id])))
    assert customer.count('<span class="badge level-important" title=') == 1  # `again` only

"""Regulator referrals on the desk (issue 17): the API registers the authority's deadlines and
answers every clock; the complaint page shows them beside ours; the reply to the regulator is
one PDF per case."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.pages import as_user, page
from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_accept
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.resolution.services import RemedyInput, complaint_resolve

H = dt.timedelta(hours=1)
RECEIVED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
AUTHORITY_RECEIVED = RECEIVED - 6 * dt.timedelta(days=1)
AUTHORITY_REPLY_DUE = RECEIVED + 6 * H
REPLY = "经核查系宽带端口故障，已于11月20日修复，并按规定减免当月宽带费用。"


@pytest.fixture
def office_handler(make_user: Any) -> User:
    """Referrals of billing complaints go to the complaint office (routing rule #12)."""
    return make_user("office_handler", "handler", "complaint_office")


@pytest.fixture
def office_supervisor(make_user: Any) -> User:
    return make_user("office_supervisor", "supervisor", "complaint_office")


def referral(register: Any, agent: User) -> Complaint:
    with clock.frozen(RECEIVED + dt.timedelta(minutes=5)):
        return register(
            agent,
            channel="regulator",
            external_ref="GD-SG-2026-118",
            received_at=RECEIVED,
            authority="广东省通信管理局",
            authority_received_at=AUTHORITY_RECEIVED,
            authority_reply_due=AUTHORITY_REPLY_DUE,
        )


def test_api_registers_a_referral_and_answers_its_clocks(agent: User, api_as: Any) -> None:
    api = api_as(agent)
    body = {
        "channel": "regulator",
        "content": "用户向通管局申诉：宽带无法使用已一周，多次报修无人上门。",
        "customer": {"phone": "13912345678", "name": "李四"},
        "received_at": RECEIVED.isoformat(),
        "external_ref": "GD-2026-0001",
        "authority": {
            "name": "广东省通信管理局",
            "received_at": AUTHORITY_RECEIVED.isoformat(),
            "reply_due": AUTHORITY_REPLY_DUE.isoformat(),
        },
    }
    with clock.frozen(RECEIVED + H):
        created = api.post("/api/v1/complaints", body)
        assert created.status_code == 201, created.json()
        detail = api.get(f"/api/v1/complaints/{created.json()['number']}").json()
    clocks = {c["name"]: c for c in detail["clocks"]}
    assert list(clocks) == [
        "first_response",
        "resolution",
        "authority_reply",
        "authority_first_contact",
    ]
    assert created.json()["clocks"] == detail["clocks"]
    assert clocks["resolution"]["authority"] is None
    assert clocks["authority_reply"]["authority"] == "广东省通信管理局"
    assert dt.datetime.fromisoformat(clocks["authority_reply"]["due"]) == AUTHORITY_REPLY_DUE
    # An hour in, the authority's reply clock is in the last quarter of its limit (it took six
    # days to reach us): amber; the operator's 24-hour reply runs, its 30-minute first
    # response is already overdue.
    assert clocks["authority_reply"]["state"] == "due_soon"
    assert clocks["resolution"]["state"] == "running"
    assert clocks["first_response"]["state"] == "overdue"
    assert all(c["met_at"] is None for c in detail["clocks"])


def test_every_complaint_answers_the_operator_clocks(
    register: Any, agent: User, api_as: Any
) -> None:
    complaint = register(agent)
    clocks = api_as(agent).get(f"/api/v1/complaints/{complaint.number}").json()["clocks"]
    assert [c["name"] for c in clocks] == ["first_response", "resolution"]
    listed = api_as(agent).get("/api/v1/complaints").json()["items"][0]["clocks"]
    assert listed == clocks


def test_only_a_referral_takes_an_authority(agent: User, api_as: Any) -> None:
    body = {
        "channel": "hotline",
        "content": "话费多扣",
        "customer": {"phone": "13912345678"},
        "authority": {"name": "工信部"},
    }
    answer = api_as(agent).post("/api/v1/complaints", body)
    assert answer.status_code == 422
    assert "authority" in answer.json()["error"]["fields"]
    assert not Complaint.objects.exists()


def test_a_deadline_before_the_authority_received_it_is_refused(agent: User, api_as: Any) -> None:
    body = {
        "channel": "regulator",
        "content": "用户申诉",
        "customer": {"phone": "13912345678"},
        "received_at": RECEIVED.isoformat(),
        "authority": {
            "received_at": AUTHORITY_RECEIVED.isoformat(),
            "reply_due": (AUTHORITY_RECEIVED - H).isoformat(),
        },
    }
    with clock.frozen(RECEIVED + H):
        answer = api_as(agent).post("/api/v1/complaints", body)
    assert answer.status_code == 422
    assert "authority.reply_due" in answer.json()["error"]["fields"]


# ---- the complaint page ------------------------------------------------------------------------


def test_the_page_shows_the_authority_clocks_beside_ours(
    register: Any, agent: User, office_handler: User
) -> None:
    complaint = referral(register, agent)
    with clock.frozen(AUTHORITY_REPLY_DUE - H):
        html = page(as_user(office_handler).get(reverse("desk:detail", args=[complaint.number])))
    clocks = html[html.index('class="ws-clocks"') : html.index("</dl>")]
    # Ours (reply, first response) and the regulator's two, side by side in the header.
    assert clocks.count("<dt") == 4
    assert clocks.count("ws-clock-authority") == 2
    assert "监管·答复" in clocks
    assert "监管·首次联系" in clocks
    # An hour before the regulator's six-hour reply deadline: amber.
    assert "due-warn" in clocks
    assert "广东省通信管理局 GD-SG-2026-118" in html
    assert reverse("desk:authority_reply", args=[complaint.number]) in html


def test_other_complaints_show_only_ours(register: Any, agent: User, office_handler: User) -> None:
    complaint = register(agent)
    html = page(as_user(office_handler).get(reverse("desk:detail", args=[complaint.number])))
    assert "ws-clock-authority" not in html
    assert "authority-reply.pdf" not in html
    answer = as_user(office_handler).get(reverse("desk:authority_reply", args=[complaint.number]))
    assert answer.status_code == 404


# ---- the reply to the regulator -------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_the_reply_to_the_regulator(register: Any, agent: User, office_handler: User) -> None:
    complaint = referral(register, agent)
    with clock.frozen(RECEIVED + H):
        complaint = complaint_accept(complaint=complaint, actor=office_handler)
    with clock.frozen(AUTHORITY_REPLY_DUE + H):  # an hour late for the regulator
        complaint_resolve(
            complaint=complaint,
            actor=office_handler,
            finding="true",
            cause="process_error",
            responsible_department=Department.objects.get(code="billing"),
            remedies=[RemedyInput("refund", Decimal("58"))],
            reply=REPLY,
        )
        answer = as_user(office_handler).get(
            reverse("desk:authority_reply", args=[complaint.number])
        )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert f"{complaint.number}-regulator-reply.pdf" in answer["Content-Disposition"]
    text = pdf_text(answer.content).replace(" ", "")
    for expected in ("广东省通信管理局", "GD-SG-2026-118", complaint.number, "¥58.00"):
        assert expected in text
    assert REPLY[:12] in text
    # Its deadlines and whether we kept them: first contact on time, the reply late.
    assert "（按时）" in text
    assert "（超时）" in text


def test_the_reply_masks_the_customer_to_a_role_that_may_not_see_them(
    register: Any, agent: User, office_handler: User, quality: User, outsider: User
) -> None:
    complaint = referral(register, agent)
    url = reverse("desk:authority_reply", args=[complaint.number])
    assert "13800138000" in pdf_text(as_user(office_handler).get(url).content)
    masked = as_user(quality).get(url)
    assert masked.status_code == 200
    assert "13800138000" not in pdf_text(masked.content)
    assert "138****8000" in pdf_text(masked.content)
    refused = as_user(outsider).get(reverse("desk:authority_reply", args=[complaint.number]))
    assert refused.status_code == 404

"""Emotion and risk assessed at registration (R2.4, R2.6), the watch list, and special
customers (R13.3) as the staff and the API see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import watch_list
from tousu.core import clock
from tousu.core.errors import NotAllowed
from tousu.core.reasons import reason_text, reasons_text
from tousu.customers.services import customer_special_set

pytestmark = pytest.mark.django_db

Register = Callable[..., Complaint]
RISKY = "话费多扣了58元，再不处理我就投诉到工信部，还要找媒体曝光你们"
PLAIN = "上个月话费无故多扣了58元，客服说查不到原因"


def test_risky_hotline_complaint_is_raised_and_watched(
    register: Register, agent: User, supervisor: User, settings: Any
) -> None:
    complaint = register(actor=agent, content=RISKY)
    assert complaint.risk_score is not None
    assert complaint.risk_score >= settings.TOUSU_RISK_HIGH
    assert complaint.level == "important"  # raised one step from ordinary
    assert reasons_text(complaint.risk_reasons) == "提到向工信部申诉；提到媒体曝光"
    assert complaint.anger == 0.0
    assert complaint.urgency == 0.0
    registered = complaint.events.get(type="registered")
    assert registered.data["level"] == "important"
    assert registered.data["risk"] == {
        "score": complaint.risk_score,
        "reasons": complaint.risk_reasons,
    }
    assert registered.data["emotion"] == {"anger": 0.0, "urgency": 0.0}
    assert list(watch_list(supervisor)) == [complaint]


def test_plain_complaint_is_low_risk_and_unchanged(
    register: Register, agent: User, supervisor: User
) -> None:
    complaint = register(actor=agent, content=PLAIN)
    assert complaint.risk_score == 0.0
    assert complaint.risk_reasons == []
    assert complaint.level == "ordinary"
    assert list(watch_list(supervisor)) == []


def test_risk_never_raises_past_major_nor_lowers(register: Register, agent: User) -> None:
    assert register(actor=agent, content=RISKY, level="major").level == "major"
    media = register(actor=agent, content=RISKY, channel="media", customer_phone="13900139000")
    assert media.level == "over_level"


def test_third_complaint_in_30_days_says_so(register: Register, agent: User) -> None:
    now = clock.now()
    register(actor=agent, received_at=now - dt.timedelta(days=20))
    register(
        actor=agent, content="宽带一直断线", category="", received_at=now - dt.timedelta(days=5)
    )
    third = register(actor=agent, content="手机信号很差，打不了电话", category="")
    assert "30天内第3次投诉" in reasons_text(third.risk_reasons)
    old = register(
        actor=agent, customer_phone="13700137000", received_at=now - dt.timedelta(days=40)
    )
    second = register(actor=agent, customer_phone="13700137000", content="宽带一直断线")
    assert old.risk_reasons == []
    assert "天内" not in reasons_text(second.risk_reasons)


def test_professional_complainant_adds_risk(
    register: Register, agent: User, supervisor: User
) -> None:
    first = register(actor=agent)
    customer_special_set(
        customer=first.customer, actor=supervisor, special_type="professional", note=""
    )
    later = register(actor=agent, customer_phone=first.customer.phone, content="宽带一直断线")
    assert "职业投诉人" in reasons_text(later.risk_reasons)


def test_api_shows_risk_and_emotion(
    register: Register, agent: User, api_as: Callable[[Any], Any]
) -> None:
    complaint = register(actor=agent, content=RISKY + "，气死我了，马上处理")
    body = api_as(agent).get(f"/api/v1/complaints/{complaint.number}").json()
    reasons = [reason_text(r) for r in complaint.risk_reasons]
    assert body["risk"] == {"score": complaint.risk_score, "reasons": reasons}
    assert body["emotion"] == {"anger": complaint.anger, "urgency": complaint.urgency}
    assert body["emotion"]["anger"] > 0
    assert body["emotion"]["urgency"] > 0
    Complaint.objects.filter(pk=complaint.pk).update(risk_score=None, anger=None, urgency=None)
    body = api_as(agent).get(f"/api/v1/complaints/{complaint.number}").json()
    assert body["risk"] is None
    assert body["emotion"] is None
    listed = api_as(agent).get("/api/v1/complaints").json()["items"][0]
    assert "risk" in listed
    assert "emotion" in listed


def test_watch_page_is_scoped(
    register: Register, agent: User, supervisor: User, make_user: Callable[..., Any]
) -> None:
    complaint = register(actor=agent, content=RISKY)
    text = page(as_user(supervisor).get(reverse("desk:watch")))
    assert complaint.number in text
    assert reverse("desk:watch") in text  # in the nav
    network_supervisor = make_user("netsup", "supervisor", department="network")
    response = as_user(network_supervisor).get(reverse("desk:watch"))
    assert response.status_code == 200
    assert complaint.number not in page(response)
    assert list(watch_list(network_supervisor)) == []


def test_watch_page_is_for_supervisors_and_above(agent: User, handler: User) -> None:
    for user in (agent, handler):
        response = as_user(user).get(reverse("desk:watch"))
        assert response.status_code == 403
        home = page(as_user(user).get(reverse("desk:queue")))
        assert reverse("desk:watch") not in home


def test_complaint_page_shows_risk_and_special_tips(
    register: Register, agent: User, supervisor: User, handler: User
) -> None:
    complaint = register(actor=agent, content=RISKY)
    customer_special_set(
        customer=complaint.customer, actor=supervisor, special_type="irritable", note="晚上来电"
    )
    text = page(as_user(handler).get(reverse("desk:detail", args=[complaint.number])))
    assert "提到向工信部申诉" in text
    assert "提到媒体曝光" in text
    assert "先让客户把话说完" in text  # the irritable customer's handling tips
    assert "晚上来电" in text
    text = page(as_user(handler).get(reverse("customers:detail", args=[complaint.customer_id])))
    assert "先让客户把话说完" in text
    assert reverse("customers:special", args=[complaint.customer_id]) not in text  # no form
    english = as_user(handler)
    english.cookies["django_language"] = "en"
    text = page(english.get(reverse("desk:detail", args=[complaint.number])))
    assert "Let the customer finish" in text  # the tips in the reader's language
    assert "先让客户把话说完" not in text


def test_supervisor_edits_special_profile_agent_is_refused(
    register: Register, agent: User, supervisor: User
) -> None:
    complaint = register(actor=agent)
    url = reverse("customers:special", args=[complaint.customer_id])
    detail = reverse("customers:detail", args=[complaint.customer_id])
    assert url in page(as_user(supervisor).get(detail))
    response = as_user(supervisor).post(
        url, {"special_type": "drunk", "special_note": "常酒后来电"}
    )
    assert response.status_code == 302
    complaint.customer.refresh_from_db()
    assert complaint.customer.special_type == "drunk"
    assert complaint.customer.special_note == "常酒后来电"
    assert as_user(agent).post(url, {"special_type": ""}).status_code == 403
    complaint.customer.refresh_from_db()
    assert complaint.customer.special_type == "drunk"
    with pytest.raises(NotAllowed):
        customer_special_set(customer=complaint.customer, actor=agent, special_type="", note="")
    as_user(supervisor).post(url, {"special_type": "", "special_note": ""})
    complaint.customer.refresh_from_db()
    assert complaint.customer.special_type == ""

"""Registering complaints: the agent's form with its customer look-up, and the customer's own
public pages (submit, status) with their rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.pages import as_user, page
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db


REGISTER = {
    "channel": "hotline",
    "customer_phone": "139-1234-5678",
    "customer_name": "李四",
    "region": "nanjing",
    "customer_account": "",
    "content": "宽带三天没网，报修了也没人来",
    "demand": "尽快上门维修并减免月租",
    "received_at": "2026-01-05T09:30",
    "category": "",
    "level": "",
}


def test_register_form_creates_and_redirects(agent: Any) -> None:
    client = as_user(agent)
    form = client.get(reverse("desk:register"))
    assert form.status_code == 200
    assert 'hx-get="/register/customer/"' in page(form)
    assert "keyup changed delay:300ms" in page(form)

    response = client.post(reverse("desk:register"), REGISTER, follow=True)
    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == reverse("desk:detail", args=[complaint.number])
    assert f"投诉 {complaint.number} 已登记" in page(response)
    assert complaint.customer.phone == "13912345678"
    assert complaint.region is not None
    assert complaint.region.code == "nanjing"
    assert complaint.demand == "尽快上门维修并减免月租"
    assert complaint.registered_by == agent
    assert complaint.received_at.isoformat() == "2026-01-05T01:30:00+00:00"  # Shanghai time


def test_registering_a_known_number_under_another_name_says_so(agent: Any) -> None:
    """The phone is 刘洋's in 苏州 already: the complaint goes to 刘洋, and the agent is told
    that the name and region typed were not used (they were dropped without a word)."""
    from tousu.accounts.models import Region
    from tousu.customers.models import Customer

    Customer.objects.create(
        phone="13912345678", name="刘洋", region=Region.objects.get(code="suzhou")
    )
    response = as_user(agent).post(reverse("desk:register"), REGISTER, follow=True)
    complaint = Complaint.objects.get()
    assert complaint.customer.name == "刘洋"
    shown = page(response)
    assert "此电话号码已是客户 刘*（苏州）的号码" in shown
    assert "刘洋" not in shown  # masked for an agent
    again = as_user(agent).post(
        reverse("desk:register"), {**REGISTER, "customer_name": "刘洋", "region": "suzhou"},
        follow=True,
    )  # fmt: skip
    assert "此电话号码已是客户" not in page(again)


def test_register_form_shows_service_errors_and_saves_nothing(agent: Any) -> None:
    response = as_user(agent).post(
        reverse("desk:register"), {**REGISTER, "customer_phone": "12345"}
    )
    assert response.status_code == 422
    assert "电话号码无效" in page(response)
    assert not Complaint.objects.exists()


def test_register_needs_a_registering_role(analyst: Any) -> None:
    assert as_user(analyst).get(reverse("desk:register")).status_code == 403


def test_customer_lookup_shows_masked_history(register: Callable[..., Any], agent: Any) -> None:
    earlier = register()
    url = reverse("desk:customer_lookup")
    text = page(as_user(agent).get(url, {"customer_phone": "138 0013 8000"}))
    assert earlier.number in text
    assert "张*" in text
    assert "138****8000" in text
    assert "张三" not in text
    assert "13800138000" not in text

    assert "新客户" in page(as_user(agent).get(url, {"customer_phone": "13911112222"}))
    assert "输入完整号码" in page(as_user(agent).get(url, {"customer_phone": "139"}))


def test_customer_lookup_keeps_to_the_users_scope(
    register: Callable[..., Any], outsider: Any
) -> None:
    earlier = register()
    text = page(
        as_user(outsider).get(reverse("desk:customer_lookup"), {"customer_phone": "13800138000"})
    )
    assert earlier.number not in text


# ---- public pages ---------------------------------------------------------------------------


PUBLIC = {
    "phone": "13700001111",
    "name": "王五",
    "content": "营业员办理业务时态度很差",
    "demand": "",
}


def test_public_submit_gives_a_receipt(client: Client, reference: None) -> None:
    assert client.get(reverse("intake:public_submit")).status_code == 200
    response = client.post(reverse("intake:public_submit"), PUBLIC, follow=True)
    complaint = Complaint.objects.get()
    text = page(response)
    assert response.redirect_chain == [(reverse("intake:public_receipt"), 302)]
    assert response.status_code == 200
    assert complaint.number in text
    assert complaint.channel == "web"
    assert complaint.registered_by is None
    due = complaint.resolution_due.astimezone(complaint.received_at.tzinfo)
    assert "承诺答复时间" in text
    assert timezone_local(due) in text
    assert complaint.events.first().actor_name == "customer"  # type: ignore[union-attr]


def timezone_local(moment: Any) -> str:
    from tousu.core.clock import local

    return local(moment).strftime("%Y-%m-%d %H:%M")


def test_refreshing_the_receipt_does_not_file_the_complaint_again(
    client: Client, reference: None
) -> None:
    client.post(reverse("intake:public_submit"), PUBLIC)
    first = client.get(reverse("intake:public_receipt"))
    again = client.get(reverse("intake:public_receipt"))
    number = Complaint.objects.get().number
    assert number in page(first)
    assert number in page(again)
    assert Complaint.objects.count() == 1


def test_the_receipt_page_shows_nothing_to_a_browser_that_submitted_nothing(
    client: Client, reference: None
) -> None:
    response = client.get(reverse("intake:public_receipt"))
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:public_submit")


def test_public_submit_validates(client: Client, reference: None) -> None:
    response = client.post(reverse("intake:public_submit"), {**PUBLIC, "phone": "not a phone"})
    assert response.status_code == 422
    assert "电话号码无效" in page(response)
    assert not Complaint.objects.exists()


def test_public_status_lookup(client: Client, register: Callable[..., Any]) -> None:
    complaint = register()
    url = reverse("intake:public_status")
    ok = client.post(url, {"number": complaint.number.lower(), "phone": "138 0013 8000"})
    assert ok.status_code == 200
    assert "已派单" in page(ok)

    wrong = client.post(url, {"number": complaint.number, "phone": "13900000000"})
    assert wrong.status_code == 404
    assert "未找到该投诉" in page(wrong)
    assert "已派单" not in page(wrong)


def test_a_note_for_the_customer_reaches_their_status_page_and_an_internal_one_does_not(
    client: Client, register: Callable[..., Any], handler: Any, api_as: Callable[[Any], Any]
) -> None:
    """API.md's notes `{"text", "internal"}`: internal (the default) stays with staff; a note
    with internal false is shown to the customer, on the page and the public API, and the
    timeline says so. The complaint page's note form has the same choice."""
    complaint = register()
    staff_api = api_as(handler)
    url = f"/api/v1/complaints/{complaint.number}/notes"
    assert staff_api.post(url, {"text": "客户脾气急，注意措辞"}).status_code == 200
    assert staff_api.post(url, {"text": "工程师明天上午上门", "internal": False}).status_code == 200
    as_user(handler).post(
        reverse("desk:action", args=[complaint.number, "note"]),
        {"text": "已联系计费中心核查", "for_customer": "on"},
    )
    shown = page(
        client.post(
            reverse("intake:public_status"), {"number": complaint.number, "phone": "13800138000"}
        )
    )
    assert "工程师明天上午上门" in shown
    assert "已联系计费中心核查" in shown
    assert "注意措辞" not in shown
    body = client.get(
        f"/api/v1/public/complaints/{complaint.number}", {"phone": "13800138000"}
    ).json()
    assert [u["text"] for u in body["updates"]] == ["工程师明天上午上门", "已联系计费中心核查"]
    timeline = page(as_user(handler).get(reverse("desk:detail", args=[complaint.number])))
    assert timeline.count('<span class="muted">客户可见</span>是') == 2


def test_public_pages_are_rate_limited(client: Client, reference: None, settings: Any) -> None:
    settings.TOUSU_PUBLIC_RATE_LIMIT = 2
    url = reverse("intake:public_submit")
    for _ in range(2):
        assert client.post(url, PUBLIC).status_code == 302  # to the receipt
    refused = client.post(url, PUBLIC)
    assert refused.status_code == 429
    assert "请求过于频繁" in page(refused)
    assert Complaint.objects.count() == 2

    status_url = reverse("intake:public_status")
    for _ in range(2):
        client.post(status_url, {"number": "TS202601010001", "phone": "13700001111"})
    assert client.post(status_url, {"number": "x", "phone": "y"}).status_code == 429
    # Another address is not affected.
    other = client.post(status_url, {"number": "x", "phone": "y"}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 404

"""Issue 13 (Words): every generated reason is stored as a code and its parameters, and read in
the reader's language — on the complaint page, in the API, in the notification list — while
e-mail and webhooks keep the office's Chinese text, with the codes beside it for receivers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint
from tousu.resolution.models import Approval

RISKY = "再不解决我就找工信部，还要找媒体曝光"


def page(client: Client, user: User, path: str, language: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def api_get(api: Any, path: str, language: str) -> Any:
    response = api.client.get(path, **api.headers, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.json()


def test_routing_and_risk_reasons_read_in_the_readers_language(
    register: Callable[..., Complaint],
    agent: User,
    admin_user: User,
    client: Client,
    api_as: Callable[[Any], Any],
) -> None:
    complaint = register(
        actor=agent, channel="regulator", category="billing.roaming", content=RISKY
    )
    assert complaint.routing_reason["code"] == "routing.rule"
    codes = {r["code"] for r in complaint.risk_reasons}
    assert {"risk.regulator", "risk.marker.miit", "risk.marker.media"} <= codes
    path = f"/complaints/{complaint.number}/"

    chinese = page(client, admin_user, path, "zh-hans")
    assert "渠道「工信部/通管局转办」" in chinese
    assert "提到向工信部申诉；由监管部门转来" in chinese
    english = page(client, admin_user, path, "en")
    assert "channel «Regulator referral»" in english
    assert "Mentions an appeal to the MIIT; Forwarded by the regulator" in english
    assert "提到向工信部申诉" not in english
    assert "渠道「" not in english

    api = api_as(admin_user)
    url = f"/api/v1/complaints/{complaint.number}"
    assert api_get(api, url, "en")["risk"]["reasons"][:2] == [
        "Mentions an appeal to the MIIT",
        "Forwarded by the regulator",
    ]
    assert api_get(api, url, "zh-hans")["risk"]["reasons"][:2] == [
        "提到向工信部申诉",
        "由监管部门转来",
    ]
    # The timeline's events store the code; the API reads them as text, the codes beside.
    events = api_get(api, f"{url}/timeline", "en")["items"]
    dispatched = next(e for e in events if e["type"] == "dispatched")["data"]
    assert dispatched["rule"].startswith("Rule #")
    assert dispatched["reason_codes"][0]["code"] == "routing.rule"
    registered = next(e for e in events if e["type"] == "registered")["data"]
    assert "Mentions an appeal to the MIIT" in registered["risk"]["reasons"]


def test_authority_reasons_read_in_the_readers_language_and_go_out_in_chinese(
    lifecycle: Callable[..., Complaint],
    supervisor: User,
    client: Client,
) -> None:
    WebhookEndpoint.objects.create(name="crm", url="https://crm.example/hook", secret="s")
    complaint = lifecycle("awaiting_approval")
    approval = Approval.objects.get(complaint=complaint)
    assert approval.reasons[0]["code"] == "authority.per_complaint"
    path = f"/complaints/{complaint.number}/"
    assert "合计 258 元超出单笔授权 200 元" in page(client, supervisor, path, "zh-hans")
    english = page(client, supervisor, path, "en")
    assert "Total 258 yuan is over the per-complaint authority of 200 yuan" in english
    assert "超出单笔授权" not in english

    hook = Delivery.objects.get(channel="webhook", event="approval_requested").payload["data"]
    assert hook["reasons"] == ["合计 258 元超出单笔授权 200 元"]  # as receivers always read it
    assert hook["reason_codes"] == [
        {
            "field": "reasons",
            "code": "authority.per_complaint",
            "params": {"remedy": "total", "amount": "258.00", "limit": "200.00"},
        }
    ]


def test_notices_are_read_in_the_readers_language_and_mailed_in_chinese(
    register: Callable[..., Complaint], agent: User, handler: User, client: Client
) -> None:
    User.objects.filter(pk=handler.pk).update(email="handler@example.com")
    handler.refresh_from_db()
    complaint = register(actor=agent)
    assert complaint.handler == handler
    notice = Notification.objects.get(user=handler, kind="assigned")
    assert notice.message == {"code": "notice.assigned", "params": {"number": complaint.number}}
    assert notice.text == f"投诉单 {complaint.number} 已分派给你"
    mail = Delivery.objects.get(channel="email", recipient="handler@example.com")
    assert mail.payload["text"] == notice.text
    assert "已分派给你" in mail.subject

    assert f"投诉单 {complaint.number} 已分派给你" in page(
        client, handler, "/notifications/", "zh-hans"
    )
    english = page(client, handler, "/notifications/", "en")
    assert f"Complaint {complaint.number} is assigned to you" in english
    assert "已分派给你" not in english


def test_notices_stored_as_text_before_codes_still_read_in_english(
    register: Callable[..., Complaint], agent: User, handler: User, client: Client
) -> None:
    complaint = register(actor=agent)
    Notification.objects.filter(user=handler).update(
        message=None, text=f"投诉单 {complaint.number} 将于 12-06 17:00 到期，请及时处理"
    )
    english = page(client, handler, "/notifications/", "en")
    assert f"Complaint {complaint.number} is due at 12-06 17:00: please handle it in time" in (
        english
    )


def test_routing_reason_names_the_department_and_category_in_the_readers_language(
    register: Callable[..., Complaint],
    agent: User,
    admin_user: User,
    client: Client,
    api_as: Callable[[Any], Any],
) -> None:
    complaint = register(actor=agent)
    assert complaint.routing_reason["code"] == "routing.rule"
    rule = complaint.routing_reason["params"]["rule"]
    category = complaint.category
    assert category is not None
    path = f"/complaints/{complaint.number}/"

    english = page(client, admin_user, path, "en")
    assert f"Rule #{rule}: category «" in english
    assert "→ Billing centre" in english
    assert "→ 计费中心" not in english
    assert "«资费计费»" not in english
    assert f"«{category.name}»" not in english

    chinese = page(client, admin_user, path, "zh-hans")
    assert "→ 计费中心" in chinese
    assert "→ Billing centre" not in chinese

    # The API's timeline reads the parameters as text, in the caller's language.
    api = api_as(admin_user)
    url = f"/api/v1/complaints/{complaint.number}/timeline"
    for language, department in (("en", "Billing centre"), ("zh-hans", "计费中心")):
        events = api_get(api, url, language)["items"]
        dispatched = next(e for e in events if e["type"] == "dispatched")["data"]
        assert dispatched["rule"].endswith(f"→ {department}")
        params = dispatched["reason_codes"][0]["params"]
        assert params["department"] == department
        assert all(isinstance(value, str) for _field, value in params["criteria"])

"""The WeChat official account's webhook, spoken to as WeChat does: the request signed with the
token (SHA-1 of the sorted token, timestamp and nonce), the message as WeChat's XML, the answer
read back as the passive-reply XML a follower's phone would show."""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from django.test import Client

from tousu.complaints.models import Complaint
from tousu.customers.models import Customer
from tousu.intake.models import WeChatInbound, WeChatNonce
from tousu.intake.wechat.rules import text_read
from tousu.messages.models import Message
from tousu.notifications.models import Notification

pytestmark = pytest.mark.django_db

TOKEN = "tousu-wechat-token"
ACCOUNT = "gh_3a9c1e2f7b10"
URL = "/public/wechat/"
_nonces = itertools.count(1_234_567_001)
_msg_ids = itertools.count(24_000_000_000_000_001)


@pytest.fixture(autouse=True)
def _account(settings: Any, reference: None) -> None:
    settings.TOUSU_WECHAT_TOKEN = TOKEN


def wechat_query(
    *, timestamp: int | None = None, nonce: str | None = None, token: str = TOKEN
) -> str:
    """The query string WeChat appends: timestamp, nonce and their signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or str(next(_nonces))
    signature = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()  # noqa: S324
    return f"signature={signature}&timestamp={ts}&nonce={nonce}"


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    msg_id = next(_msg_ids) if msg_id is None else msg_id
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )


def post(client: Client, body: str, query: str | None = None) -> Any:
    return client.post(
        f"{URL}?{query or wechat_query()}", data=body.encode(), content_type="text/xml"
    )


def said(response: Any, openid: str) -> str:
    """The text of the passive reply, after checking it is addressed as WeChat wants."""
    assert response.status_code == 200, response.content
    root = fromstring(response.content)
    assert root.findtext("ToUserName") == openid
    assert root.findtext("FromUserName") == ACCOUNT
    assert root.findtext("MsgType") == "text"
    return root.findtext("Content") or ""


def nothing_written() -> bool:
    return not (
        Complaint.objects.exists()
        or WeChatInbound.objects.exists()
        or WeChatNonce.objects.exists()
        or Message.objects.exists()
    )


def test_server_verification_echoes_echostr_once(client: Client) -> None:
    query = wechat_query() + "&echostr=7431086152294711234"
    response = client.get(f"{URL}?{query}")
    assert (response.status_code, response.content) == (200, b"7431086152294711234")
    assert client.get(f"{URL}?{query}").status_code == 403  # the same nonce again


def test_forged_signature_is_refused_and_writes_nothing(client: Client) -> None:
    body = text_xml("o_forger", "13800138000 宽带每天晚上断网，要求退费")
    assert post(client, body, wechat_query(token="guessed-token")).status_code == 403
    assert post(client, body, "timestamp=1&nonce=2").status_code == 403
    assert client.get(f"{URL}?{wechat_query(token='x')}&echostr=1").status_code == 403
    assert nothing_written()


def test_replayed_or_stale_request_is_refused(client: Client) -> None:
    query = wechat_query()
    body = text_xml("o_alice", "13800138000 宽带每天晚上断网，要求退费")
    assert post(client, body, query).status_code == 200
    replay = post(client, text_xml("o_alice", "13800138000 又断网了，再登记一次"), query)
    assert replay.status_code == 403
    stale = wechat_query(timestamp=int(time.time()) - 3600)
    assert post(client, text_xml("o_alice", "13800138000 一小时前的请求"), stale).status_code == 403
    assert Complaint.objects.count() == 1


def test_the_same_message_three_times_registers_one_complaint(client: Client) -> None:
    body = text_xml("o_bob", "13912345678 手机套餐被多扣了30元，请退还", msg_id=24000000000000999)
    replies = [said(post(client, body), "o_bob") for _ in range(3)]  # WeChat's retries
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.customer.phone) == ("wechat", "13912345678")
    assert complaint.number in replies[0]
    assert replies == [replies[0]] * 3
    assert complaint.customer.wechat_openid == "o_bob"
    ack = Message.objects.get(complaint=complaint)
    assert (ack.direction, ack.channel, ack.kind, ack.status) == (
        "out",
        "wechat",
        "acknowledgement",
        "sent",
    )
    assert ack.address == "o_bob"
    assert ack.text == replies[0]


def test_a_description_waits_for_the_phone_then_registers(client: Client) -> None:
    asked = said(post(client, text_xml("o_carol", "我家宽带从上周开始每天晚上都断网")), "o_carol")
    assert "手机号" in asked
    assert not Complaint.objects.exists()
    registered = said(post(client, text_xml("o_carol", "13600001111")), "o_carol")
    complaint = Complaint.objects.get()
    assert complaint.number in registered
    assert complaint.content == "我家宽带从上周开始每天晚上都断网"
    assert Customer.objects.get(phone="13600001111").wechat_openid == "o_carol"


def test_follower_adds_to_open_complaint_and_asks_for_status(
    client: Client, make_user: Any
) -> None:
    said(post(client, text_xml("o_dan", "13700002222 话费账单里有一笔不认识的增值业务费")), "o_dan")
    complaint = Complaint.objects.get()
    added = said(post(client, text_xml("o_dan", "补充：扣费是11月3日，金额10元")), "o_dan")
    assert complaint.number in added
    message = Message.objects.get(direction="in")
    assert (message.complaint, message.channel, message.text) == (
        complaint,
        "wechat",
        "补充：扣费是11月3日，金额10元",
    )
    if complaint.handler is not None:
        assert Notification.objects.filter(user=complaint.handler, kind="customer_message").exists()
    status = said(post(client, text_xml("o_dan", "进度")), "o_dan")
    assert complaint.number in status
    assert "答复" in status
    by_number = said(post(client, text_xml("o_dan", f"查询 {complaint.number}")), "o_dan")
    assert complaint.number in by_number
    # Someone else asking for that number learns nothing about it.
    other = said(post(client, text_xml("o_eve", f"查询 {complaint.number}")), "o_eve")
    assert "没有" in other
    assert "答复" not in other
    assert Complaint.objects.count() == 1


def test_new_complaint_keyword_registers_another(client: Client) -> None:
    said(post(client, text_xml("o_fay", "13500003333 宽带网速只有签约的一半")), "o_fay")
    said(post(client, text_xml("o_fay", "新投诉 营业厅办理携号转网被拒绝")), "o_fay")
    assert Complaint.objects.filter(customer__phone="13500003333").count() == 2


def test_subscribe_welcomes_and_other_messages_are_answered_politely(client: Client) -> None:
    assert "手机号" in said(post(client, event_xml("o_gus", "subscribe")), "o_gus")
    image = text_xml("o_gus", "x").replace("[text]", "[image]")
    assert "文字" in said(post(client, image), "o_gus")
    unsubscribed = post(client, event_xml("o_gus", "unsubscribe"))
    assert (unsubscribed.status_code, unsubscribed.content) == (200, b"success")
    assert not Complaint.objects.exists()


def test_hostile_bodies_are_refused(client: Client, settings: Any) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<xml><FromUserName>&b;</FromUserName><MsgType>text</MsgType></xml>"
    )
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY f SYSTEM "file:///etc/passwd">]>'
        "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&f;</Content></xml>"
    )
    assert post(client, laughs).status_code == 400
    assert post(client, xxe).status_code == 400
    assert post(client, "not xml").status_code == 400
    huge = text_xml("o_hal", "宽带" * 20_000)
    assert post(client, huge).status_code == 413
    safe_mode = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>AAAA</Encrypt></xml>"
    assert post(client, safe_mode).status_code == 400
    assert not Complaint.objects.exists()
    assert not Message.objects.exists()
    settings.TOUSU_WECHAT_RATE_LIMIT = 0
    assert post(client, text_xml("o_hal", "13800138000 断网")).status_code == 429


def test_webhook_is_off_without_a_token(client: Client, settings: Any) -> None:
    settings.TOUSU_WECHAT_TOKEN = ""
    assert post(client, text_xml("o_ivy", "13800138000 断网三天了")).status_code == 404


def test_reading_a_followers_text() -> None:
    ask = text_read("138 0013 8000，宽带每天晚上断网")
    assert (ask.phone, ask.description, ask.status) == ("13800138000", "宽带每天晚上断网", False)
    assert text_read("进度").status
    assert text_read("查询 ts202612060001").number == "TS202612060001"
    assert not text_read("我想查询一下为什么宽带还没修好，已经三天了").status
    assert text_read("新投诉 营业厅办理携号转网被拒绝").new

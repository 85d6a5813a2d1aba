"""Each transport against a real peer on 127.0.0.1: an SMTP server (aiosmtpd), an SMS centre
speaking SMPP 3.4 (tests/smsc.py, its own protocol code), an HTTP SMS platform (http.server).
A message leaves once, after commit, through the `messages.send` job; receipts mark it
delivered or failed, once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.messages import gateway
from tousu.messages.models import Message
from tousu.messages.services import Outgoing, message_queue
from tousu.messages.tests import smsc as smsc_module

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)
CI = os.environ.get("CI") == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def quiet(complaint: Any) -> Any:
    """The complaint without its acknowledgement, for tests of one message's journey (the
    acknowledgement's own is test_the_acknowledgement_leaves_by_sms_once)."""
    Message.objects.filter(complaint=complaint, kind="acknowledgement").delete()
    return complaint


def _queue(complaint: Any, text: str, **fields: Any) -> Message:
    return message_queue(
        complaint=complaint, outgoing=Outgoing(kind="free", text=text, **fields), actor=None
    )


# --- SMTP ---------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, *_: Any):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((envelope.rcpt_tos, parsed))
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    try:
        controller.start()
    except Exception:
        if CI:
            raise
        pytest.skip("cannot start an SMTP server on 127.0.0.1")
    settings.TOUSU_CUSTOMER_EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.TOUSU_CUSTOMER_EMAIL_FROM = "kefu@tousu.example.cn"
    settings.TOUSU_CUSTOMER_EMAIL_REPLY_TO = "tousu@tousu.example.cn"
    yield inbox
    controller.stop()


def test_an_email_leaves_once_after_commit_with_the_number_in_its_subject(
    register: Callable[..., Any], smtp_server: Inbox
) -> None:
    complaint = quiet(register())
    complaint.customer.email = "zhang.wei@example.cn"
    complaint.customer.preferred_channel = "email"
    complaint.customer.save()
    with clock.frozen(NOON):
        message = _queue(complaint, "您的投诉已受理，我们将在48小时内答复。", subject="投诉已受理")
        jobs.run("messages.send")
        jobs.run("messages.send")
    assert len(smtp_server.mails) == 1
    recipients, mail = smtp_server.mails[0]
    assert recipients == ["zhang.wei@example.cn"]
    assert mail["Subject"] == f"[{complaint.number}] 投诉已受理"
    assert mail["Reply-To"] == "tousu@tousu.example.cn"
    assert mail["From"] == "kefu@tousu.example.cn"
    assert "48小时内答复" in mail.get_content()
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", mail["Message-ID"])


def test_an_address_the_server_refuses_fails_without_retrying(
    register: Callable[..., Any], smtp_server: Inbox
) -> None:
    complaint = quiet(register())
    complaint.customer.email = "nobody@example.cn"
    complaint.customer.save()
    with clock.frozen(NOON):
        message = _queue(complaint, "您好", channel="email")
        jobs.run("messages.send")
    message.refresh_from_db()
    assert message.status == "failed"
    assert "550" in message.error
    assert smtp_server.mails == []


# --- SMPP ---------------------------------------------------------------------------------


def test_an_sms_leaves_once_in_ucs2_and_its_receipt_marks_it_delivered(
    register: Callable[..., Any], smsc: smsc_module.Smsc
) -> None:
    complaint = quiet(register())
    with clock.frozen(NOON):
        message = _queue(complaint, "您的投诉已受理")
        jobs.run("messages.send")
        jobs.run("messages.send")
    assert smsc.texts() == ["您的投诉已受理"]
    (sub,) = smsc.submitted
    assert (sub.destination, sub.source, sub.data_coding) == ("13800138000", "10010", 8)
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", sub.message_id)

    assert jobs.run("intake.sms_read")["delivered"] == 1
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.delivered_at is not None
    # The centre repeats its receipt; the job runs again: nothing changes twice.
    smsc.receipts_again()
    assert jobs.run("intake.sms_read")["delivered"] == 0
    assert smsc.binds[-1][0] == smsc_module.BIND_RECEIVER


def test_the_acknowledgement_leaves_by_sms_once(
    register: Callable[..., Any], smsc: smsc_module.Smsc
) -> None:
    with clock.frozen(NOON):
        complaint = register()
        jobs.run("messages.send")
        jobs.run("messages.send")
    (text,) = smsc.texts()
    assert complaint.number in text
    assert "已受理" in text
    (ack,) = Message.objects.filter(complaint=complaint)
    assert (ack.kind, ack.status, ack.provider_id) == (
        "acknowledgement",
        "sent",
        smsc.submitted[0].message_id,
    )


def test_a_long_chinese_sms_is_split_into_concatenated_parts(
    register: Callable[..., Any], smsc: smsc_module.Smsc
) -> None:
    complaint = quiet(register())
    text = "尊敬的客户，" + "您反映的宽带故障我们已安排工程师上门处理，" * 5 + "感谢您的耐心。"
    assert len(text) > 70
    with clock.frozen(NOON):
        message = _queue(complaint, text)
        jobs.run("messages.send")
    assert len(smsc.submitted) == -(-len(text) // 67)
    assert all(s.esm_class & 0x40 and len(s.short_message) <= 140 for s in smsc.submitted)
    assert smsc.texts() == [text]
    message.refresh_from_db()
    assert message.provider_id == smsc.submitted[0].message_id


def test_an_undeliverable_receipt_fails_the_message(
    register: Callable[..., Any], smsc: smsc_module.Smsc
) -> None:
    complaint = quiet(register())
    smsc.states["13800138000"] = "UNDELIV"
    with clock.frozen(NOON):
        message = _queue(complaint, "您好")
        jobs.run("messages.send")
    assert jobs.run("intake.sms_read")["failed"] == 1
    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", "SMS centre: UNDELIV")


def test_a_refused_number_fails_and_a_wrong_password_is_retried(
    register: Callable[..., Any], smsc: smsc_module.Smsc, settings: Any
) -> None:
    complaint = quiet(register())
    smsc.refuse.add("13800138000")
    with clock.frozen(NOON):
        refused = _queue(complaint, "您好")
        jobs.run("messages.send")
    refused.refresh_from_db()
    assert refused.status == "failed"
    assert "Invalid Destination Address" in refused.error

    smsc.refuse.clear()
    settings.TOUSU_SMPP_PASSWORD = "wrong"
    with clock.frozen(NOON):
        later = _queue(complaint, "您好，再次通知", key="again")
        jobs.run("messages.send")
    later.refresh_from_db()
    # A bind refused may be a password changed at the centre: retried, and said so.
    assert (later.status, later.attempts) == ("queued", 1)
    assert "SMPP" in later.error
    assert smsc.submitted == []


# --- HTTP gateway ---------------------------------------------------------------------------


class Gateway(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.mode = "ok"
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((dict(self.headers), body))
        if self.server.mode == "hang":
            self.server.release.wait(10)
            return
        if self.server.mode == "refuse":
            self._answer(400, {"code": "INVALID_MOBILE", "message": "号码格式错误"})
            return
        self._answer(200, {"id": f"gw-{len(self.server.requests)}"})

    def _answer(self, status: int, data: dict[str, str]) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[Gateway]:
    server = Gateway()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.TOUSU_SMS_TRANSPORT = "http"
    settings.TOUSU_SMS_GATEWAY_URL = server.url
    settings.TOUSU_SMS_GATEWAY_KEY = "tousu-account"
    settings.TOUSU_SMS_GATEWAY_SECRET = "gw-secret"
    settings.TOUSU_SMS_GATEWAY_TIMEOUT = 0.5
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def test_the_gateway_gets_one_signed_request_and_its_receipt_is_recorded_once(
    register: Callable[..., Any], sms_gateway: Gateway
) -> None:
    complaint = quiet(register())
    with clock.frozen(NOON):
        message = _queue(complaint, "您的投诉已处理完毕")
        jobs.run("messages.send")
        jobs.run("messages.send")
    assert len(sms_gateway.requests) == 1
    headers, body = sms_gateway.requests[0]
    assert json.loads(body) == {
        "to": "13800138000",
        "text": "您的投诉已处理完毕",
        "ref": str(message.pk),
    }
    assert headers["X-Api-Key"] == "tousu-account"
    assert headers["X-Signature"] == gateway.signature("gw-secret", headers["X-Timestamp"], body)
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "gw-1")

    client = Client()
    receipt = json.dumps({"id": "gw-1", "status": "delivered"}).encode()

    def post(data: bytes, secret: str = "gw-secret") -> Any:  # noqa: S107
        timestamp = str(int(time.time()))
        return client.post(
            "/api/v1/messages/receipts/http",
            data=data,
            content_type="application/json",
            headers={
                "X-Timestamp": timestamp,
                "X-Signature": gateway.signature(secret, timestamp, data),
            },
        )

    forged = post(receipt, secret="guessed")
    assert forged.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"
    first, second = post(receipt), post(receipt)
    assert (first.status_code, first.json()) == (200, {"recorded": True})
    assert (second.status_code, second.json()) == (200, {"recorded": False})
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_gateway_that_times_out_is_retried_and_a_refusal_fails(
    register: Callable[..., Any], sms_gateway: Gateway
) -> None:
    complaint = quiet(register())
    sms_gateway.mode = "hang"
    with clock.frozen(NOON):
        message = _queue(complaint, "您好")
        jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.error == "SMS gateway: no answer within 0.5 s"

    sms_gateway.mode = "refuse"
    with clock.frozen(NOON + dt.timedelta(minutes=2)):
        jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 2)
    assert message.error.startswith("SMS gateway: HTTP 400")
    assert "INVALID_MOBILE" in message.error


# --- the development outbox ---------------------------------------------------------------


def test_without_a_configured_transport_messages_are_written_to_the_outbox(
    register: Callable[..., Any], settings: Any, tmp_path: Any
) -> None:
    settings.TOUSU_SMS_TRANSPORT = "file"
    settings.TOUSU_OUTBOX_DIR = tmp_path / "outbox"
    complaint = quiet(register())
    with clock.frozen(NOON):
        message = _queue(complaint, "您的投诉已受理")
        jobs.run("messages.send")
    (written,) = list((tmp_path / "outbox").iterdir())
    record = json.loads(written.read_text(encoding="utf-8"))
    message.refresh_from_db()
    assert (record["to"], record["text"], record["id"]) == (
        "13800138000",
        "您的投诉已受理",
        message.provider_id,
    )
    assert message.status == "sent"

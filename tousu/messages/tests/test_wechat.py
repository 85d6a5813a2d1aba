"""The WeChat transport against a local server speaking WeChat's API on 127.0.0.1: the access
token fetched with the app id and secret and kept, the template message posted with it, an
expired token fetched again once, WeChat's other errors on the message's record."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tousu.config import jobs
from tousu.messages.models import Message
from tousu.messages.services import Outgoing, message_queue
from tousu.messages.transports import TRANSPORTS
from tousu.messages.wechat import TOKEN_CACHE_KEY, WeChatTransport, register_if_configured

pytestmark = pytest.mark.django_db

APPID = "wx5f2c8a9d1e3b7c40"
SECRET = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
TEMPLATE = "Xq7-progress-template"


class FakeWeChat:
    """WeChat's API as the account sees it: tokens for the right app id and secret, template
    messages accepted with a live token. `expire` names tokens WeChat has revoked; `refuse`
    makes the next template send answer that error code."""

    def __init__(self) -> None:
        self.tokens_issued: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.expire: set[str] = set()
        self.refuse: list[tuple[int, str]] = []
        self.token_error: tuple[int, str] | None = None

    def token(self, query: dict[str, list[str]]) -> dict[str, Any]:
        if query.get("appid") != [APPID] or query.get("secret") != [SECRET]:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.token_error:
            return {"errcode": self.token_error[0], "errmsg": self.token_error[1]}
        token = f"ACCESS_TOKEN_{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        return {"access_token": token, "expires_in": 7200}

    def template_send(self, query: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
        token = (query.get("access_token") or [""])[0]
        if token in self.expire:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in self.tokens_issued:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if self.refuse:
            code, text = self.refuse.pop(0)
            return {"errcode": code, "errmsg": text}
        self.sent.append(body)
        return {"errcode": 0, "errmsg": "ok", "msgid": 200228332 + len(self.sent)}


@pytest.fixture
def wechat(settings: Any) -> Iterator[FakeWeChat]:
    fake = FakeWeChat()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/cgi-bin/token":
                self.send_error(404)
                return
            self._answer(fake.token(parse_qs(url.query)))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if url.path != "/cgi-bin/message/template/send":
                self.send_error(404)
                return
            self._answer(fake.template_send(parse_qs(url.query), body))

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TOUSU_WECHAT_APPID = APPID
    settings.TOUSU_WECHAT_SECRET = SECRET
    settings.TOUSU_WECHAT_TEMPLATE_ID = TEMPLATE
    settings.TOUSU_WECHAT_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    from django.core.cache import cache

    cache.delete(TOKEN_CACHE_KEY)
    previous = TRANSPORTS.get("wechat")
    assert register_if_configured()
    yield fake
    if previous is None:
        TRANSPORTS.pop("wechat", None)
    else:
        TRANSPORTS["wechat"] = previous
    server.shutdown()
    server.server_close()


@pytest.fixture
def follower_complaint(register: Callable[..., Any]) -> Any:
    complaint = register(channel="wechat")
    complaint.customer.wechat_openid = "oX9a_follower"
    complaint.customer.save()
    return complaint


def progress(complaint: Any, text: str) -> Message:
    return message_queue(
        complaint=complaint, outgoing=Outgoing(kind="progress", text=text), actor=None
    )


def test_progress_leaves_as_a_template_message_with_a_kept_token(
    wechat: FakeWeChat, follower_complaint: Any
) -> None:
    first = progress(follower_complaint, "已安排装维人员明天上门检修")
    second = progress(follower_complaint, "检修完成，请确认网络是否恢复")
    assert (first.channel, first.address) == ("wechat", "oX9a_follower")
    jobs.run("messages.send")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.provider_id) == ("sent", "200228333")
    assert (second.status, second.provider_id) == ("sent", "200228334")
    assert wechat.tokens_issued == ["ACCESS_TOKEN_1"]  # fetched once, kept for the second
    body = wechat.sent[0]
    assert (body["touser"], body["template_id"]) == ("oX9a_follower", TEMPLATE)
    assert body["data"]["keyword1"]["value"] == follower_complaint.number
    assert body["data"]["keyword2"]["value"] == "已安排装维人员明天上门检修"
    jobs.run("messages.send")
    assert len(wechat.sent) == 2  # never twice


def test_an_expired_token_is_fetched_again_once(
    wechat: FakeWeChat, follower_complaint: Any
) -> None:
    progress(follower_complaint, "已安排装维人员明天上门检修")
    jobs.run("messages.send")
    wechat.expire.add("ACCESS_TOKEN_1")  # WeChat revoked it (or another worker refreshed)
    later = progress(follower_complaint, "检修完成")
    jobs.run("messages.send")
    later.refresh_from_db()
    assert later.status == "sent"
    assert wechat.tokens_issued == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]
    assert [b["data"]["keyword2"]["value"] for b in wechat.sent] == [
        "已安排装维人员明天上门检修",
        "检修完成",
    ]


def test_wechat_errors_fail_the_message_with_their_words(
    wechat: FakeWeChat, follower_complaint: Any, settings: Any
) -> None:
    wechat.refuse.append((43004, "require subscribe"))
    refused = progress(follower_complaint, "已安排装维人员明天上门检修")
    jobs.run("messages.send")
    refused.refresh_from_db()
    assert (refused.status, refused.error) == ("failed", "WeChat 43004: require subscribe")
    settings.TOUSU_WECHAT_SECRET = "wrong-secret"
    from django.core.cache import cache

    cache.delete(TOKEN_CACHE_KEY)
    no_token = progress(follower_complaint, "检修完成")
    jobs.run("messages.send")
    no_token.refresh_from_db()
    assert (no_token.status, no_token.error) == ("failed", "WeChat token 40013: invalid appid")


def test_busy_wechat_is_retried(wechat: FakeWeChat, follower_complaint: Any) -> None:
    wechat.refuse.append((-1, "system error"))
    message = progress(follower_complaint, "已安排装维人员明天上门检修")
    jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.error == "WeChat -1: system error"


def test_unreachable_api_is_retried(settings: Any, follower_complaint: Any) -> None:
    settings.TOUSU_WECHAT_APPID, settings.TOUSU_WECHAT_SECRET = APPID, SECRET
    with socket.socket() as probe:  # a free port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.TOUSU_WECHAT_API_BASE = f"http://127.0.0.1:{port}"
    from django.core.cache import cache

    cache.delete(TOKEN_CACHE_KEY)
    message = progress(follower_complaint, "已安排装维人员明天上门检修")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TRANSPORTS, "wechat", WeChatTransport())
        jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.error.startswith("WeChat API unreachable")


def test_no_transport_without_an_account(settings: Any) -> None:
    settings.TOUSU_WECHAT_APPID = ""
    assert not register_if_configured()

"""The WeChat transport: a message to the customer leaves as a template message of the official
account (模板消息), to the openid the customer wrote from.

The API wants an access token, fetched with the app id and secret (`cgi-bin/token`) and valid
about two hours; it is kept in the shared cache so that every worker uses the same one (each
fetch invalidates the one before after a few minutes). A token the API calls expired (40001,
42001) — another worker refreshed it, or WeChat revoked it — is fetched again once and the send
retried; any other error code fails the message with WeChat's own words."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache

from tousu.messages.choices import MessageKind
from tousu.messages.models import Message
from tousu.messages.transports import SendFailed, transport_register

logger = logging.getLogger("tousu.messages")

TOKEN_CACHE_KEY = "wechat:access_token"  # noqa: S105 (a cache key, not a secret)
# Refreshed this long before WeChat says it expires: a token fetched at the edge of its life
# would expire between the cache and the send.
TOKEN_MARGIN_SECONDS = 300
TIMEOUT_SECONDS = 10
# The access token is invalid (40001) or expired (42001): fetch a new one, once.
TOKEN_EXPIRED = frozenset({40001, 42001})
# WeChat is busy (-1) or the account sent too much (45009): trying later can help.
RETRY_LATER = frozenset({-1, 45009})
# A template field holds at most this many characters; WeChat cuts or refuses longer ones.
FIELD_MAX_CHARS = 200


class WeChatTransport:
    """Sends a message as the account's template message (TOUSU_WECHAT_TEMPLATE_ID); the
    provider id is WeChat's msgid (its delivery event, TEMPLATESENDJOBFINISH, names it)."""

    def send(self, message: Message) -> str:
        body = template_body(message)
        answer = self._post_template(body, token=access_token())
        if answer.get("errcode") in TOKEN_EXPIRED:
            answer = self._post_template(body, token=access_token(refresh=True))
        errcode = answer.get("errcode", 0)
        if errcode:
            raise SendFailed(
                f"WeChat {errcode}: {answer.get('errmsg', '')}", retry=errcode in RETRY_LATER
            )
        return str(answer.get("msgid", ""))

    def _post_template(self, body: dict[str, Any], *, token: str) -> dict[str, Any]:
        query = urllib.parse.urlencode({"access_token": token})
        return api_call("/cgi-bin/message/template/send?" + query, body)


def template_body(message: Message) -> dict[str, Any]:
    """The template message for `message`: its title (subject, else its kind), the complaint
    number and the text. Fields `first`, `keyword1`, `keyword2`, `remark`: the layout of the
    industry template the account picks for complaint progress (投诉处理进度通知)."""
    title = message.subject or str(MessageKind(message.kind).label)
    number = message.complaint.number if message.complaint else ""
    return {
        "touser": message.address,
        "template_id": settings.TOUSU_WECHAT_TEMPLATE_ID,
        "data": {
            "first": {"value": title[:FIELD_MAX_CHARS]},
            "keyword1": {"value": number},
            "keyword2": {"value": message.text[:FIELD_MAX_CHARS]},
            "remark": {"value": ""},
        },
    }


def access_token(*, refresh: bool = False) -> str:
    """The account's access token, from the shared cache unless `refresh` (or absent)."""
    if not refresh:
        token = cache.get(TOKEN_CACHE_KEY)
        if token:
            return str(token)
    query = urllib.parse.urlencode(
        {
            "grant_type": "client_credential",
            "appid": settings.TOUSU_WECHAT_APPID,
            "secret": settings.TOUSU_WECHAT_SECRET,
        }
    )
    answer = api_call("/cgi-bin/token?" + query, None)
    token = answer.get("access_token")
    if not token:
        errcode = answer.get("errcode", 0)
        raise SendFailed(
            f"WeChat token {errcode}: {answer.get('errmsg', '')}", retry=errcode in RETRY_LATER
        )
    lifetime = int(answer.get("expires_in", 7200))
    cache.set(TOKEN_CACHE_KEY, token, timeout=max(lifetime - TOKEN_MARGIN_SECONDS, 60))
    return str(token)


def api_call(path: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """GET (no body) or POST JSON to the WeChat API; its JSON answer. A network failure or an
    HTTP error is a retry. The URL (it holds the secret or the token) is never in the error."""
    url = settings.TOUSU_WECHAT_API_BASE.rstrip("/") + path
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"WeChat API HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendFailed(f"WeChat API unreachable: {reason}") from None
    except ValueError:
        raise SendFailed("WeChat API answered something other than JSON") from None
    if not isinstance(answer, dict):
        raise SendFailed("WeChat API answered something other than an object")
    return answer


def register_if_configured() -> bool:
    """Register the transport for the `wechat` channel when the account is configured."""
    if settings.TOUSU_WECHAT_APPID and settings.TOUSU_WECHAT_SECRET:
        transport_register("wechat", WeChatTransport())
        return True
    return False

"""The webhook WeChat calls for the official account: GET to verify the server (echo
`echostr`), POST with each follower's message, answered by a passive XML reply.

Every request is signed by WeChat with the token both sides know; one that is not, or whose
timestamp is stale, or whose (timestamp, nonce) was seen before, is refused (403) before
anything is written. Plaintext and compatible modes are understood; safe mode (AES) is not."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tousu.core import clock
from tousu.core.ratelimit import client_ip, hit
from tousu.intake.wechat import rules
from tousu.intake.wechat.services import Replayed, nonce_admit, wechat_receive

logger = logging.getLogger("tousu.intake")

ECHOSTR_MAX_CHARS = 128


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt  # WeChat signs its requests; it has no CSRF cookie to send
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    token = settings.TOUSU_WECHAT_TOKEN
    if not token:
        raise Http404
    if not hit(
        "wechat", client_ip(request), limit=settings.TOUSU_WECHAT_RATE_LIMIT, window_seconds=60
    ):
        return _plain("rate limited", 429)
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    if not rules.signature_valid(token, timestamp, nonce, request.GET.get("signature", "")):
        return _plain("bad signature", 403)
    if not rules.timestamp_fresh(timestamp, clock.now().timestamp()):
        return _plain("stale timestamp", 403)
    if request.method == "GET":
        return _verify(request, timestamp, nonce)
    return _receive(request, timestamp, nonce)


def _verify(request: HttpRequest, timestamp: str, nonce: str) -> HttpResponse:
    """The server check when the account's URL is saved: echo `echostr`, once per nonce."""
    try:
        nonce_admit(timestamp=timestamp, nonce=nonce)
    except Replayed:
        return _plain("replayed", 403)
    return _plain(request.GET.get("echostr", "")[:ECHOSTR_MAX_CHARS])


def _receive(request: HttpRequest, timestamp: str, nonce: str) -> HttpResponse:
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > rules.BODY_MAX_BYTES:
            return _plain("too large", 413)
        body = request.body
    except (ValueError, RequestDataTooBig):
        return _plain("too large", 413)
    if len(body) > rules.BODY_MAX_BYTES:
        return _plain("too large", 413)
    try:
        message = rules.message_parse(body)
    except rules.BadMessage:
        return _plain("not a WeChat message", 400)
    if message.encrypted:
        # Safe mode: the message is AES-encrypted with the account's EncodingAESKey, which
        # this server does not hold. The account must be set to plaintext or compatible mode.
        logger.warning("WeChat message in safe mode (AES) refused: use plaintext or compatible")
        return _plain("safe mode not supported", 400)
    try:
        reply = wechat_receive(message=message, timestamp=timestamp, nonce=nonce)
    except Replayed:
        return _plain("replayed", 403)
    if not reply:
        return _plain("success")  # WeChat's "nothing to say"
    xml = rules.reply_xml(message, reply, int(clock.now().timestamp()))
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")

"""SMS through an SMS platform's HTTP API, the way most platforms take them: a signed JSON POST
answered with the platform's id; delivery receipts are POSTed back to Tousu, signed with the
same secret (`/api/v1/messages/receipts/http`).

Signature: hex HMAC-SHA256 of "<timestamp>.<body>" with TOUSU_SMS_GATEWAY_SECRET, in
X-Signature, the Unix time in X-Timestamp; the account in X-Api-Key."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.request

from django.conf import settings

from tousu.messages.models import Message
from tousu.messages.transports import SendFailed

# A receipt older or newer than this is refused: a captured one cannot be replayed days later.
RECEIPT_MAX_SKEW_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


def signature_valid(*, timestamp: str, body: bytes, given: str, now: float) -> bool:
    secret = settings.TOUSU_SMS_GATEWAY_SECRET
    if not secret or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > RECEIPT_MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given.strip().lower())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an acceptance: following it would turn the POST into a GET."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class GatewayTransport:
    def send(self, message: Message) -> str:
        url = settings.TOUSU_SMS_GATEWAY_URL
        if not url.lower().startswith(("http://", "https://")):
            raise SendFailed(f"SMS gateway: not an http(s) URL: {url!r}", retry=False)
        body = json.dumps(
            {"to": message.address, "text": message.text, "ref": str(message.pk)},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Api-Key": settings.TOUSU_SMS_GATEWAY_KEY,
                "X-Timestamp": timestamp,
                "X-Signature": signature(settings.TOUSU_SMS_GATEWAY_SECRET, timestamp, body),
            },
        )
        timeout = settings.TOUSU_SMS_GATEWAY_TIMEOUT
        try:
            with _opener.open(request, timeout=timeout) as response:
                answer = response.read(64_000)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace")
            # 4xx: the platform refuses this message (number, text, account); 5xx: try again.
            raise SendFailed(
                f"SMS gateway: HTTP {exc.code} {detail}".strip(), retry=exc.code >= 500
            ) from exc
        except TimeoutError as exc:
            raise SendFailed(f"SMS gateway: no answer within {timeout:g} s") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError | socket.timeout):
                raise SendFailed(f"SMS gateway: no answer within {timeout:g} s") from exc
            raise SendFailed(f"SMS gateway: {type(exc).__name__}: {reason}") from exc
        try:
            provider_id = str(json.loads(answer)["id"])
        except (ValueError, KeyError, TypeError) as exc:
            # Accepted (2xx) but unreadable: the platform may well send it; retrying risks a
            # second SMS, so this is final, with what it said.
            raise SendFailed(
                f"SMS gateway: unreadable answer {answer[:200]!r}", retry=False
            ) from exc
        return provider_id

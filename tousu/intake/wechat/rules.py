"""The WeChat official-account protocol, pure: the signature WeChat puts on every request, the
freshness of its timestamp, the XML it posts and the XML of the passive reply, and what a
follower's text asks for. Nothing here touches the database."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# A timestamp further than this from our clock is refused: a captured request cannot be
# replayed later, and the nonces seen within the window are enough to refuse it sooner.
REPLAY_WINDOW_SECONDS = 300
# WeChat's messages are small (a text holds at most 2,048 bytes); anything much larger is
# not from WeChat.
BODY_MAX_BYTES = 16 * 1024
# A passive reply's text holds at most 2,048 bytes.
REPLY_MAX_BYTES = 2048
NONCE_MAX_CHARS = 64

NUMBER = re.compile(r"TS\d{12,}", re.IGNORECASE)
# A mainland mobile number in free text, with the separators people type (138 0013 8000).
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d(?:[\s-]?\d){8})(?!\d)")
STATUS_WORDS = ("进度", "查询", "状态", "查单", "status")
NEW_COMPLAINT_WORDS = ("新投诉",)
# A description shorter than this is not yet a complaint ("你好", "在吗").
DESCRIPTION_MIN_CHARS = 6


def signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's signature: SHA-1 of the token, timestamp and nonce sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324


def signature_valid(token: str, timestamp: str, nonce: str, given: str) -> bool:
    if not (token and timestamp and nonce and given) or len(nonce) > NONCE_MAX_CHARS:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce), given.lower())


def timestamp_fresh(timestamp: str, now: float) -> bool:
    """The request's timestamp (seconds) lies within the replay window of `now`."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - now) <= REPLAY_WINDOW_SECONDS


class BadMessage(ValueError):
    """The body is not a WeChat message: not XML, XML with a DTD or entities, or no sender."""


@dataclass(frozen=True)
class WeChatMessage:
    """What a follower sent (ToUserName is the account, FromUserName the follower's openid)."""

    to_user: str
    from_user: str
    create_time: str
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""
    encrypted: bool = False

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; events have none, WeChat names openid + CreateTime for them."""
        if self.msg_id:
            return self.msg_id
        return f"{self.from_user}:{self.create_time}:{self.event}"[:128]


def message_parse(body: bytes) -> WeChatMessage:
    """The message in `body`. defusedxml refuses a DTD, and with it every entity (the billion
    laughs, external entities reading files or URLs)."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadMessage(str(exc)) from None
    if not isinstance(root, Element) or root.tag != "xml":
        raise BadMessage("not a WeChat message")
    fields = {child.tag: (child.text or "").strip() for child in root}
    message = WeChatMessage(
        to_user=fields.get("ToUserName", "")[:64],
        from_user=fields.get("FromUserName", "")[:64],
        create_time=fields.get("CreateTime", "")[:16],
        msg_type=fields.get("MsgType", "").lower()[:16],
        content=fields.get("Content", ""),
        msg_id=fields.get("MsgId", "")[:64],
        event=fields.get("Event", "").lower()[:32],
        encrypted="Encrypt" in fields and "MsgType" not in fields,
    )
    if not message.encrypted and not (message.from_user and message.msg_type):
        raise BadMessage("no sender or type")
    return message


def _cdata(text: str) -> str:
    # "]]>" would end the section early: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _truncate(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"


def reply_xml(message: WeChatMessage, text: str, now: int) -> str:
    """The passive text reply to `message` (from the account to the follower)."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(message.from_user)}</ToUserName>"
        f"<FromUserName>{_cdata(message.to_user)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
        f"<MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(_truncate(text, REPLY_MAX_BYTES))}</Content>"
        "</xml>"
    )


# ---- what a follower's text asks for ------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """A text read: the complaint number named, the mobile number given, the description left
    once those are taken out, and whether it asks for status or starts a new complaint."""

    number: str
    phone: str
    description: str
    status: bool
    new: bool


# Full-width digits, letters and plus (１３８…, ＴＳ…) as ASCII, one character for one: the
# customer's punctuation (，：) stays as they wrote it in what is recorded.
_HALF_WIDTH = {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code - 0xFEE0).isalnum()
}
_HALF_WIDTH[ord("＋")] = ord("+")


def text_read(text: str) -> Ask:
    normal = text.translate(_HALF_WIDTH).strip()
    number_match = NUMBER.search(normal)
    number = number_match.group(0).upper() if number_match else ""
    phone_match = MOBILE_IN_TEXT.search(normal)
    phone = re.sub(r"\D", "", phone_match.group(1)) if phone_match else ""
    rest = normal
    for match in (number_match, phone_match):
        if match is not None:
            rest = rest.replace(match.group(0), " ")
    new = any(rest.lstrip().startswith(word) for word in NEW_COMPLAINT_WORDS)
    for word in NEW_COMPLAINT_WORDS:
        rest = rest.replace(word, " ", 1) if new else rest
    description = re.sub(r"^[\s,，:：;；。.、]+", "", rest).strip()
    short = len(description) < DESCRIPTION_MIN_CHARS
    status = not phone and short and (bool(number) or _asks_status(description))
    return Ask(number=number, phone=phone, description=description, status=status, new=new)


def _asks_status(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in STATUS_WORDS)


def describes(ask: Ask) -> bool:
    """The text tells a story long enough to register."""
    return len(ask.description) >= DESCRIPTION_MIN_CHARS

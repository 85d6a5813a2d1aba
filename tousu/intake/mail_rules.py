"""Pure rules of the e-mail intake (issue 17): what a raw mail says — who sent it, its text
(HTML reduced to plain text), its attachments, which complaint it answers — and whether it is
a person writing at all (auto-replies and bounces are not)."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parseaddr
from html.parser import HTMLParser

from tousu.core.text import normalise_phone

# What a mail is, besides a person writing.
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

NUMBER_RE = re.compile(r"\bTS\d{12,}\b")
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
# A mainland mobile as people write it in a mail: 138 0013 8000, 138-0013-8000, +86…
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
_PRECEDENCE_AUTO = {"bulk", "junk", "list", "auto_reply"}
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
# Elements whose text a reader never sees.
_INVISIBLE = {"script", "style", "head", "title", "template", "noscript"}
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}


class _TextOnly(HTMLParser):
    """The visible text of an HTML mail: tags and scripts dropped, entities decoded; nothing
    of the markup survives, so nothing of it can run on a page that shows the complaint."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


@dataclass
class ParsedMail:
    """What intake needs of a mail."""

    message_id: str
    sender: str  # the From address, lower case
    sender_name: str
    subject: str
    text: str
    references: list[str] = field(default_factory=list)  # In-Reply-To and References, ids
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # AUTO_REPLY, BOUNCE or "" for a person
    bounced: list[str] = field(default_factory=list)  # our Message-IDs a bounce reports
    # Read by its headers only (too large to read whole): body and attachments not seen.
    headers_only: bool = False


def _header(mail: Message, name: str) -> str:
    value = mail.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value or "")


def _body_text(mail: EmailMessage) -> str:
    """The plain text of the mail: its text/plain part, else its HTML reduced to text."""
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        return html_to_text(str(content))
    return str(content).strip()


def _attachments(mail: EmailMessage) -> list[Attachment]:
    found = []
    for part in mail.iter_attachments():
        if part.get_content_type() == "message/delivery-status":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        name = part.get_filename() or "attachment"
        found.append(Attachment(name=name, content=payload))
    return found


def automatic_kind(mail: Message, sender: str) -> str:
    """AUTO_REPLY or BOUNCE when no person wrote the mail (RFC 3834 Auto-Submitted, the
    X-Autoreply family, Precedence, an empty Return-Path, the mailer daemon, a delivery
    status report), else ""."""
    content_type = mail.get_content_type()
    report = str(mail.get_param("report-type", "") or "").lower()
    local = sender.partition("@")[0]
    return_path = _header(mail, "Return-Path")
    if content_type == "multipart/report" and report == "delivery-status":
        return BOUNCE
    if _header(mail, "Auto-Submitted").lower() not in {"", "no"}:
        return AUTO_REPLY
    if mail.get("X-Autoreply") is not None or mail.get("X-Autorespond") is not None:
        return AUTO_REPLY
    if _header(mail, "Precedence").lower() in _PRECEDENCE_AUTO:
        return AUTO_REPLY
    # The null sender is what a mail server returns mail with (RFC 5321 §4.5.5).
    if local in _BOUNCE_SENDERS or return_path == "<>":
        return BOUNCE
    return ""


def bounced_ids(mail: EmailMessage) -> list[str]:
    """The Message-IDs of the mails a bounce reports on: those of the returned message (or its
    headers) inside the report."""
    found: list[str] = []
    for part in mail.walk():
        if part.get_content_type() in {"message/rfc822", "text/rfc822-headers"}:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found += _message_ids(_header(inner[0], "Message-ID"))
            elif isinstance(inner, str):
                match = re.search(r"^Message-ID:\s*(<[^>]+>)", inner, re.I | re.M)
                if match:
                    found.append(match.group(1))
    return found


def mail_parse(raw: bytes, *, headers_only: bool = False) -> ParsedMail:
    """Parse a raw mail (or only its headers). Never raises on a malformed one: what cannot be
    read is empty."""
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    name, sender = parseaddr(_header(mail, "From"))
    sender = sender.strip().lower()
    ids = _message_ids(_header(mail, "Message-ID"))
    references = _message_ids(_header(mail, "In-Reply-To")) + _message_ids(
        _header(mail, "References")
    )
    automatic = automatic_kind(mail, sender)
    if headers_only:  # the header block alone parses as a mail with no body
        mail.set_payload("")
    return ParsedMail(
        # A mail without a Message-ID is known by its bytes: delivered twice, still one.
        message_id=ids[0][:255] if ids else f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>",
        sender=sender,
        sender_name=name.strip(),
        subject=_header(mail, "Subject"),
        text=_body_text(mail),
        references=references,
        attachments=[] if automatic else _attachments(mail),
        automatic=automatic,
        bounced=bounced_ids(mail) if automatic == BOUNCE else [],
        headers_only=headers_only,
    )


def number_in(subject: str) -> str:
    """The complaint number (TS…) a subject names, or ""."""
    match = NUMBER_RE.search(subject)
    return match.group(0) if match else ""


def phone_in(text: str) -> str:
    """The first mainland mobile number written in the text, normalised, or ""."""
    for match in _MOBILE_IN_TEXT.finditer(text):
        phone = normalise_phone(match.group(0))
        if phone:
            return phone
    return ""

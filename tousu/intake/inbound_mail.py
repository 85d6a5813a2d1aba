"""Mail into complaints (issue 17, item 2): a new mail registers a complaint, a reply is added
to the complaint it answers as the customer's message, and what is neither (an auto-reply, a
bounce, a spoofed reply) is recorded and goes no further. Each mail is acted on once: its
Message-ID is claimed (`InboundMail`, unique) in the transaction that acts on it.

A customer known only by their mail address: the phone identifies customers (unique,
required), and a mail rarely carries one. The sender is found by their address
(`Customer.email`), else by a mobile number written in the mail; else a customer is created
whose phone is a token derived from the address (`mail-` + 11 hex digits: letters, so no
registration by phone ever matches it, as the anonymised customers' tokens) with the address
as their e-mail and e-mail as their preferred channel. When the customer later gives their
number, staff merge or correct the record; until then every message to them goes by mail."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import User
from tousu.complaints.choices import Channel
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_lock
from tousu.core import clock
from tousu.core.errors import DomainError
from tousu.core.reasons import Reason, reason, reason_kind
from tousu.customers.choices import ContactChannel
from tousu.customers.models import Customer
from tousu.intake import mail_rules
from tousu.intake.mail_rules import ParsedMail
from tousu.intake.models import InboundMail
from tousu.intake.services import CONTENT_MAX_CHARS, Registration, complaint_register
from tousu.messages.choices import Direction, MessageChannel, MessageKind
from tousu.messages.models import Message
from tousu.messages.services import (
    Incoming,
    Outgoing,
    message_queue,
    message_receive,
    messages_bounced,
)
from tousu.resolution.models import Evidence
from tousu.resolution.rules import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES
from tousu.resolution.services import evidence_receive

MAILBOX_USERNAME = "tousu-mailbox"
EMAIL_PHONE_PREFIX = "mail-"
Outcome = InboundMail.Outcome

reason_kind("mail.sender_mismatch", _("The sender is not the address of the complaint's customer"))
reason_kind("mail.no_text", _("The mail has neither a subject nor any text"))
reason_kind("mail.not_registered", _("The mail has no sender address or phone to register by"))
reason_kind("mail.ack_limited", _("No acknowledgement: too many to this address in the last hour"))
reason_kind("mail.attachment_type", _("Attachment “%(name)s” refused: type not accepted"), name=str)
reason_kind("mail.attachment_empty", _("Attachment “%(name)s” refused: empty"), name=str)
reason_kind(
    "mail.attachment_too_large",
    _("Attachment “%(name)s” refused: %(size)s bytes, at most %(limit)s"),
    name=str,
    size=str,
    limit=str,
)
reason_kind(
    "mail.too_large",
    _("The mail was too large to read: its text and attachments are in the mailbox only"),
)
reason_kind(
    "mail.attachment_content",
    _("Attachment “%(name)s” refused: its content does not match its type"),
    name=str,
)


def mail_receive(*, mail: ParsedMail, received_at: dt.datetime | None = None) -> InboundMail | None:
    """Act on one mail read from the mailbox, once per Message-ID; returns its record, or None
    when the mail was acted on before (by this worker or another)."""
    if InboundMail.objects.filter(message_id=mail.message_id).exists():
        return None
    try:
        with transaction.atomic():
            # The claim first: a second worker on the same mail waits here, then is refused.
            record = InboundMail.objects.create(
                message_id=mail.message_id,
                sender=mail.sender[:254],
                subject=mail.subject[:200],
                outcome=Outcome.INVALID,
                received_at=received_at or clock.now(),
            )
            _act(record, mail)
            record.save()
    except IntegrityError:
        if InboundMail.objects.filter(message_id=mail.message_id).exists():
            return None
        raise
    return record


def _act(record: InboundMail, mail: ParsedMail) -> None:
    if mail.automatic:
        record.outcome = (
            Outcome.BOUNCE if mail.automatic == mail_rules.BOUNCE else Outcome.AUTO_REPLY
        )
        messages_bounced(channel=MessageChannel.EMAIL, provider_ids=mail.bounced)
        return
    complaint = complaint_answered(mail)
    if complaint is not None:
        _thread(record, mail, complaint)
    else:
        _register(record, mail)


def complaint_answered(mail: ParsedMail) -> Complaint | None:
    """The complaint a mail answers: named by its number in the subject, or by a Message-ID in
    In-Reply-To/References of a mail we sent about it or received for it."""
    number = mail_rules.number_in(mail.subject)
    if number:
        found = Complaint.objects.filter(number=number).select_related("customer").first()
        if found is not None:
            return found
    if not mail.references:
        return None
    pk = (
        Message.objects.filter(
            Q(direction=Direction.OUT, provider_id__in=mail.references)
            | Q(direction=Direction.IN, external_id__in=mail.references),
            channel=MessageChannel.EMAIL,
            complaint__isnull=False,
        )
        .values_list("complaint_id", flat=True)
        .first()
    ) or (
        InboundMail.objects.filter(message_id__in=mail.references, complaint__isnull=False)
        .values_list("complaint_id", flat=True)
        .first()
    )
    return Complaint.objects.select_related("customer").filter(pk=pk).first() if pk else None


def _thread(record: InboundMail, mail: ParsedMail, complaint: Complaint) -> None:
    """A reply: the customer's message on their complaint — only from the customer's own
    address; from any other it is held for review, never put on someone else's complaint."""
    record.complaint = complaint
    if not mail.sender or mail.sender != (complaint.customer.email or "").lower():
        record.outcome = Outcome.SPOOFED
        record.problem = reason("mail.sender_mismatch")
        return
    message_receive(
        complaint=complaint,
        incoming=Incoming(
            channel=MessageChannel.EMAIL,
            text=_content(mail, with_subject=False) or mail.subject or "-",
            external_id=mail.message_id,
            address=mail.sender,
            subject=mail.subject[:200],
        ),
    )
    record.refused = _attachments_store(complaint, mail)
    record.outcome = Outcome.THREADED


def _register(record: InboundMail, mail: ParsedMail) -> None:
    customer, phone = _customer_of(mail)
    registration = Registration(
        channel=Channel.EMAIL,
        content=_content(mail, with_subject=True),
        customer_phone=phone,
        customer_name=mail.sender_name[:64],
        customer=customer,
        received_at=record.received_at,
        acknowledge=False,  # answered by mail below, limited per address and hour
    )
    try:
        with transaction.atomic():
            complaint = complaint_register(
                registration=registration, actor=None, actor_name="customer"
            )
    except DomainError:  # kept for review, nothing registered
        empty = not registration.content.strip()
        record.problem = reason("mail.no_text" if empty else "mail.not_registered")
        return
    _email_remember(complaint.customer, mail.sender)
    record.complaint = complaint
    record.outcome = Outcome.REGISTERED
    record.refused = _attachments_store(complaint, mail)
    if not _acknowledge(complaint, mail.sender):
        record.problem = reason("mail.ack_limited")


def _content(mail: ParsedMail, *, with_subject: bool) -> str:
    parts = [mail.subject, mail.text] if with_subject else [mail.text]
    return "\n\n".join(p for p in parts if p.strip())[:CONTENT_MAX_CHARS]


def _customer_of(mail: ParsedMail) -> tuple[Customer | None, str]:
    """The sender as a customer (see the module's docstring): the customer with their address,
    else (None, the phone written in the mail), else a customer known by the address alone."""
    if mail.sender:
        known = Customer.objects.filter(email__iexact=mail.sender).order_by("-updated_at").first()
        if known is not None:
            return known, ""
    phone = mail_rules.phone_in(mail.subject + "\n" + mail.text)
    if phone or not mail.sender:
        return None, phone
    token = EMAIL_PHONE_PREFIX + hashlib.sha256(mail.sender.encode()).hexdigest()[:11]
    customer, _created = Customer.objects.get_or_create(
        phone=token,
        defaults={
            "email": mail.sender[:254],
            "name": mail.sender_name[:64],
            "preferred_channel": ContactChannel.EMAIL,
        },
    )
    return customer, ""


def _email_remember(customer: Customer, sender: str) -> None:
    """The sender's address kept as the customer's e-mail when they had none: replies are
    threaded by it and answers go to it."""
    if sender and not customer.email:
        customer.email = sender[:254]
        customer.save(update_fields=["email", "updated_at"])


def mailbox_account() -> User:
    """The account that files mail attachments as evidence: no person uploaded them, and an
    evidence row names its uploader. Inactive, with no usable password: it cannot log in."""
    user, created = User.objects.get_or_create(
        username=MAILBOX_USERNAME,
        defaults={"is_active": False, "display_name": gettext("Complaints mailbox")},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _attachments_store(complaint: Complaint, mail: ParsedMail) -> list[Reason]:
    """Each attachment stored as evidence with the usual limits; the refused ones, as reasons
    (the mail is registered all the same)."""
    if mail.headers_only:
        return [reason("mail.too_large")]
    if not mail.attachments:
        return []
    complaint = complaint_lock(complaint)
    uploader = mailbox_account()
    refused = []
    for attachment in mail.attachments:
        description = gettext("Attached to the customer's mail")
        stored = evidence_receive(
            complaint=complaint,
            uploader=uploader,
            name=attachment.name,
            content=attachment.content,
            description=description,
        )
        if not isinstance(stored, Evidence):
            refused.append(attachment_refusal(attachment.name, attachment.content))
    return refused


def attachment_refusal(name: str, content: bytes) -> Reason:
    """Why an attachment was refused, as a stored reason (the evidence check's verdict)."""
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    if ext not in EVIDENCE_TYPES:
        return reason("mail.attachment_type", name=name[:200])
    if not content:
        return reason("mail.attachment_empty", name=name[:200])
    if len(content) > EVIDENCE_MAX_BYTES:
        return reason(
            "mail.attachment_too_large",
            name=name[:200],
            size=str(len(content)),
            limit=str(EVIDENCE_MAX_BYTES),
        )
    return reason("mail.attachment_content", name=name[:200])


def _acknowledge(complaint: Complaint, address: str) -> bool:
    """The acknowledgement (受理回执) to the sender, unless this address had its hourly share:
    two auto-responders that slipped past the header checks stop answering each other here."""
    since = clock.now() - dt.timedelta(hours=1)
    sent = Message.objects.filter(
        direction=Direction.OUT,
        channel=MessageChannel.EMAIL,
        kind=MessageKind.ACKNOWLEDGEMENT,
        address__iexact=address,
        created_at__gte=since,
    ).count()
    if sent >= settings.TOUSU_MAIL_ACK_PER_HOUR:
        return False
    text = gettext(
        "Your complaint has been registered as %(number)s. We will contact you; reply to this "
        "mail to add information."
    ) % {"number": complaint.number}
    message_queue(
        complaint=complaint,
        outgoing=Outgoing(
            kind=MessageKind.ACKNOWLEDGEMENT,
            text=text,
            subject=gettext("Complaint %(number)s registered") % {"number": complaint.number},
            channel=MessageChannel.EMAIL,
            key=f"acknowledgement:{complaint.number}:email",
        ),
        actor=None,
    )
    return True

"""SMS into complaints (R1.1): a customer's SMS to the complaint number registers a complaint
(channel sms; the phone identifies the customer), acknowledged by SMS as every registration is;
a reply is recorded on the customer's complaint as their message (the handler is told); "TD" or
"退订" alone is the customer asking for no more messages; what has no text or no phone to
register by is recorded and goes no further.

A reply is an SMS that names one of the sender's own complaints (TS…), or comes from a customer
with an open complaint to whom we sent an SMS within `sms_rules.THREAD_WINDOW` — about that
complaint — or who registered an open complaint by SMS within it. Never onto another
customer's complaint: a number of someone else's is ignored.

The messages app records what the SMS centre hands over (messages.SmsPart, one row a part of a
long SMS); this module assembles the parts once all are there — or, past
`sms_rules.PARTS_WAIT`, with what arrived, the missing parts marked in the text — and acts on
each SMS once: its parts are claimed in the transaction that acts (an `InboundSms` row records
the outcome), so a second worker, or the job run twice, finds them taken."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import Channel, Status
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.errors import DomainError
from tousu.core.reasons import reason, reason_kind
from tousu.core.text import has_visible_text
from tousu.customers.models import Customer
from tousu.customers.services import customer_opt_out
from tousu.intake import sms_rules
from tousu.intake.models import InboundSms
from tousu.intake.services import CONTENT_MAX_CHARS, Registration, complaint_register
from tousu.messages.choices import Direction, MessageChannel, MessageStatus
from tousu.messages.models import Message, SmsPart
from tousu.messages.services import SMS_RESEND_WINDOW, Incoming, message_receive

logger = logging.getLogger("tousu.intake")
Outcome = InboundSms.Outcome
# Parts read per run at most: a flood is worked through over several runs.
BATCH = 1000

reason_kind("sms.no_text", _("The SMS has no text"))
reason_kind("sms.no_phone", _("The sender is not a mobile number to register by"))
reason_kind("sms.unreadable", _("The SMS is not text (data coding %(coding)s)"), coding=str)
reason_kind(
    "sms.incomplete",
    _("Only %(received)s of its %(total)s parts arrived: acted on with what arrived"),
    received=str,
    total=str,
)
reason_kind(
    "sms.other_customer",
    _("It names complaint %(number)s of another customer: not added to it"),
    number=str,
)
reason_kind("sms.unknown_customer", _("No customer has this phone: there is nothing to stop"))
reason_kind("sms.not_registered", _("Could not be registered: %(why)s"), why=str)


class _Taken(Exception):
    """Another worker claimed the SMS's parts first."""


def sms_intake() -> dict[str, int]:
    """Act on the customers' SMS whose parts are all there or were waited for long enough, each
    once; the parts of a long SMS still coming wait for a later run."""
    now = clock.now()
    # Parts acted on long ago tell no resend any more (messages.services.SMS_RESEND_WINDOW).
    SmsPart.objects.filter(taken_at__lt=now - 2 * SMS_RESEND_WINDOW).delete()
    waiting = list(
        SmsPart.objects.filter(taken_at__isnull=True)
        .order_by("received_at", "pk")
        .defer("payload")[:BATCH]
    )
    counts: dict[str, int] = {}
    for group in _groups(waiting):
        first = group[0]
        seqs = [p.seq for p in group]
        if not sms_rules.group_ready(
            total=first.total, seqs=seqs, first_at=first.received_at, now=now
        ):
            counts["waiting"] = counts.get("waiting", 0) + 1
            continue
        try:
            record = sms_act(first=first)
        except Exception:  # a bug: this SMS waits for the fix, the others go on
            logger.exception("SMS intake: the SMS of part %s could not be acted on", first.pk)
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        if record is not None:
            counts[record.outcome] = counts.get(record.outcome, 0) + 1
    return counts


def _groups(parts: list[SmsPart]) -> list[list[SmsPart]]:
    """The parts as SMS: a whole one alone, a long one's parts together (same sender, number
    written to, reference and number of parts)."""
    groups: dict[tuple[object, ...], list[SmsPart]] = {}
    for part in parts:
        key = (
            (part.pk,) if part.ref is None else (part.sender, part.recipient, part.ref, part.total)
        )
        groups.setdefault(key, []).append(part)
    return list(groups.values())


def _group_of(first: SmsPart) -> list[SmsPart]:
    """The parts of `first`'s SMS not yet acted on, one a place (a reference the phone reused
    for a later SMS leaves that one's parts for a later run), in order."""
    if first.ref is None:
        return list(SmsPart.objects.filter(pk=first.pk, taken_at__isnull=True))
    found = SmsPart.objects.filter(
        sender=first.sender,
        recipient=first.recipient,
        ref=first.ref,
        total=first.total,
        taken_at__isnull=True,
    ).order_by("received_at", "pk")
    by_seq: dict[int, SmsPart] = {}
    for part in found:
        by_seq.setdefault(part.seq, part)
    return [by_seq[seq] for seq in sorted(by_seq)]


def sms_act(*, first: SmsPart) -> InboundSms | None:
    """Claim the parts of the SMS `first` belongs to and act on it, all in one transaction;
    the record, or None when another worker took it first."""
    try:
        with transaction.atomic():
            parts = _group_of(first)
            now = clock.now()
            # The text is kept on the record (and anonymised with the customer's complaints):
            # the parts keep only what tells a resend.
            claimed = SmsPart.objects.filter(
                pk__in=[p.pk for p in parts], taken_at__isnull=True
            ).update(taken_at=now, payload=b"")
            if not parts or claimed != len(parts):
                raise _Taken
            record = InboundSms(
                sender=first.sender,
                parts=[p.pk for p in parts],
                parts_expected=first.total,
                outcome=Outcome.INVALID,
                received_at=min(p.received_at for p in parts),
                acted_at=now,
            )
            _act(record, parts)
            record.save()
    except _Taken:
        return None
    return record


def _gap(seq: int) -> str:
    return gettext("[part %(n)s did not arrive]") % {"n": seq}


def _act(record: InboundSms, parts: list[SmsPart]) -> None:
    text = sms_rules.text_assemble(
        [sms_rules.Part(p.seq, p.data_coding, bytes(p.payload)) for p in parts],
        total=record.parts_expected,
        gap=_gap,
    )
    if text is None:
        record.problem = reason("sms.unreadable", coding=str(parts[0].data_coding))
        return
    record.text = text
    phone = sms_rules.sender_phone(record.sender)
    if phone is None:
        record.problem = reason("sms.no_phone")
        return
    if not has_visible_text(text):
        record.problem = reason("sms.no_text")
        return
    if len(parts) < record.parts_expected:
        record.problem = reason(
            "sms.incomplete", received=str(len(parts)), total=str(record.parts_expected)
        )
    customer = (
        Customer.objects.filter(phone=phone, anonymised_at__isnull=True)
        .order_by("-updated_at")
        .first()
    )
    if sms_rules.is_unsubscribe(text):
        _unsubscribe(record, customer)
        return
    complaint = _answered(record, customer, text)
    if complaint is not None:
        _thread(record, complaint, phone, text)
    else:
        _register(record, phone, text)


def _answered(record: InboundSms, customer: Customer | None, text: str) -> Complaint | None:
    """The customer's complaint the SMS is about (see the module's docstring), or None."""
    number = sms_rules.number_in(text)
    if number:
        named = Complaint.objects.select_related("customer").filter(number=number).first()
        mine = named is not None and customer is not None and named.customer_id == customer.pk
        if named is not None and mine and named.archived_at is None:
            return named
        if named is not None and not mine:
            record.problem = reason("sms.other_customer", number=number)
        # An archived complaint of theirs is read-only: the SMS is a complaint again (linked
        # to it as a repeat by the registration when it is the same issue).
    if customer is None:
        return None
    since = clock.now() - sms_rules.THREAD_WINDOW
    written_to = (
        Message.objects.filter(
            direction=Direction.OUT,
            channel=MessageChannel.SMS,
            customer=customer,
            status__in=[MessageStatus.SENT, MessageStatus.DELIVERED],
            sent_at__gte=since,
            complaint__customer=customer,
        )
        .exclude(complaint__status=Status.CLOSED)
        .order_by("-sent_at", "-pk")
        .values_list("complaint_id", flat=True)
        .first()
    )
    # Or the complaint they texted us lately: registered at night, its acknowledgement waits
    # for the morning (quiet hours), and the customer's second SMS at 23:05 is about it too.
    texted = (
        Complaint.objects.filter(customer=customer, channel=Channel.SMS, registered_at__gte=since)
        .exclude(status=Status.CLOSED)
        .order_by("-registered_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    pk = written_to or texted
    return Complaint.objects.select_related("customer").filter(pk=pk).first() if pk else None


def _thread(record: InboundSms, complaint: Complaint, phone: str, text: str) -> None:
    message_receive(
        complaint=complaint,
        incoming=Incoming(
            channel=MessageChannel.SMS,
            text=text,
            # One SMS, one message, however it is handed over again.
            external_id=f"sms:{record.parts[0]}",
            address=phone,
        ),
    )
    record.complaint = complaint
    record.outcome = Outcome.THREADED


def _register(record: InboundSms, phone: str, text: str) -> None:
    registration = Registration(
        channel=Channel.SMS,
        content=text[:CONTENT_MAX_CHARS],
        customer_phone=phone,
        received_at=record.received_at,
    )
    try:
        with transaction.atomic():
            complaint = complaint_register(
                registration=registration, actor=None, actor_name="customer"
            )
    except DomainError as exc:  # kept for review, nothing registered
        record.problem = reason("sms.not_registered", why=str(exc.message)[:200])
        return
    record.complaint = complaint
    record.outcome = Outcome.REGISTERED


def _unsubscribe(record: InboundSms, customer: Customer | None) -> None:
    """ "TD": the customer's `contact_opt_out` set — no message about their complaints goes
    out any more (messages withholds them), as staff set it when a customer asks on the phone.
    Nothing is sent to confirm it: the customer asked for silence."""
    record.outcome = Outcome.UNSUBSCRIBED
    if customer is None:
        record.problem = reason("sms.unknown_customer")
        return
    customer_opt_out(customer=customer, via="customer")

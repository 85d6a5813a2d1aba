"""Retention (保留期限, R12.2, D10): a customer's personal data anonymised once it is no longer
needed — settings.TOUSU_RETENTION_DAYS after their last complaint closed, with none open.

What is anonymised: the customer's name, phone (replaced by a stable token, `anonymous_phone`:
the phone is the customer's unique key), account, ID number, address and special-customer
marking; and the personal data written into the texts the system holds about their complaints —
content, demand, reply, pause reason, the timeline's event data (notes, reasons, steps …), the
search index (rebuilt), and what the apps above the kernel keep (evidence names and
descriptions, remedy notes, callback comments, notifications and the outbox's e-mails and
webhooks …: each registers a `Redactor` here, ARCHITECTURE layers). Evidence files cannot be
redacted: they are deleted once the anonymisation commits (their rows stay, with the digest).
Texts are rewritten by tousu.core.anonymise (names, numbers, addresses → 某某, [电话] …).
What stays: every complaint, with its category, region, channel, level, dates, outcome and
remedies' amounts — counts and KPIs are the same before and after.

The timeline stays verifiable (D8). Its events are hash-chained, and the first event sealed a
digest of the registration facts, the customer's phone among them. Recomputing the chain over
the anonymised data would need the key to rewrite history — exactly what tamper evidence must
rule out — and would contradict the seals. Instead (see timeline.REDACTED_KEY):

- an event whose data held personal data keeps its hash, so the chain still links through
  it, and its data is replaced by the redacted data marked with the number of the event that
  covers it;
- one `anonymised` event is appended to each of the customer's complaints: it names the fields
  anonymised (never their values), lists every redacted event with its hash and the keyed
  digest of its redacted data, and carries the digest of the anonymised registration facts;
- `timeline_verify` checks a redacted event against that record (which its own hash covers)
  instead of its own hash, and the facts against the last digest of them in the chain. An
  edit of a redacted event, a redaction marker put on another event, or an edit of the
  anonymised facts is found as before; verification is never switched off.

A chain already broken is not redacted (its customer is skipped and reported): redacting it
would launder the tampering. The audit log (accounts, itself hash-chained) records each
anonymisation: who or which job, when, which customer (by id), which fields, how many
complaints and texts — no personal data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AuditAction
from tousu.accounts.models import User
from tousu.accounts.services import audit_record
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint, ComplaintEvent, ExportLog, SavedView
from tousu.complaints.search import search_index
from tousu.complaints.selectors import SealCheck, timeline_verify
from tousu.complaints.services import EventDraft, complaint_facts, events_record
from tousu.complaints.timeline import (
    FACTS_KEY,
    REDACTED_KEY,
    REDACTIONS_KEY,
    json_safe,
    redacted_digest,
)
from tousu.core import actors, clock
from tousu.core.anonymise import anonymise
from tousu.core.errors import Conflict, NotAllowed
from tousu.customers.models import Customer

ANONYMOUS_PHONE_PREFIX = "anon-"
RETENTION_ACTOR = actors.RETENTION  # the job's name on the timeline and in the audit log
# The complaint's own texts rewritten; the customer's fields cleared.
COMPLAINT_TEXTS = ("content", "demand", "reply", "pause_reason")
CUSTOMER_FIELDS = (
    "name",
    "phone",
    "account",
    "id_number",
    "address",
    "special_type",
    "special_note",
)
_COMPLAINT_NUMBER = re.compile(r"TS[0-9]{12,}")
# Keys of event data that are digests or references the redaction must leave as they are.
_KEPT_KEYS = {FACTS_KEY, REDACTED_KEY, REDACTIONS_KEY}


def anonymous_phone(customer_pk: int) -> str:
    """The token that replaces the phone: stable, unique (the customer's id) and no personal
    data; it cannot be a phone number (letters), so no registration ever matches it."""
    return f"{ANONYMOUS_PHONE_PREFIX}{customer_pk}"


@dataclass(frozen=True)
class Redaction:
    """What anonymising one customer replaces in a text: their own values (from the record,
    removed exactly) and whatever personal data the patterns find."""

    names: tuple[str, ...]
    phones: tuple[str, ...]
    accounts: tuple[str, ...]
    addresses: tuple[str, ...]

    @classmethod
    def of(cls, customer: Customer) -> Redaction:
        return cls(
            names=(customer.name,) if customer.name else (),
            phones=(customer.phone,),
            accounts=tuple(v for v in (customer.account, customer.id_number) if v),
            addresses=(customer.address,) if customer.address else (),
        )

    def text(self, value: str) -> str:
        if not value:
            return value
        # Complaint numbers (TS + date + sequence) are references, not personal data; the
        # anonymiser would read their long run of digits as an account number.
        numbers = _COMPLAINT_NUMBER.findall(value)
        kept = _COMPLAINT_NUMBER.sub("\x00", value)
        out = anonymise(
            kept,
            names=self.names,
            phones=self.phones,
            accounts=self.accounts,
            addresses=self.addresses,
        )
        for number in numbers:
            out = out.replace("\x00", number, 1)
        return out

    def data(self, value: Any) -> Any:
        """JSON data with every string in it redacted (keys and numbers kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k in _KEPT_KEYS else self.data(v) for k, v in value.items()}
        return value


# A redactor rewrites the texts its app keeps about these complaints (and their customer) and
# returns how many texts changed. Called inside the anonymising transaction.
Redactor = Callable[[Redaction, Customer, Sequence[int]], int]
_REDACTORS: dict[str, Redactor] = {}


def redactor_register(name: str, redactor: Redactor) -> None:
    """Called from an app's AppConfig.ready(): its texts are anonymised with the customer's."""
    _REDACTORS[name] = redactor


def redactors() -> dict[str, Redactor]:
    return dict(_REDACTORS)


def rows_redact(rows: QuerySet[Any], fields: Sequence[str], redaction: Redaction) -> int:
    """Redact the text (or JSON) `fields` of `rows` in place; returns how many texts changed."""
    changed_rows, changed = [], 0
    for row in rows.only("pk", *fields):
        before = changed
        for name in fields:
            old = getattr(row, name)
            new = redaction.data(old)
            if new != old:
                setattr(row, name, new)
                changed += 1
        if changed > before:
            changed_rows.append(row)
    if changed_rows:
        rows.model.objects.bulk_update(changed_rows, list(fields))
    return changed


def model_texts_redactor(
    model: type[Any], fields: Sequence[str], *, of: str = "complaint"
) -> Redactor:
    """A redactor of `model`'s text `fields`, for its rows whose `of` is one of the
    customer's complaints (`of` ending in "customer": whose customer is the customer)."""

    def redact(redaction: Redaction, customer: Customer, pks: Sequence[int]) -> int:
        if of.split("__")[-1] == "customer":
            rows = model.objects.filter(**{f"{of}_id": customer.pk})
        else:
            rows = model.objects.filter(**{f"{of}_id__in": list(pks)})
        return rows_redact(rows, fields, redaction)

    return redact


class AlreadyAnonymised(Conflict):
    pass


@dataclass
class Anonymised:
    """What anonymising one customer did (the audit record's content)."""

    customer_id: int
    complaints: int = 0
    texts: int = 0  # texts that held personal data and were rewritten
    events: int = 0  # timeline events redacted
    fields: list[str] = field(default_factory=list)


# ---- which customers -------------------------------------------------------------------------


def retention_cutoff(now: dt.datetime, days: int | None = None) -> dt.datetime:
    return now - dt.timedelta(days=settings.TOUSU_RETENTION_DAYS if days is None else days)


def customers_due(now: dt.datetime, days: int | None = None) -> QuerySet[Customer]:
    """Customers to anonymise at `now`: not anonymised yet, no complaint that is not closed,
    and the last complaint closed before the retention cutoff — or, for a customer who never
    complained (a survey import reaches such), known since before it."""
    cutoff = retention_cutoff(now, days)
    unfinished = Complaint.objects.filter(customer=OuterRef("pk")).exclude(status=Status.CLOSED)
    any_complaint = Complaint.objects.filter(customer=OuterRef("pk"))
    return (
        Customer.objects.filter(anonymised_at__isnull=True)
        .annotate(last_closed=Max("complaints__closed_at"))
        .filter(~Exists(unfinished))
        .filter(Q(last_closed__lte=cutoff) | (Q(created_at__lte=cutoff) & ~Exists(any_complaint)))
        .order_by("pk")
    )


# ---- anonymising one customer ----------------------------------------------------------------


def customer_anonymise(
    *, customer: Customer, actor: User | None, now: dt.datetime | None = None
) -> Anonymised:
    """Anonymise the customer and the texts of their complaints (see the module's docstring),
    in one transaction, with the `anonymised` events and the audit record. `actor` None is the
    retention job; a person must be an administrator. Refused (nothing changed) when already
    anonymised, when a complaint is not closed, or when a complaint's chain does not verify."""
    if actor is not None and not permissions.can_anonymise(actor):
        raise NotAllowed(_("Only an administrator may anonymise a customer"))
    now = now or clock.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.anonymised_at is not None:
            raise AlreadyAnonymised(_("This customer was anonymised already"))
        complaints = list(
            Complaint.objects.select_for_update()
            .filter(customer=customer)
            .select_related("customer")
            .order_by("pk")
        )
        if any(c.status != Status.CLOSED for c in complaints):
            raise Conflict(_("The customer has a complaint that is not closed"))
        _chains_check(complaints)
        redaction = Redaction.of(customer)
        done = Anonymised(customer_id=customer.pk, complaints=len(complaints))
        done.fields = _customer_clear(customer, now)
        drafts = [_complaint_redact(c, customer, redaction, done) for c in complaints]
        events_record(drafts)
        pks = [c.pk for c in complaints]
        for name, redactor in sorted(_REDACTORS.items()):
            changed = redactor(redaction, customer, pks)
            if changed:
                done.texts += changed
                done.fields.append(name)
        done.texts += _kernel_logs_redact(redaction)
        audit_record(
            actor=actor,
            actor_name="" if actor is not None else RETENTION_ACTOR,
            action=AuditAction.ANONYMISE,
            object_type=Customer._meta.label_lower,
            object_id=str(customer.pk),
            object_repr=f"#{customer.pk}",
            changes={
                "fields": done.fields,
                "complaints": done.complaints,
                "texts": done.texts,
                "events": done.events,
            },
        )
    return done


def _chains_check(complaints: list[Complaint]) -> None:
    if not complaints:
        return
    no_seals = SealCheck({}, (0, ""), [])  # the chains alone: the daily check reads the seals
    _checked, broken = timeline_verify([c.number for c in complaints], seals=no_seals)
    if broken:
        raise Conflict(
            _("The timeline of %(number)s does not verify; it is not anonymised")
            % {"number": broken[0][0]}
        )


def _customer_clear(customer: Customer, now: dt.datetime) -> list[str]:
    """Clear the customer's personal data in place; returns the fields that held some."""
    had = [name for name in CUSTOMER_FIELDS if getattr(customer, name)]
    customer.name = customer.account = customer.id_number = customer.address = ""
    customer.special_type = customer.special_note = ""
    customer.phone = anonymous_phone(customer.pk)
    customer.anonymised_at = now
    customer.save(update_fields=[*CUSTOMER_FIELDS, "anonymised_at", "updated_at"])
    return [f"customer.{name}" for name in had]


def _complaint_redact(
    complaint: Complaint, customer: Customer, redaction: Redaction, done: Anonymised
) -> EventDraft:
    """Rewrite the complaint's texts and redact its events; the `anonymised` event to append
    (it covers the redacted events: its number is the next one)."""
    covering_seq = complaint.event_seq + 1
    changed: dict[str, str] = {}
    for name in COMPLAINT_TEXTS:
        old = getattr(complaint, name)
        new = redaction.text(old)
        if new != old:
            changed[name] = new
            setattr(complaint, name, new)
    if changed:
        Complaint.objects.filter(pk=complaint.pk).update(**changed)
    redactions: dict[str, list[str]] = {}
    events = list(ComplaintEvent.objects.filter(complaint=complaint).order_by("seq"))
    rewritten = []
    for event in events:
        data = json_safe(redaction.data(event.data))
        if data == event.data:
            continue
        data[REDACTED_KEY] = covering_seq
        event.data = data
        digest = redacted_digest(number=complaint.number, seq=event.seq, data=data)
        redactions[str(event.seq)] = [event.hash, digest]
        rewritten.append(event)
    ComplaintEvent.objects.bulk_update(rewritten, ["data"])
    complaint.customer = customer  # the anonymised phone, for the facts' new digest
    search_index(complaint)
    done.texts += len(changed) + len(rewritten)
    done.events += len(rewritten)
    for name in changed:
        if f"complaint.{name}" not in done.fields:
            done.fields.append(f"complaint.{name}")
    if rewritten and "complaint.timeline" not in done.fields:
        done.fields.append("complaint.timeline")
    return EventDraft(
        complaint,
        EventType.ANONYMISED,
        actor_name=RETENTION_ACTOR,
        data={
            "fields": sorted(changed),
            REDACTIONS_KEY: redactions,
            FACTS_KEY: complaint_facts(complaint),
        },
    )


def _kernel_logs_redact(redaction: Redaction) -> int:
    """The customer's phone as a list filter: in export logs and saved views."""
    changed = 0
    for phone in redaction.phones:
        logs = list(ExportLog.objects.filter(filters__customer_phone=phone))
        for log in logs:
            log.filters = {**log.filters, "customer_phone": ""}
        ExportLog.objects.bulk_update(logs, ["filters"])
        views = list(SavedView.objects.filter(query__contains=phone))
        for view in views:
            view.query = view.query.replace(phone, "")
        SavedView.objects.bulk_update(views, ["query"])
        changed += len(logs) + len(views)
    return changed


# ---- the job ---------------------------------------------------------------------------------


@dataclass
class RetentionRun:
    anonymised: int = 0
    texts: int = 0
    skipped: list[int] = field(default_factory=list)  # customers refused (a broken chain …)


RETENTION_BATCH = 200


def customers_anonymise_due(
    *, now: dt.datetime | None = None, days: int | None = None
) -> RetentionRun:
    """Anonymise every customer due (`customers_due`), each in its own transaction: the
    `customers.anonymise` job. Idempotent: an anonymised customer is no longer due, and a
    second worker waiting on a customer's lock finds it anonymised and skips it."""
    now = now or clock.now()
    run = RetentionRun()
    after = 0
    while pks := list(
        customers_due(now, days).filter(pk__gt=after).values_list("pk", flat=True)[:RETENTION_BATCH]
    ):
        for pk in pks:
            try:
                done = customer_anonymise(customer=Customer(pk=pk), actor=None, now=now)
            except AlreadyAnonymised:  # another worker was first
                continue
            except Conflict:
                run.skipped.append(pk)
                continue
            run.anonymised += 1
            run.texts += done.texts
        after = pks[-1]
    return run

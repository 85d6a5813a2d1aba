"""`complaint_register`: the one way a complaint enters the system, from every channel (R1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Model, Q, Window
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import Region, User
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.services import callback_answer_by_customer
from tousu.classification.models import Category
from tousu.classification.selectors import CategoryDecision, category_decide
from tousu.complaints.choices import Channel, EventType, Level
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES, format_number
from tousu.complaints.search import search_row
from tousu.complaints.services import (
    EventDraft,
    complaint_create,
    complaint_lock,
    event_record,
    number_and_ids_allocate,
)
from tousu.complaints.timeline import canonical
from tousu.core import clock, ratelimit
from tousu.core.errors import (
    Conflict,
    DomainError,
    Duplicate,
    FieldErrors,
    NotAllowed,
    NotFound,
    RateLimited,
    ValidationFailed,
    too_long_message,
)
from tousu.core.reasons import reason
from tousu.core.text import clean_text, has_visible_text, normalise_phone
from tousu.customers.choices import SpecialType
from tousu.customers.models import Customer
from tousu.customers.services import customer_get_or_create
from tousu.intake import risk as intake_risk
from tousu.intake import rules as intake_rules
from tousu.intake import selectors as intake_selectors
from tousu.intake.models import EmotionModel, IdempotencyKey, PageCode
from tousu.intake.rules import PAGE_NOTE_MAX_FILES
from tousu.intake.selectors import references_by_code
from tousu.intake.signals import complaint_registered
from tousu.messages import triggers as message_triggers
from tousu.messages.choices import MessageChannel, MessageKind
from tousu.messages.models import Message
from tousu.messages.services import (
    Incoming,
    Outgoing,
    message_fresh_queue,
    message_queue,
    message_receive,
)
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import NotificationDraft, notify_many, webhook_emit
from tousu.resolution.rules import evidence_problem
from tousu.resolution.services import complaint_accept_by_customer, evidence_add_by_customer
from tousu.routing.services import dispatch_drafts, route_apply, route_decide
from tousu.sla import constants as sla_constants
from tousu.sla import rules as sla_rules
from tousu.sla import selectors as sla_selectors
from tousu.sla.services import authority_clocks_create, complaint_reopen

CONTENT_MAX_CHARS = 10_000
DEMAND_MAX_CHARS = 2_000
NAME_MAX_CHARS = 64
ACCOUNT_MAX_CHARS = 32  # Customer.account
EXTERNAL_REF_MAX_CHARS = 64  # Complaint.external_ref
PRODUCT_MAX_CHARS = 64  # Complaint.product, Customer.plan
IDEMPOTENCY_KEY_MAX_CHARS = 128  # IdempotencyKey.key
# Clocks of other systems drift; a received time a few minutes ahead is not "the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


# How many of the customer's recent complaints the repeat check compares, newest first.
REPEAT_CANDIDATES_MAX = 50


@dataclass
class Registration:
    """What a channel knows at first contact (R1.2). Strings as typed; validated by the service."""

    channel: str
    content: str
    customer_phone: str
    customer_name: str = ""
    customer_account: str = ""
    region: str = ""  # region code
    received_at: dt.datetime | None = None
    demand: str = ""
    external_ref: str = ""
    category: str = ""  # code; given → no automatic classification
    level: str = ""
    # The product (plan/tariff) the complaint is about, when the channel knows it as it was at
    # the time (an import of old complaints); blank → the customer's plan at registration.
    product: str = ""
    # A customer the channel identified otherwise than by phone (a mail's sender known only by
    # their address): `customer_phone` is then ignored.
    customer: Customer | None = None
    # A regulator referral's authority (工信部, 某省通信管理局), when it received the complaint
    # and its deadlines; omitted deadlines take the defaults (sla.rules.authority_dues).
    authority: str = ""
    authority_received_at: dt.datetime | None = None
    authority_first_contact_due: dt.datetime | None = None
    authority_reply_due: dt.datetime | None = None
    # False when the channel acknowledges by itself (e-mail intake's reply, limited per
    # address and hour; WeChat's passive reply): no second acknowledgement from the trigger.
    acknowledge: bool = True
    extra_errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Referral:
    """A regulator referral's authority and deadlines, decided (issue 17)."""

    authority: str
    received_at: dt.datetime
    first_contact_due: dt.datetime
    reply_due: dt.datetime

    def event_data(self) -> dict[str, str]:
        return {
            "authority": self.authority,
            "authority_received_at": self.received_at.isoformat(),
            "authority_first_contact_due": self.first_contact_due.isoformat(),
            "authority_reply_due": self.reply_due.isoformat(),
        }


AUTHORITY_FIELDS = (
    ("authority_received_at", "authority.received_at"),
    ("authority_first_contact_due", "authority.first_contact_due"),
    ("authority_reply_due", "authority.reply_due"),
)


def _referral_check(
    reg: Registration, received_at: dt.datetime, errors: FieldErrors
) -> Referral | None:
    """A regulator referral's authority and deadlines (the defaults where none are given);
    None for other channels, which may not carry them."""
    given = [name for name, _field in AUTHORITY_FIELDS if getattr(reg, name) is not None]
    if reg.channel != Channel.REGULATOR:
        if reg.authority or given:
            errors.add("authority", _("Only a regulator referral has an authority's deadlines"))
        return None
    authority = clean_text(reg.authority or "")
    if len(authority) > sla_constants.AUTHORITY_NAME_MAX_CHARS:
        errors.add(
            "authority.name",
            _("The authority takes at most %(limit)s characters")
            % {"limit": sla_constants.AUTHORITY_NAME_MAX_CHARS},
        )
    for name, path in AUTHORITY_FIELDS:
        moment = getattr(reg, name)
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            errors.add(path, _("The time needs a time zone, e.g. 2026-11-20T09:30:00+08:00"))
            return None
    started = reg.authority_received_at
    if started is not None:
        if started > clock.now() + FUTURE_TOLERANCE:
            errors.add("authority.received_at", _("The time received cannot be later than now"))
        elif started < clock.earliest():
            errors.add(
                "authority.received_at",
                _("The time received cannot be earlier than %(date)s")
                % {"date": clock.earliest_day().isoformat()},
            )
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        return None  # reported on received_at
    started, contact, reply = sla_rules.authority_dues(
        received_at=received_at,
        authority_received_at=started,
        first_contact_due=reg.authority_first_contact_due,
        reply_due=reg.authority_reply_due,
    )
    for due, path in ((contact, "authority.first_contact_due"), (reply, "authority.reply_due")):
        if due <= started:
            errors.add(path, _("The deadline must be after the authority received the complaint"))
    return Referral(authority, started, contact, reply)


@dataclass
class _Clean:
    channel: str
    content: str
    phone: str
    name: str
    account: str
    region: Region | None
    received_at: dt.datetime
    demand: str
    external_ref: str
    category: Category | None
    level: str
    product: str = ""
    referral: Referral | None = None
    acknowledge: bool = True


def _story_check(reg: Registration, errors: FieldErrors) -> tuple[str, str]:
    """The content and the demand, cleaned; their errors added to `errors`."""
    content = clean_text(reg.content or "")
    if not has_visible_text(content):
        errors.add("content", _("The content of the complaint cannot be empty"))
    elif len(content) > CONTENT_MAX_CHARS:
        errors.add(
            "content",
            _("The content of the complaint takes at most %(limit)s characters, now %(length)s")
            % {"limit": CONTENT_MAX_CHARS, "length": len(content)},
        )
    demand = clean_text(reg.demand or "")
    if len(demand) > DEMAND_MAX_CHARS:
        errors.add(
            "demand",
            _("The demand takes at most %(limit)s characters, now %(length)s")
            % {"limit": DEMAND_MAX_CHARS, "length": len(demand)},
        )
    return content, demand


def _customer_check(reg: Registration, errors: FieldErrors) -> tuple[str | None, str, str]:
    """The customer's phone (normalised; None when invalid), name and account, cleaned; their
    errors added to `errors`."""
    if reg.customer is not None:
        phone: str | None = reg.customer.phone
    else:
        phone = normalise_phone(reg.customer_phone or "")
    if phone is None:
        errors.add(
            "customer.phone",
            _("Invalid phone number: an 11-digit mobile number or a landline with its area code"),
        )
    name = clean_text(reg.customer_name or "")
    if len(name) > NAME_MAX_CHARS:
        errors.add(
            "customer.name",
            _("The name takes at most %(limit)s characters") % {"limit": NAME_MAX_CHARS},
        )
    account = clean_text(reg.customer_account or "")
    if len(account) > ACCOUNT_MAX_CHARS:
        errors.add(
            "customer.account",
            _("The account number takes at most %(limit)s characters")
            % {"limit": ACCOUNT_MAX_CHARS},
        )
    return phone, name, account


def _received_check(reg: Registration, errors: FieldErrors) -> dt.datetime:
    """The time received (now when not given): aware, not in the future, not before
    TOUSU_EARLIEST_RECEIVED. Every channel comes through here; a time out of that range would
    be overdue at once (1900) or overflow the time arithmetic (year 1), so it is an error of
    the input. Compared as instants, never converted: 0001-01-01T00:00+08:00 has no UTC."""
    now = clock.now()
    received_at = reg.received_at or now
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        errors.add("received_at", _("The time needs a time zone, e.g. 2026-11-20T09:30:00+08:00"))
    elif received_at > now + FUTURE_TOLERANCE:
        errors.add("received_at", _("The time received cannot be later than now"))
    elif received_at < clock.earliest():
        errors.add(
            "received_at",
            _("The time received cannot be earlier than %(date)s")
            % {"date": clock.earliest_day().isoformat()},
        )
    return received_at


def _validate(reg: Registration) -> _Clean:
    errors = FieldErrors()
    for name, messages in reg.extra_errors.items():  # the channel's own, found while parsing
        for message in messages:
            errors.add(name, message)
    if reg.channel not in Channel.values:
        errors.add(
            "channel",
            _("Unknown channel “%(channel)s”; one of: %(values)s")
            % {"channel": reg.channel, "values": ", ".join(Channel.values)},
        )
    content, demand = _story_check(reg, errors)
    phone, name, account = _customer_check(reg, errors)
    external_ref = clean_text(reg.external_ref or "")
    if len(external_ref) > EXTERNAL_REF_MAX_CHARS:
        errors.add(
            "external_ref",
            _("The external reference takes at most %(limit)s characters")
            % {"limit": EXTERNAL_REF_MAX_CHARS},
        )
    product = clean_text(reg.product or "")
    if len(product) > PRODUCT_MAX_CHARS:
        errors.add(
            "product",
            _("The product takes at most %(limit)s characters") % {"limit": PRODUCT_MAX_CHARS},
        )
    category, region = references_by_code(category=reg.category, region=reg.region)
    if reg.region and region is None:
        errors.add("customer.region", _("Unknown region “%(code)s”") % {"code": reg.region})
    received_at = _received_check(reg, errors)
    referral = _referral_check(reg, received_at, errors)
    if reg.category and category is None:
        errors.add("category", _("Unknown category “%(code)s”") % {"code": reg.category})
    if reg.level and reg.level not in Level.values:
        errors.add(
            "level",
            _("Unknown level “%(level)s”; one of: %(values)s")
            % {"level": reg.level, "values": ", ".join(Level.values)},
        )
    errors.raise_if_any()
    assert phone is not None
    return _Clean(
        channel=reg.channel,
        content=content,
        phone=phone,
        name=name,
        account=account,
        region=region,
        received_at=received_at,
        demand=demand,
        external_ref=external_ref,
        category=category,
        level=reg.level,
        product=product,
        referral=referral,
        acknowledge=reg.acknowledge,
    )


@dataclass(frozen=True)
class History:
    """What a complaint being registered is compared with (R2.5, R2.6)."""

    # The customer's in the repeat window, and those still open however old, newest first.
    candidates: list[Complaint]
    prior: int  # the same phone's in the risk window


def history_of(*, customer: Customer, account: str, received_at: dt.datetime) -> History:
    """The customer's earlier complaints, in one query: the newest `REPEAT_CANDIDATES_MAX` of
    the same customer (same phone, or same account) received before `received_at`, through
    any channel, within the repeat window or still open (an issue not yet settled is the same
    issue however long ago it was raised), and how many of the same phone fall within the risk
    window (counted over all of them, before the limit)."""
    repeat_from = received_at - dt.timedelta(days=settings.TOUSU_REPEAT_WINDOW_DAYS)
    prior_from = received_at - dt.timedelta(days=intake_risk.PRIOR_WINDOW_DAYS)
    same_customer = Q(customer=customer)
    if account or customer.account:
        same_customer |= Q(customer__account=account or customer.account)
    # Newest first, the rows of the shorter window come before the others: the first
    # REPEAT_CANDIDATES_MAX rows hold the newest of the repeat window, however long the other.
    rows = list(
        Complaint.objects.filter(
            same_customer,
            Q(received_at__gte=min(repeat_from, prior_from)) | Q(status__in=OPEN_STATUSES),
            received_at__lte=received_at,
        )
        .annotate(
            prior=Window(Count("pk", filter=Q(customer=customer, received_at__gte=prior_from)))
        )
        .select_related("category", "department", "handler")
        .order_by("-received_at", "-pk")[:REPEAT_CANDIDATES_MAX]
    )
    return History(
        candidates=[c for c in rows if c.received_at >= repeat_from or c.is_open],
        prior=rows[0].prior if rows else 0,
    )


def repeat_among(
    candidates: list[Complaint], *, category: Category | None, content: str
) -> Complaint | None:
    """The earlier complaint this one repeats: the first candidate about the same category or
    telling a similar story; None when there is none."""
    code = category.code if category else ""
    for candidate in candidates:
        other = candidate.category.code if candidate.category else ""
        if intake_rules.same_category(code, other) or intake_rules.similar_text(
            content, candidate.content
        ):
            return candidate
    return None


@dataclass(frozen=True)
class Assessment:
    """Intake's decisions about a complaint being registered: the earlier complaint it repeats,
    its emotion and escalation risk (R2.4, R2.5, R2.6), and the level they make."""

    repeat_of: Complaint | None
    emotion: intake_risk.Emotion
    risk: intake_risk.Risk
    level: str


def assess(*, data: _Clean, customer: Customer, new: bool, category: Category | None) -> Assessment:
    """Intake's decisions (`Assessment`) about a complaint of `customer`, `new` when created
    by this registration."""
    if new and not customer.account:
        history = History(candidates=[], prior=0)  # no complaint can be theirs yet
    else:
        history = history_of(customer=customer, account=data.account, received_at=data.received_at)
    earlier = repeat_among(history.candidates, category=category, content=data.content)
    text = data.content + "\n" + data.demand
    feeling = intake_risk.emotion(text)  # kept, and weighed in the risk: read once
    risk = intake_risk.risk(
        text,
        data.channel,
        history.prior,
        earlier is not None,
        professional=customer.special_type == SpecialType.PROFESSIONAL,
        feeling=feeling,
    )
    level = intake_rules.registered_level(
        sla_rules.initial_level(data.channel, data.level or None),
        earlier_level=earlier.level if earlier is not None else None,
        risk_score=risk.score,
        risk_high=settings.TOUSU_RISK_HIGH,
    )
    return Assessment(earlier, feeling, risk, level)


def _complaint_row(
    data: _Clean,
    *,
    customer: Customer,
    decision: CategoryDecision,
    assessment: Assessment,
    due: tuple[dt.datetime, dt.datetime, str],
    actor: User | None,
) -> Complaint:
    """The new complaint as decided, not yet numbered nor written."""
    first_response_due, resolution_due, policy_code = due
    risk, emotion = assessment.risk, assessment.emotion
    return Complaint(
        channel=data.channel,
        content=data.content,
        demand=data.demand,
        customer=customer,
        region=data.region or customer.region,
        # The product as it is now (a snapshot, see Complaint.product): from the customer row
        # already loaded, so registration reads nothing more for it.
        product=data.product or customer.plan,
        external_ref=data.external_ref,
        category=decision.category,
        category_confidence=decision.confidence,
        category_source=decision.source,
        level=assessment.level,
        repeat_of=assessment.repeat_of,
        registered_by=actor,
        received_at=data.received_at,
        registered_at=clock.now(),
        first_response_due=first_response_due,
        resolution_due=resolution_due,
        time_limit_policy=policy_code,
        risk_score=risk.score,
        risk_reasons=risk.reasons,
        anger=emotion.anger,
        urgency=emotion.urgency,
    )


def _registration_events(
    complaint: Complaint,
    *,
    data: _Clean,
    decision: CategoryDecision,
    assessment: Assessment,
    actor: User | None,
    actor_name: str | None,
) -> list[EventDraft]:
    """The registration's own events: registered, then classified when there is a category
    or a suggestion (routing's `dispatched` follows them)."""
    earlier, risk, emotion = assessment.repeat_of, assessment.risk, assessment.emotion
    registered = EventDraft(
        complaint,
        EventType.REGISTERED,
        actor=actor,
        actor_name=actor_name,
        data={
            "channel": data.channel,
            "level": complaint.level,
            "external_ref": data.external_ref,
            **({"product": complaint.product} if complaint.product else {}),
            **(data.referral.event_data() if data.referral else {}),
            "repeat_of": earlier.number if earlier else None,
            "risk": {"score": risk.score, "reasons": risk.reasons},
            "emotion": {"anger": emotion.anger, "urgency": emotion.urgency},
        },
    )
    classified = decision.event_data()
    if classified is None:
        return [registered]
    # A category given by the channel is the registering person's; the model's, the system's.
    by, name = (actor, actor_name) if decision.given else (None, "system")
    return [
        registered,
        EventDraft(complaint, EventType.CLASSIFIED, actor=by, actor_name=name, data=classified),
    ]


def _repeat_notice(complaint: Complaint, earlier: Complaint | None) -> list[NotificationDraft]:
    """The handler of the earlier complaint hears that the customer complained again."""
    if earlier is None or earlier.handler is None:
        return []
    text = reason("notice.repeat", earlier=earlier.number, number=complaint.number)
    return [NotificationDraft([earlier.handler], NotificationKind.REPEAT, text, complaint)]


def _checked(registration: Registration, actor: User | None) -> _Clean:
    if actor is not None and not permissions.can_register(actor):
        raise NotAllowed(_("Your role may not register complaints"))
    data = _validate(registration)
    _refuse_duplicate(data)
    return data


def _refuse_duplicate(data: _Clean) -> None:
    """A channel's reference (a regulator's case number) is registered once: the same referral
    sent again is the complaint registered before, which the error names."""
    if not data.external_ref:
        return
    existing = (
        Complaint.objects.filter(channel=data.channel, external_ref=data.external_ref)
        .values_list("number", flat=True)
        .first()
    )
    if existing is not None:
        message = _("This external reference is already registered as %(number)s") % {
            "number": existing
        }
        raise Duplicate(message, existing=existing, fields={"external_ref": [message]})


@dataclass(frozen=True)
class _Key:
    """An API client's Idempotency-Key, written with the complaint it registers."""

    user: User
    key: str
    fingerprint: str

    def row(self, complaint: Complaint) -> IdempotencyKey:
        return IdempotencyKey(
            user=self.user, key=self.key, body_hash=self.fingerprint, complaint=complaint
        )


def _register(
    data: _Clean,
    *,
    actor: User | None,
    actor_name: str | None,
    idempotency: _Key | None = None,
) -> Complaint:
    """Register validated data, each decision taken by its domain before the row is written
    once, with the client's key if given. Precondition: inside `transaction.atomic`."""
    customer, new = customer_get_or_create(
        phone=data.phone, name=data.name, account=data.account, region=data.region
    )
    text = data.content + "\n" + data.demand
    decision = category_decide(given=data.category, text=text)  # classification
    # Intake's own: the repeat, the risk, the level.
    assessment = assess(data=data, customer=customer, new=new, category=decision.category)
    route = route_decide(  # routing
        category=decision.category,
        region=data.region or customer.region,
        channel=data.channel,
        level=assessment.level,
        repeat_of=assessment.repeat_of,
    )
    due = sla_selectors.due_times_for(  # sla
        category=decision.category,
        level=assessment.level,
        channel=data.channel,
        received_at=data.received_at,
    )
    complaint = route_apply(
        _complaint_row(
            data, customer=customer, decision=decision, assessment=assessment, due=due, actor=actor
        ),
        route,
    )
    # From the number to the commit, the day's number lock is held and registrations queue
    # on it: only what needs the number or the keys is done after it (issue 19).
    # The acknowledgement's key is reserved with the number, in one statement: its
    # `message_out` event then goes in with the complaint's others, and the complaint with
    # the head of its whole chain — no second event INSERT, no UPDATE of the row.
    search = search_row(text)  # the words' segmentation, before the lock
    day = clock.local_today()
    reserve = (Complaint, Message) if data.acknowledge else (Complaint,)
    sequence, keys = number_and_ids_allocate(day, reserve)
    complaint.number = format_number(day.strftime("%Y%m%d"), sequence)
    if keys:
        complaint.pk = keys[0]
    dispatched, notices = dispatch_drafts(complaint, route)
    events = [
        *_registration_events(
            complaint,
            data=data,
            decision=decision,
            assessment=assessment,
            actor=actor,
            actor_name=actor_name,
        ),
        dispatched,
    ]
    # The customer is told it was received, in this transaction, sent after commit (unless
    # the channel answers itself: a mail's own rate-limited reply, WeChat's passive reply).
    rows: list[Model] = []
    if data.acknowledge and keys:
        acknowledgement, message_out = message_triggers.acknowledgement_draft(complaint, keys[1])
        events.append(message_out)
        rows.append(message_fresh_queue(acknowledgement))
    if idempotency is not None:
        rows.append(idempotency.row(complaint))
    _risk_weighed_at_registration(complaint, events)
    complaint = complaint_create(complaint=complaint, events=events, rows=rows, search=search)
    if data.acknowledge and not keys:  # none reserved (SQLite before 3.35): written now
        message_triggers.acknowledge(complaint)
    if data.referral is not None:  # the regulator's clocks beside ours (issue 17)
        referral = data.referral
        authority_clocks_create(
            complaint=complaint,
            authority=referral.authority,
            authority_received_at=referral.received_at,
            first_contact_due=referral.first_contact_due,
            reply_due=referral.reply_due,
        )
    notify_many([*notices, *_repeat_notice(complaint, assessment.repeat_of)])
    webhook_emit(event=EventType.REGISTERED, complaint=complaint, data={"channel": data.channel})
    # Robust: the complaint is registered whatever a listener does after (its error is logged).
    transaction.on_commit(
        lambda: complaint_registered.send_robust(sender=Complaint, complaint=complaint)
    )
    return complaint


def _risk_weighed_at_registration(complaint: Complaint, events: list[EventDraft]) -> None:
    """Mark the new complaint's risk weighed as of its registration's events (numbered 1 to
    n): `risks_rescore` would find nothing since to change it (an empty `Life` leaves the
    registration's risk as it is) and need not weigh it again until something happens to it
    or its limit passes — not once per new complaint, in the background, after every
    registration (issue 19). One registered already past its limit stays unweighed, for the
    job to add that."""
    if complaint.resolution_due is not None and complaint.resolution_due > complaint.registered_at:
        complaint.risk_scored_at = complaint.registered_at
        complaint.risk_scored_seq = len(events)


def complaint_register(
    *, registration: Registration, actor: User | None, actor_name: str | None = None
) -> Complaint:
    """Register a complaint: validate, find or create the customer, classify, assess, route,
    number it, set its time limits and dispatch it to the responsible department — all or
    nothing.

    `actor` is the member of staff (or API user) registering; None for the customer's own
    public submission, with `actor_name` saying who it was.
    """
    data = _checked(registration, actor)
    try:
        with transaction.atomic():
            return _register(data, actor=actor, actor_name=actor_name)
    except IntegrityError:
        # Two registrations of one reference at once both passed `_refuse_duplicate`; the
        # unique constraint refused the second to commit: answered as the duplicate it is.
        _refuse_duplicate(data)
        raise


def body_fingerprint(body: object) -> str:
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def _earlier_result(*, actor: User, key: str, fingerprint: str) -> tuple[Complaint, bool] | None:
    """The complaint registered before under the actor's key, if any: the answer to a retry
    with the same body; another body is a Conflict."""
    row = IdempotencyKey.objects.select_related("complaint").filter(user=actor, key=key).first()
    if row is None:
        return None
    if row.body_hash != fingerprint:
        raise Conflict(_("This Idempotency-Key was used for another request with a different body"))
    return row.complaint, False


def complaint_register_idempotent(
    *, registration: Registration, actor: User, key: str, body: object
) -> tuple[Complaint, bool]:
    """Register once per (user, key). Returns (complaint, created). The same key with another
    body is a client error (Conflict), never a silent second complaint.

    The key is not looked up beforehand: it is inserted last, in the registration's
    transaction, and the unique (user, key) refuses one used before, which rolls the
    registration back. A first request, the normal case, thus costs one statement for its key
    instead of two; a retry pays for a registration undone, and is answered as before."""
    fingerprint = body_fingerprint(body)
    if len(key) > IDEMPOTENCY_KEY_MAX_CHARS or not key.strip():
        raise ValidationFailed.for_field(
            "Idempotency-Key",
            _("1 to %(limit)s characters") % {"limit": IDEMPOTENCY_KEY_MAX_CHARS},
            message=_("Invalid Idempotency-Key"),
        )
    try:
        data = _checked(registration, actor)
        with transaction.atomic():  # one transaction for the complaint and its key
            complaint = _register(
                data, actor=actor, actor_name=None, idempotency=_Key(actor, key, fingerprint)
            )
    except (DomainError, IntegrityError) as exc:
        # A key used before, by an earlier request or a concurrent one that won the race: its
        # result is the answer, whatever this attempt made of the body (it may not be valid
        # any more: a category since deactivated, the role since changed).
        if (found := _earlier_result(actor=actor, key=key, fingerprint=fingerprint)) is not None:
            return found
        if isinstance(exc, IntegrityError):  # not the key: the reference, as above
            _refuse_duplicate(data)
        raise
    return complaint, True


# ---- risk over the complaint's life (R10.2, issue 15) -----------------------------------------


def risks_rescore(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Weigh again the risk of every open complaint that changed (or went past its limit)
    since its risk was last weighed: the registration's risk with what its life added
    (`intake.risk.risk_over_life`). A changed score or reason is written with a `risk_changed`
    event; either way the complaint is marked weighed (time and event number). Idempotent: a
    second run finds nothing."""
    now = now or clock.now()
    weighed = changed = 0
    while pks := intake_selectors.risk_rescore_due(now):
        for pk, ((score, reasons), life) in intake_selectors.lives(pks, now).items():
            new = intake_risk.risk_over_life(score, reasons, life)
            with transaction.atomic():
                complaint = complaint_lock(Complaint(pk=pk))
                if (complaint.risk_score, complaint.risk_reasons) != (new.score, new.reasons):
                    event_record(
                        complaint=complaint,
                        type=EventType.RISK_CHANGED,
                        actor=None,
                        data={
                            "from": complaint.risk_score,
                            "to": new.score,
                            "reasons": new.reasons,
                        },
                    )
                    Complaint.objects.filter(pk=pk).update(
                        risk_score=new.score, risk_reasons=new.reasons
                    )
                    changed += 1
                # Weighed as of now and of its latest event (the one above, if any), so
                # that it is picked again only when something new happens.
                Complaint.objects.filter(pk=pk).update(
                    risk_scored_at=now, risk_scored_seq=F("event_seq")
                )
            weighed += 1
    return {"weighed": weighed, "changed": changed}


def emotion_model_train(*, texts: list[str], negative: list[bool], source: str) -> EmotionModel:
    """Train an anger model (intake.emotion) and make it the active one, with its held-out
    scores. Raises DomainError when the texts do not hold both kinds."""
    from tousu.intake import emotion as intake_emotion

    if len(texts) != len(negative) or len(set(negative)) < 2:
        raise DomainError(_("Training needs both negative and other texts."))
    trained = intake_emotion.train(texts, negative)
    version = f"emotion-{clock.now():%Y%m%d%H%M%S%f}"
    with transaction.atomic():
        EmotionModel.objects.filter(active=True).update(active=False)
        model = EmotionModel.objects.create(
            version=version,
            source=source[:255],
            training_n=trained.training_n,
            metrics=trained.metrics,
            active=True,
            blob=trained.model.dumps(),
        )
    return model


# ---- the customer's own page (issue 17) ----------------------------------------------------
# The customer proves they are the complaint's own with its number, their phone and a code
# sent to that phone by SMS; then they read its progress, add to it, accept the reply or ask
# to reopen it. These services are called only after that proof (the page's signed session).

CODE_SCOPE = "page-code"


def _own_complaint(number: str, phone: str) -> Complaint:
    """The complaint `number` if `phone` is its customer's; NotFound otherwise, the same for a
    number that does not exist, so that nobody learns which numbers exist or whose they are."""
    normalised = normalise_phone(phone or "")
    complaint = (
        Complaint.objects.select_related("customer").filter(number=number.strip().upper()).first()
    )
    if complaint is None or normalised is None or complaint.customer.phone != normalised:
        raise NotFound(_("No complaint with this number and phone number; please check both"))
    return complaint


def _code_hash(complaint_id: int, code: str) -> str:
    # Keyed with the site's secret: the table alone does not let anyone try the million codes.
    key = f"{settings.SECRET_KEY}:page-code:{complaint_id}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _code_limit(number: str, phone: str, ip: str) -> None:
    """RateLimited when this address, this number or this phone asked for too many codes."""
    within = ratelimit.hit(
        CODE_SCOPE + "-ip", ip, limit=settings.TOUSU_PUBLIC_RATE_LIMIT, window_seconds=3600
    )
    for scope, ident in (("-number", number.strip().upper()), ("-phone", phone.strip())):
        within = (
            ratelimit.hit(
                CODE_SCOPE + scope,
                ident,
                limit=intake_rules.PAGE_CODES_PER_HOUR,
                window_seconds=3600,
            )
            and within
        )
    if not within:
        raise RateLimited(_("Too many codes asked for; please try again in an hour"))


def page_code_send(*, number: str, phone: str, ip: str) -> Message:
    """Send a one-time code by SMS to the customer of complaint `number`, who must be the owner
    of `phone`; the earlier codes of the complaint stop working. Sent at once, quiet hours or
    not: the customer is waiting for it. Rate-limited per address, number and phone."""
    _code_limit(number, phone, ip)
    complaint = _own_complaint(number, phone)
    code = "".join(secrets.choice("0123456789") for _i in range(intake_rules.PAGE_CODE_DIGITS))
    now = clock.now()
    with transaction.atomic():
        PageCode.objects.filter(
            complaint=complaint, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        PageCode.objects.create(
            complaint=complaint,
            code_hash=_code_hash(complaint.pk, code),
            created_at=now,
            expires_at=now + intake_rules.PAGE_CODE_TTL,
        )
        minutes = int(intake_rules.PAGE_CODE_TTL.total_seconds() // 60)
        text = _(
            "Your code for complaint %(number)s is %(code)s, valid for %(minutes)s minutes. "
            "Do not give it to anyone."
        ) % {"number": complaint.number, "code": code, "minutes": minutes}
        return message_queue(
            complaint=complaint,
            outgoing=Outgoing(kind=MessageKind.CODE, text=text, channel=MessageChannel.SMS),
            actor=None,
        )


def page_code_verify(*, number: str, phone: str, code: str, ip: str) -> Complaint:
    """The complaint whose latest code is `code`: the code is used up. ValidationFailed on the
    `code` field when it is wrong, expired or tried too often; NotFound as `page_code_send`."""
    if not ratelimit.hit(
        CODE_SCOPE + "-verify", ip, limit=settings.TOUSU_PUBLIC_RATE_LIMIT, window_seconds=3600
    ):
        raise RateLimited(_("Too many requests; please try again later"))
    complaint = _own_complaint(number, phone)
    now = clock.now()
    latest = (
        PageCode.objects.filter(complaint=complaint, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None or latest.expires_at <= now:
        raise _code_refused(_("The code has expired. Please ask for a new one."))
    tried = PageCode.objects.filter(
        pk=latest.pk, attempts__lt=intake_rules.PAGE_CODE_MAX_TRIES, used_at__isnull=True
    ).update(attempts=F("attempts") + 1)
    if not tried:
        raise _code_refused(_("Too many wrong codes. Please ask for a new one."))
    if not hmac.compare_digest(latest.code_hash, _code_hash(complaint.pk, code.strip())):
        raise _code_refused(_("The code is not right. Please check the SMS and try again."))
    used = PageCode.objects.filter(pk=latest.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not used:  # used by a parallel request a moment ago
        raise _code_refused(_("The code has expired. Please ask for a new one."))
    return complaint


def _code_refused(message: str) -> ValidationFailed:
    return ValidationFailed.for_field("code", message, message=message)


@dataclass(frozen=True)
class PageFile:
    """A file the customer attaches on their page."""

    name: str
    # The whole file, or only its first bytes when `size` is already over the limit.
    content: bytes
    size: int


def page_note_add(
    *, complaint: Complaint, text: str, files: list[PageFile], key: str
) -> tuple[Message, bool]:
    """The customer adds information (and files) on their page: a customer message on the
    complaint — the handler is told — and each file as the customer's evidence, under the
    evidence checks of type and size. `key` is the form's own id: the same form posted twice
    (a double tap, a reload) is recorded once. All files are checked before anything is
    written, so a refused file leaves no half-sent note. Rate-limited per complaint."""
    body = clean_text(text or "")
    errors = FieldErrors()
    if not body and not files:
        errors.add("text", _("Please write something or attach a file"))
    if len(body) > intake_rules.PAGE_NOTE_MAX_CHARS:
        errors.add("text", too_long_message(intake_rules.PAGE_NOTE_MAX_CHARS))
    if len(files) > intake_rules.PAGE_NOTE_MAX_FILES:
        errors.add("files", _("At most %(n)s files at a time") % {"n": PAGE_NOTE_MAX_FILES})
    for item in files:
        problem = evidence_problem(item.name, item.size, item.content[:2048])
        if problem:
            errors.add("files", f"{item.name}: {problem}")
    errors.raise_if_any(_("Please check what you sent"))
    if not ratelimit.hit(
        "page-note",
        str(complaint.pk),
        limit=intake_rules.PAGE_NOTES_PER_HOUR,
        window_seconds=3600,
    ):
        raise RateLimited(_("You have sent a lot in the last hour; please try again later"))
    if files:
        names = "、".join(item.name for item in files)
        attached = _("Attached: %(names)s") % {"names": names}
        body = f"{body}\n{attached}".strip()
    with transaction.atomic():
        message, new = message_receive(
            complaint=complaint,
            incoming=Incoming(
                channel=MessageChannel.PAGE,
                text=body,
                external_id=f"page:{complaint.pk}:{key}"[:255],
                address=complaint.customer.phone,
            ),
        )
        if new:
            for item in files:
                evidence_add_by_customer(complaint=complaint, name=item.name, content=item.content)
    return message, new


def _customer_reopened(complaint: Complaint) -> bool:
    return complaint.events.filter(type=EventType.REOPENED, actor_name="customer").exists()


def page_accept(*, complaint: Complaint) -> Complaint:
    """The customer accepts the reply: the resolved complaint is closed as accepted. Once: a
    closed complaint cannot be closed again (409)."""
    return complaint_accept_by_customer(complaint=complaint)


def page_reopen(*, complaint: Complaint, reason_text: str) -> Complaint:
    """The customer is not satisfied with the reply and asks to reopen it, with their reason.
    Once per complaint from the page: a second time, they talk to us (the hotline), so that a
    complaint cannot be bounced back for ever."""
    if _customer_reopened(complaint):
        raise Conflict(_("You have already asked to reopen this complaint once; please call us."))
    return complaint_reopen(
        complaint=complaint, actor=None, reason=reason_text, actor_name="customer"
    )


def survey_answer(
    *, task: CallbackTask, scores: dict[str, int], overall: int, comment: str
) -> CallbackTask:
    """The customer's own answer to the callback survey (the link sent to them)."""
    return callback_answer_by_customer(task=task, scores=scores, overall=overall, comment=comment)

"""A complaint in any status, built directly (the `complaint_in` fixture of the root conftest).

For tests that need a complaint to exist in some status and are not about how it got there.
Driving one through the real services (`register` → accept → resolve → close) costs 35 to 76
statements and runs the classifier, routing, notifications and webhooks; this writes the rows
those services leave behind in about a dozen: the complaint with its department, handler, due
times and timestamps, a hash-chained timeline that `timeline_verify` accepts, its search row,
and by status the remedies, handling record, pending approval and pending callback that the
next service call reads. Tests about registering, routing or the lifecycle itself keep the
real services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings

from tousu.accounts.models import Department, Region, User
from tousu.classification.models import Category
from tousu.complaints import services as complaint_services
from tousu.complaints.choices import CategorySource, EventType, Status
from tousu.complaints.models import Complaint, ComplaintSearch
from tousu.complaints.rules import format_number
from tousu.complaints.search import search_row
from tousu.complaints.services import EventDraft, events_record, number_allocate
from tousu.core import clock
from tousu.core.text import normalise_phone
from tousu.customers.models import Customer
from tousu.messages import templates
from tousu.messages.choices import MessageKind
from tousu.messages.links import survey_url
from tousu.messages.models import Message
from tousu.messages.services import Outgoing, message_build
from tousu.messages.triggers import customer_channel

BUILDER_STATUSES = (
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.AWAITING_APPROVAL,
    Status.RESOLVED,
    Status.CLOSED,
)
# The same complaint as the `register` fixture's: a billing charge nobody can explain.
CONTENT = "上个月话费无故多扣了58元，客服说查不到原因"
PHONE = "13800138000"
CATEGORY = "billing.unexplained_charge"
REPLY = "经核查系计费系统错误，已退还多扣的58元，给您带来不便深表歉意。"
# What `lifecycle` grants: 58 yuan, within a handler's authority; 258, over it.
REMEDIES: dict[str, list[tuple[str, Decimal]]] = {
    Status.AWAITING_APPROVAL: [("refund", Decimal("58")), ("bill_credit", Decimal("200"))],
    Status.RESOLVED: [("refund", Decimal("58"))],
    Status.CLOSED: [("refund", Decimal("58"))],
}
# Time between the steps of the timeline (registered, accepted, resolved, closed), shrunk
# when the complaint was received less than that before now: no step happens in the future.
STEP = dt.timedelta(minutes=10)


class ComplaintBuilder:
    """`builder(status, **fields)` → a complaint in `status`, re-read from the database.

    `fields` are the Complaint's fields, which win over what is built; foreign keys also by
    code (`category="network.coverage"`, `department="network"`, `region="nanjing"`;
    `category=None` for an unclassified one), and the customer by `customer_phone` /
    `customer_name` as `register` takes them. `remedies=[(type, amount), …]` replaces the
    status's default. The handler of an accepted complaint is `handler=`, else the handler
    persona (made when first needed); a dispatched one waits unassigned unless given one.
    """

    def __init__(self, default_handler: Callable[[], User]) -> None:
        self._default_handler = default_handler
        # Reference rows and routing/time-limit lookups, by what they depend on: one query
        # each per test, however many complaints it builds.
        self._cache: dict[tuple[Any, ...], Any] = {}

    def _by_code(self, model: type[Any], value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        key = (model, value)
        if key not in self._cache:
            self._cache[key] = model.objects.get(code=value)
        return self._cache[key]

    def __call__(
        self,
        status: str,
        *,
        remedies: list[tuple[str, Decimal]] | None = None,
        **fields: Any,
    ) -> Complaint:
        from tousu.resolution.models import HandlingRecord, Remedy
        from tousu.sla import rules as sla_rules

        if status not in BUILDER_STATUSES:
            raise ValueError(f"no such status {status!r}; one of {BUILDER_STATUSES}")
        rank = BUILDER_STATUSES.index(status)
        accepted = rank >= BUILDER_STATUSES.index(Status.IN_PROGRESS)
        outcome = rank >= BUILDER_STATUSES.index(Status.AWAITING_APPROVAL)
        stands = status in (Status.RESOLVED, Status.CLOSED)

        now = clock.now()
        customer = fields.pop("customer", None) or self._customer(
            fields.pop("customer_phone", PHONE), fields.pop("customer_name", "张三")
        )
        category = self._by_code(Category, fields.pop("category", CATEGORY))
        region = self._by_code(Region, fields.pop("region", customer.region))
        channel = fields.pop("channel", "hotline")
        level = sla_rules.initial_level(channel, fields.pop("level", None))
        received_at = fields.pop("received_at", now)
        registered_by = fields.pop("registered_by", None)

        department = self._by_code(Department, fields.pop("department", None))
        rule: Any = ""
        if status == Status.REGISTERED and department is not None:
            raise ValueError("a registered complaint has no department yet: it is dispatched")
        if status != Status.REGISTERED and department is None:
            department, rule = self._routed(category, region, channel, level)
        handler = fields.pop("handler", None)
        if handler is None and accepted:
            handler = self._default_handler()
        if (
            handler is not None
            and department is not None
            and handler.department_id != department.pk
        ):
            raise ValueError(f"{handler} does not work in {department.code}: give a handler=")
        responsible = self._by_code(
            Department, fields.pop("responsible_department", department if outcome else None)
        )

        # The steps' times: registered (and dispatched), accepted, resolved, closed.
        step = max(min(STEP, (now - received_at) / 3), dt.timedelta(0))
        at = [received_at + step * i for i in range(4)]
        first_due, resolution_due, policy = self._due_times(category, level, channel, received_at)
        items = remedies if remedies is not None else REMEDIES.get(status, [])
        total = sum((amount for _, amount in items), Decimal(0))

        day = clock.local_today()
        complaint = Complaint.objects.create(
            **{
                "number": format_number(day.strftime("%Y%m%d"), number_allocate(day)),
                "status": status,
                "channel": channel,
                "content": CONTENT,
                "customer": customer,
                "region": region,
                "category": category,
                "category_source": CategorySource.GIVEN if category else "",
                "level": level,
                "department": department,
                "handler": handler,
                "registered_by": registered_by,
                "received_at": received_at,
                "registered_at": at[0],
                "first_response_due": first_due,
                "resolution_due": resolution_due,
                "time_limit_policy": policy,
                "routing_reason": rule or None,
                "accepted_at": at[1] if accepted else None,
                "resolved_at": at[2] if stands else None,
                "closed_at": at[3] if status == Status.CLOSED else None,
                "finding": "true" if outcome else "",
                "cause": "process_error" if outcome else "",
                "responsible_department": responsible,
                "reply": REPLY if outcome else "",
                "customer_accepted": True if status == Status.CLOSED else None,
                **fields,
            }
        )
        ComplaintSearch.objects.create(
            complaint=complaint, **search_row(f"{complaint.content}\n{complaint.demand}")
        )

        # The timeline, as the services would have written it: one INSERT, one UPDATE of the
        # chain's head. The caller's test transaction holds it together; no lock is needed on
        # a row nobody else has seen.
        c = complaint
        drafts = [
            EventDraft(
                c,
                EventType.REGISTERED,
                actor=registered_by,
                at=at[0],
                data={
                    "channel": channel,
                    "level": level,
                    "external_ref": c.external_ref,
                    "repeat_of": c.repeat_of.number if c.repeat_of else None,
                },
            )
        ]
        if category is not None:
            data = {"category": category.code, "source": CategorySource.GIVEN}
            drafts.append(
                EventDraft(c, EventType.CLASSIFIED, actor=registered_by, at=at[0], data=data)
            )
        if department is not None:
            data = {
                "department": department.code,
                "department_name": department.name,
                "handler": handler.username if handler else None,
                "rule": rule,
            }
            drafts.append(EventDraft(c, EventType.DISPATCHED, at=at[0], data=data))
        # Registration acknowledges the customer; the reply and the survey notice follow the
        # resolution and the callback's scheduling (the messages triggers).
        drafts.append(self._message(c, MessageKind.ACKNOWLEDGEMENT, f"ack:{c.number}", at[0]))
        if accepted:
            on_time = {"on_time": at[1] <= first_due}
            drafts.append(EventDraft(c, EventType.ACCEPTED, actor=handler, at=at[1], data=on_time))
        if outcome:
            data = {
                "finding": c.finding,
                "cause": c.cause,
                "responsible_department": responsible.code if responsible else None,
                "remedies": [{"type": t, "amount": str(a), "note": ""} for t, a in items],
                "total": str(total),
                "reply": c.reply,
            }
            drafts.append(EventDraft(c, EventType.RESOLVED, actor=handler, at=at[2], data=data))
        if stands:
            key = f"reply:{c.number}:{at[2].timestamp():.6f}"
            drafts.append(self._message(c, MessageKind.REPLY, key, at[2], reply=c.reply))
        if outcome:
            remedy_rows = [
                Remedy(complaint=c, type=t, amount=a, granted_by=handler, created_at=at[2])
                for t, a in items
            ]
            Remedy.objects.bulk_create(remedy_rows)
            HandlingRecord.objects.create(complaint=c)
        if status == Status.AWAITING_APPROVAL:
            approval = self._approval(c, handler, items, at[2])
            data = {
                "amount": str(total),
                "level": approval.level,
                "due_at": approval.due_at.isoformat() if approval.due_at else None,
                "reasons": approval.reasons,
            }
            drafts.append(
                EventDraft(c, EventType.APPROVAL_REQUESTED, actor=handler, at=at[2], data=data)
            )
        if status == Status.CLOSED:
            data = {
                "customer_accepted": c.customer_accepted,
                "responsible_department": responsible.code if responsible else None,
                "responsible_staff": None,
            }
            drafts.append(EventDraft(c, EventType.CLOSED, actor=handler, at=at[3], data=data))
            task = c.callbacks.create(
                due_at=at[3] + dt.timedelta(hours=settings.TOUSU_CALLBACK_DUE_HOURS),
                created_at=at[3],
            )
            data = {"due_at": task.due_at.isoformat(), "task": task.pk}
            drafts.append(EventDraft(c, EventType.CALLBACK_SCHEDULED, at=at[3], data=data))
            key = f"survey:{c.number}:{data['due_at']}"
            link = survey_url(task.pk)
            drafts.append(
                self._message(c, MessageKind.CALLBACK_SURVEY, key, at[3], survey_link=link)
            )
        # The messages' rows in one INSERT, then the timeline naming them.
        sent = [(d, d.data or {}) for d in drafts if d.type == EventType.MESSAGE_OUT]
        rows = Message.objects.bulk_create([data.pop("row") for _, data in sent])
        for (draft, data), row in zip(sent, rows, strict=True):
            draft.data = {"message": row.pk, **data}
        with _listeners_paused():  # the messages they would queue are the ones above
            events_record(drafts)
        return Complaint.objects.get(pk=c.pk)

    def _message(
        self, c: Complaint, kind: str, key: str, at: dt.datetime, **extra: str
    ) -> EventDraft:
        """A message as the messages triggers queue it, its row kept in the draft's data until
        it is inserted (`row`); the approved wording looked up once per test."""
        channel = customer_channel(c)
        cache_key = ("wording", kind, channel)
        if cache_key not in self._cache:
            self._cache[cache_key] = templates.wording_for(kind, channel)
        wording = templates.fill(self._cache[cache_key], c, **extra)
        outgoing = Outgoing(
            kind=kind, text=wording.text, subject=wording.subject, channel=channel, key=key
        )
        message = message_build(c, outgoing, None)
        message.created_at = at
        if kind == MessageKind.REPLY and message.next_attempt_at is not None:
            # Out as by day, whatever the hour the test runs at: a complaint built closed as
            # accepted had its reply (conftest.reply_release; the quiet hours have own tests).
            message.next_attempt_at = min(message.next_attempt_at, at)
        data = {
            "row": message,
            "channel": message.channel,
            "kind": message.kind,
            "status": message.status,
        }
        return EventDraft(c, EventType.MESSAGE_OUT, at=at, data=data)

    def _routed(
        self, category: Category | None, region: Region | None, channel: str, level: str
    ) -> tuple[Department, Any]:
        """Where routing sends it (`department_for`), looked up once per test and kind."""
        from tousu.routing.selectors import department_for

        key = ("route", category and category.pk, region and region.pk, channel, level)
        if key not in self._cache:
            self._cache[key] = department_for(category, region, channel, level)
        return self._cache[key]

    def _due_times(
        self, category: Category | None, level: str, channel: str, received_at: dt.datetime
    ) -> tuple[dt.datetime, dt.datetime, str]:
        """`due_times_for`, with the policy and its calendar looked up once per test and kind."""
        from tousu.sla import rules as sla_rules
        from tousu.sla.selectors import calendar_for, policy_for

        key = ("limits", category and category.pk, level, channel)
        if key not in self._cache:
            policy = policy_for(category, level, channel)
            calendar = calendar_for(policy.calendar_id) if policy else None
            self._cache[key] = (policy, calendar)
        policy, calendar = self._cache[key]
        if policy is None:
            return (*sla_rules.deadlines(level, received_at), "")
        return (*sla_rules.due_times(policy, received_at, calendar), policy.code)

    def _customer(self, phone: str, name: str) -> Customer:
        normalised = normalise_phone(phone)
        if normalised is None:
            raise ValueError(f"not a phone number: {phone!r}")
        customer, _ = Customer.objects.get_or_create(phone=normalised, defaults={"name": name})
        return customer

    def _approval(
        self,
        complaint: Complaint,
        handler: User,
        items: list[tuple[str, Decimal]],
        at: dt.datetime,
    ) -> Any:
        """The pending approval `complaint_resolve` asks for remedies over the handler's
        authority: the first approver whose limit covers the total, by their time limit."""
        from tousu.resolution import rules as resolution_rules
        from tousu.resolution.models import Approval
        from tousu.resolution.selectors import approval_steps, authority_limits
        from tousu.resolution.services import DEFAULT_APPROVAL_HOURS

        total = sum((amount for _, amount in items), Decimal(0))
        by_type: dict[str, Decimal] = {}
        for type_, amount in items:
            by_type[type_] = by_type.get(type_, Decimal(0)) + amount
        steps = approval_steps()
        chain = resolution_rules.approval_chain(total, [(r, limit) for r, limit, _ in steps])
        level = chain[0] if chain else ""
        hours = next((h for r, _, h in steps if r == level), None) or DEFAULT_APPROVAL_HOURS
        return Approval.objects.create(
            complaint=complaint,
            amount=total,
            requested_by=handler,
            requested_at=at,
            level=level,
            due_at=at + dt.timedelta(hours=hours) if level else None,
            reasons=resolution_rules.authority_excess(by_type, {}, authority_limits(handler.role)),
        )


@contextmanager
def _listeners_paused() -> Iterator[None]:
    """No event listener runs: the builder writes what they would have written itself."""
    saved = dict(complaint_services.EVENT_LISTENERS)
    complaint_services.EVENT_LISTENERS.clear()
    try:
        yield
    finally:
        complaint_services.EVENT_LISTENERS.update(saved)

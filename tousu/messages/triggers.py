"""The messages Tousu sends by itself, each once (by key):

- the acknowledgement on registration (`acknowledge`, called by intake in the registration's
  transaction: intake may import messages);
- the reply when a complaint is resolved with a reply (by its handler, or by the approval of
  an outcome that awaited it), or closed (resolution cannot import messages), the progress
  when an incident's statement goes out (PROGRESS_REPLY, written by early_warning), the
  callback-survey notice when a callback is scheduled (callbacks): these apps sit beside or
  above messages, so messages listens to their timeline events instead
  (complaints.services.event_listen, registered in MessagesConfig.ready) and queues inside the
  same transaction, with the caller's locked complaint object."""

from __future__ import annotations

from tousu.accounts.models import User
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.services import EventDraft, event_listen
from tousu.messages import rules, templates
from tousu.messages.choices import MessageChannel, MessageKind
from tousu.messages.links import survey_url
from tousu.messages.models import Message
from tousu.messages.services import Outgoing, message_fresh_draft, message_queue_locked


def customer_channel(complaint: Complaint) -> str:
    """The channel the customer is written to about this complaint."""
    customer = complaint.customer
    target = rules.channel_for(
        preferred=customer.preferred_channel,
        complaint_channel=complaint.channel,
        phone=customer.phone if customer.anonymised_at is None else "",
        email=customer.email,
        openid=customer.wechat_openid,
    )
    return target[0] if target else MessageChannel.SMS


def queue_templated(
    complaint: Complaint,
    *,
    kind: str,
    key: str,
    actor: User | None = None,
    fresh: bool = False,
    **extra: str,
) -> Message:
    """Queue the message of `kind` in the approved wording for the customer's channel, once
    per `key`. The complaint must be locked by the caller (this is its object)."""
    return message_queue_locked(
        complaint=complaint,
        outgoing=_templated(complaint, kind=kind, key=key, **extra),
        actor=actor,
        fresh=fresh,
    )


def _templated(complaint: Complaint, *, kind: str, key: str, **extra: str) -> Outgoing:
    channel = customer_channel(complaint)
    wording = templates.render(complaint, kind, channel, **extra)
    return Outgoing(kind=kind, text=wording.text, subject=wording.subject, channel=channel, key=key)


def _acknowledgement(complaint: Complaint) -> Outgoing:
    return _templated(complaint, kind=MessageKind.ACKNOWLEDGEMENT, key=f"ack:{complaint.number}")


def acknowledge(complaint: Complaint) -> Message:
    """The acknowledgement of a complaint just registered (in its transaction)."""
    return message_queue_locked(
        complaint=complaint, outgoing=_acknowledgement(complaint), actor=None, fresh=True
    )


def acknowledgement_draft(complaint: Complaint, pk: int) -> tuple[Message, EventDraft]:
    """The acknowledgement of a complaint being registered, not yet written, with its
    `message_out` event (messages.services.message_fresh_draft): the registration writes the
    event with its own ones, the message with the complaint's rows (`message_fresh_queue`)."""
    return message_fresh_draft(
        complaint=complaint, outgoing=_acknowledgement(complaint), actor=None, pk=pk
    )


def on_resolved_or_closed(event: ComplaintEvent) -> None:
    complaint = event.complaint
    # An outcome awaiting approval is not final: its reply goes when the approval grants it
    # (the `approved` event, which resolves the complaint); a rejection sends nothing.
    if complaint.status not in (Status.RESOLVED, Status.CLOSED) or not complaint.reply.strip():
        return
    if complaint.resolved_at is None:
        return
    # One reply per resolution: the close after the resolve finds it queued; a reopened and
    # resolved again complaint has a new resolution time, and a new reply.
    queue_templated(
        complaint,
        kind=MessageKind.REPLY,
        key=rules.reply_key(complaint.number, complaint.resolved_at),
        reply=rules.without_greeting(complaint.reply.strip()),
    )


def on_progress(event: ComplaintEvent) -> None:
    data = event.data or {}
    progress = str(data.get("reply") or "").strip()
    if not progress:
        return
    statement = f"{data.get('incident', '')}:{data.get('version', event.seq)}"
    queue_templated(
        event.complaint,
        kind=MessageKind.PROGRESS,
        key=f"progress:{event.complaint.number}:{statement}",
        progress=progress,
    )


def on_callback_scheduled(event: ComplaintEvent) -> None:
    data = event.data or {}
    task = data.get("task")
    queue_templated(
        event.complaint,
        kind=MessageKind.CALLBACK_SURVEY,
        key=f"survey:{event.complaint.number}:{data.get('due_at', event.seq)}",
        # The customer's own one-time link to score the handling (intake's survey page).
        survey_link=survey_url(int(task)) if task else "",
    )


def listen() -> None:
    event_listen([EventType.RESOLVED, EventType.APPROVED, EventType.CLOSED], on_resolved_or_closed)
    event_listen([EventType.PROGRESS_REPLY], on_progress)
    event_listen([EventType.CALLBACK_SCHEDULED], on_callback_scheduled)

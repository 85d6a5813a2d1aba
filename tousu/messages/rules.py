"""Pure rules of customer messages: which channel reaches the customer, and when an SMS may
leave (quiet hours)."""

from __future__ import annotations

import datetime as dt
import re

from tousu.core import clock
from tousu.messages.choices import MessageChannel, MessageKind

# No SMS between 21:00 and 08:00 (local time) unless the complaint's level demands it: a
# customer woken by an acknowledgement is a new complaint.
QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)
# Levels whose messages are sent in the quiet hours too.
URGENT_LEVELS = frozenset({"major", "over_level"})
# The channel a complaint came in by, as the channel to answer on when the customer has no
# preference: a mail is answered by mail, a WeChat message on WeChat, the rest by SMS.
ANSWER_ON = {"email": MessageChannel.EMAIL, "wechat": MessageChannel.WECHAT}


def is_urgent(*, level: str, kind: str) -> bool:
    """Sent in the quiet hours too: the complaint's level demands it, or the customer is
    waiting for it — the one-time code of their own page, asked for a moment ago."""
    return level in URGENT_LEVELS or kind == MessageKind.CODE


def staff_text(*, kind: str, text: str) -> str:
    """A message's text as staff may read it: a one-time code is the customer's key to their
    page, so whoever lists messages to staff shows it hidden."""
    return "••••••" if kind == MessageKind.CODE else text


def in_quiet_hours(moment: dt.datetime) -> bool:
    local = clock.local(moment).time()
    return local >= QUIET_START or local < QUIET_END


def send_not_before(moment: dt.datetime, *, channel: str, urgent: bool) -> dt.datetime:
    """When a message queued at `moment` may leave: at once, or for an SMS in the quiet hours
    (not urgent) at the next 08:00 local time."""
    if channel != MessageChannel.SMS or urgent or not in_quiet_hours(moment):
        return moment
    local = clock.local(moment)
    day = local.date() if local.time() < QUIET_END else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, QUIET_END, tzinfo=local.tzinfo)


def reply_key(number: str, resolved_at: dt.datetime) -> str:
    """The key of the reply message of one resolution: one reply per resolution, and a
    reopened and resolved again complaint has a new one. To the microsecond: a reopen and a
    new resolution may fall within the same second."""
    return f"reply:{number}:{resolved_at.timestamp():.6f}"


def channel_for(
    *, preferred: str, complaint_channel: str, phone: str, email: str, openid: str
) -> tuple[str, str] | None:
    """The channel and address to reach the customer: their preferred channel when they have
    an address for it, else the one the complaint came in by, else SMS, else e-mail; None when
    there is no address at all."""
    addresses = {
        MessageChannel.SMS: phone,
        MessageChannel.EMAIL: email,
        MessageChannel.WECHAT: openid,
    }
    order = [preferred, ANSWER_ON.get(complaint_channel, ""), MessageChannel.SMS]
    order.append(MessageChannel.EMAIL)
    for channel in order:
        address = addresses.get(channel)  # type: ignore[call-overload]
        if address:
            return str(channel), address
    return None


# A reply written for the customer opens with its own greeting (尊敬的唐小明客户，您好：), and the
# message carrying it opens with the message's ({greeting}，您的投诉…已处理：): once is enough.
_OPENING = re.compile(r"^\s*(?:尊敬的[^\n：:，,。]{0,30}(?:[，,]\s*您好)?|您好)[：:，,！!]?\s*")


def without_greeting(reply: str) -> str:
    """The reply without the greeting it opens with, if any."""
    return _OPENING.sub("", reply, count=1)

"""How a complaint reads on a page: status and level badges, the countdown pill, the category
with its source, and timeline events in words. Load with `{% load complaint_tags %}`."""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import TextChoices
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.callbacks.choices import (
    SCORE_FACTORS,
    AttemptOutcome,
    CallbackResult,
    CallbackStatus,
    DissatisfactionReason,
)
from tousu.callbacks.models import CallbackTask
from tousu.complaints.choices import (
    CategorySource,
    Cause,
    Channel,
    EventType,
    Finding,
    Level,
    Status,
)
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.search import snippet
from tousu.complaints.selectors import ListRow
from tousu.core import clock, pii
from tousu.core.pii import TextMask
from tousu.core.reasons import reason_text, reasons_text
from tousu.core.templatetags.tousu_ui import (
    complaint_ref,
    duration,
    listed,
    local_name,
    pii_text,
)
from tousu.desk.forms import ComplaintFilterForm
from tousu.quality.choices import AppealStatus
from tousu.repair.choices import RepairSource, RepairType
from tousu.resolution.choices import HandlingStep, RemedyType
from tousu.sla.choices import ClockName, ClockState, DueState, EscalationTarget
from tousu.sla.rules import WARN_SHARE, Clock, authority_name, due_state
from tousu.sla.selectors import countdown

register = template.Library()


def local_time(moment: dt.datetime) -> str:
    """The moment in the reader's time zone, as Django's date format "Y-m-d H:i" writes it.
    By strftime: a list page writes it in every open row's countdown, and Django's formatter
    took 19 µs a call against 4 (issue 19)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# The labels by value: `get_status_display()` rebuilds a dict of the field's choices on every
# call, which a list page did twice per row (issue 19). Lazy labels: translated when shown.
_STATUS_LABELS = dict(Status.choices)
_LEVEL_LABELS = dict(Level.choices)


@register.simple_tag
def status_badge(complaint: Complaint | ListRow) -> SafeString:
    label = _STATUS_LABELS.get(complaint.status, complaint.status)
    badge = format_html('<span class="badge status-{}">{}</span>', complaint.status, label)
    if complaint.archived_at is None:
        return badge
    # Archived (R5.4): read-only; said wherever the status is, with the day.
    day = f"{clock.local(complaint.archived_at):%Y-%m-%d}"
    return format_html(
        '{} <span class="badge status-archived" title="{}">{}</span>',
        badge,
        _("Archived on %(date)s: read-only") % {"date": day},
        _("Archived"),
    )


@register.simple_tag
def level_badge(complaint: Complaint) -> SafeString:
    label = _LEVEL_LABELS.get(complaint.level, complaint.level)
    return format_html('<span class="badge level-{}">{}</span>', complaint.level, label)


def _pill(state: str, left: dt.timedelta, title: str, label: str = "") -> SafeString:
    """A countdown pill: `state` is a `DueState` (its colour), `left` the time left (negative
    when overdue)."""
    span = duration(left)
    if state == DueState.PAUSED:
        text = _("Paused, %(time)s left") % {"time": span}
    elif state == DueState.OVER:
        text = _("Overdue %(time)s") % {"time": span}
    else:
        text = _("%(time)s left") % {"time": span}
    if label:
        return format_html(
            '<span class="due-{}" title="{}"><span class="due-label">{}</span> {}</span>',
            state,
            title,
            label,
            text,
        )
    return format_html('<span class="due-{}" title="{}">{}</span>', state, title, text)


@register.simple_tag
def deadline_pill(
    due: dt.datetime | None,
    start: dt.datetime | None = None,
    label: str = "",
    share: float = WARN_SHARE,
) -> SafeString:
    """Any clock as a pill on the one colour scale of `sla.rules.due_state` (issue 12): red
    when overdue, amber under 4 h or in the last quarter of the limit from `start` (without a
    `start`, only the 4 hours), neutral before. `{% deadline_pill item.due_at item.since
    label=_("Approval") %}`; nothing without a due time."""
    if due is None:
        return format_html("")
    now = clock.now()
    state = due_state(start, due, now, share)
    title = _("Due %(time)s") % {"time": local_time(due)}
    return _pill(str(state), due - now, title, label)


@register.simple_tag(takes_context=True)
def due(context: template.Context, complaint: Complaint | ListRow) -> SafeString:
    """The countdown to the resolution limit, coloured by `sla.selectors.countdown` (the
    scale of `deadline_pill`, at the share of the complaint's policy); a paused complaint
    shows the time it had left, and why (free text, as the page's `pii` shows it). While it
    waits for approval, the approval's deadline follows (`approval_due`, annotated on list
    rows by `resolution.selectors.with_approval_due`)."""
    if not complaint.is_open:
        return format_html('<span class="muted">{}</span>', "—")
    now = clock.now()
    seconds, state = countdown(complaint, now)
    title = _("Reply due %(time)s") % {"time": local_time(complaint.resolution_due)}
    if state == "paused" and complaint.pause_reason:
        title = f"{title} · {pii_text(complaint.pause_reason, context.get('pii'))}"
    pill = _pill(str(state), dt.timedelta(seconds=seconds or 0), title)
    approval_due = getattr(complaint, "approval_due", None)
    if complaint.status == Status.AWAITING_APPROVAL and approval_due is not None:
        approval = deadline_pill(approval_due, None, _("Approval"))
        return format_html("{} {}", pill, approval)
    return pill


@register.simple_tag
def first_response(complaint: Complaint) -> SafeString:
    """The first-response clock: accepted on time (quiet), accepted late (marked, red), or
    still running while nobody has accepted (a countdown pill)."""
    due_at = complaint.first_response_due
    if complaint.accepted_at is not None:
        accepted = local_time(complaint.accepted_at)
        if due_at is not None and complaint.accepted_at > due_at:
            return format_html(
                '<span class="due-over" title="{}">{}</span>',
                _("Due %(time)s") % {"time": local_time(due_at)},
                _("Answered %(time)s late (%(at)s)")
                % {"time": duration(complaint.accepted_at - due_at), "at": accepted},
            )
        return format_html(
            '<span class="muted">{}</span>', _("Answered on time (%(at)s)") % {"at": accepted}
        )
    if not complaint.is_open or due_at is None:
        return format_html('<span class="muted">{}</span>', "—")
    return deadline_pill(due_at, complaint.received_at)


@register.filter
def clock_label(name: str) -> str:
    return str(ClockName(name).label) if name in ClockName.values else name


@register.simple_tag
def authority_clock(c: Clock) -> SafeString:
    """A regulator's clock (issue 17) on the scale of the others: met on time (quiet) or late
    (red), nothing to count once the complaint ended without it, else the countdown pill —
    which never pauses: the authority's deadline does not wait for ours."""
    if c.met_at is not None:
        at = local_time(c.met_at)
        if c.late:
            return format_html(
                '<span class="due-over" title="{}">{}</span>',
                _("Due %(time)s") % {"time": local_time(c.due)},
                _("Answered %(time)s late (%(at)s)")
                % {"time": duration(c.met_at - c.due), "at": at},
            )
        return format_html(
            '<span class="muted">{}</span>', _("Answered on time (%(at)s)") % {"at": at}
        )
    if c.state == ClockState.STOPPED:
        return format_html('<span class="muted">{}</span>', "—")
    return deadline_pill(c.due, c.start)


@register.simple_tag
def category_label(complaint: Complaint) -> SafeString:
    """`资费计费 > 不明扣费` and, in small print, who set it and how sure the model was."""
    if complaint.category is None:
        return format_html('<span class="muted">{}</span>', _("Not classified"))
    source = complaint.get_category_source_display()
    if complaint.category_confidence is not None:
        source = _("%(source)s, %(confidence)d%% sure") % {
            "source": source,
            "confidence": round(complaint.category_confidence * 100),
        }
    if not source:
        return format_html("{}", complaint.category.path_name)
    return format_html('{} <span class="muted">({})</span>', complaint.category.path_name, source)


# ---- timeline events in words ---------------------------------------------------------------

Names = Mapping[str, Mapping[str, str]]  # {"department": {code: name}, "category": {…}}
Formatter = Callable[[Any, Names], str]


def _choice(choices: type[TextChoices]) -> Formatter:
    def fmt(value: Any, names: Names) -> str:
        return str(choices(value).label) if value in choices.values else str(value)

    return fmt


def _named(kind: str) -> Formatter:
    def fmt(value: Any, names: Names) -> str:
        return names.get(kind, {}).get(value, str(value))

    return fmt


def _people(value: Any, names: Names) -> str:
    """One username or a list of them, each by the person's name (`names["user"]`)."""
    people = names.get("user", {})
    usernames = value if isinstance(value, list) else [value]
    return listed(people.get(str(u), str(u)) for u in usernames)


def _reason(value: Any, names: Names) -> str:
    """A generated reason in the reader's language (free text stays as written)."""
    return reason_text(value)


def _plain(value: Any, names: Names) -> str:
    return str(value)


def _complaint_fields(value: Any, names: Names) -> str:
    """Names of the complaint's fields (an `anonymised` event's), as the reader calls them."""
    labels = []
    for name in value:
        try:
            field = Complaint._meta.get_field(name)
        except FieldDoesNotExist:  # a field since renamed: its name
            labels.append(str(name))
        else:
            labels.append(str(getattr(field, "verbose_name", name)))
    return listed(labels)


def _yes_no(value: Any, names: Names) -> str:
    return _("Yes") if value else _("No")


def _money(value: Any, names: Names) -> str:
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _percent(value: Any, names: Names) -> str:
    return f"{float(value) * 100:.0f}%"


def _time(value: Any, names: Names) -> str:
    try:
        return local_time(dt.datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _size(value: Any, names: Names) -> str:
    return f"{int(value) / 1024:,.0f} KB" if int(value) >= 1024 else f"{int(value)} B"


def _remedies(value: Any, names: Names) -> str:
    parts = []
    for item in value:
        text = _choice(RemedyType)(item.get("type"), names)
        if Decimal(str(item.get("amount") or 0)):
            text += " " + _money(item["amount"], names)
        if item.get("note"):
            text += f" ({item['note']})"
        parts.append(text)
    return "; ".join(parts)


INVESTIGATION_LABELS = {
    "is_true": gettext_lazy("Is it true?"),
    "purpose": gettext_lazy("What does the customer want?"),
    "reasonable": gettext_lazy("Is it reasonable?"),
    "demand_legitimate": gettext_lazy("Is the demand legitimate and reasonable?"),
}
SCORE_LABELS = {
    "timeliness": gettext_lazy("Timeliness"),
    "attitude": gettext_lazy("Attitude"),
    "solution": gettext_lazy("Solution"),
    "simplicity": gettext_lazy("Simplicity"),
}


def _labelled(labels: Mapping[str, Any]) -> Formatter:
    def fmt(value: Any, names: Names) -> str:
        return "; ".join(f"{labels.get(k, k)} {v}" for k, v in value.items() if v not in ("", None))

    return fmt


# Event data keys in the order they read best, with their label and how to show the value;
# keys not listed (hashes, model versions, names duplicated elsewhere) are not shown.
EVENT_FIELDS: dict[str, tuple[Any, Formatter]] = {
    "channel": (gettext_lazy("Channel"), _choice(Channel)),
    "from": (gettext_lazy("From level"), _choice(Level)),
    "to": (gettext_lazy("To level"), _choice(Level)),
    "level": (gettext_lazy("Level"), _choice(Level)),
    "category": (gettext_lazy("Category"), _named("category")),
    "source": (gettext_lazy("Set by"), _choice(CategorySource)),
    "confidence": (gettext_lazy("Confidence"), _percent),
    "from_department": (gettext_lazy("From"), _named("department")),
    "department": (gettext_lazy("Department"), _named("department")),
    "handler": (gettext_lazy("Handler"), _people),
    "rule": (gettext_lazy("Rule"), _reason),
    "repeat_of": (gettext_lazy("Repeat of"), _plain),
    "repeated_by": (gettext_lazy("Repeated by"), _plain),
    "duplicate_of": (gettext_lazy("Duplicate of"), _plain),
    "duplicate": (gettext_lazy("Duplicate merged"), _plain),
    "before": (gettext_lazy("Status before"), _choice(Status)),
    "restored": (gettext_lazy("Restored to"), _choice(Status)),
    "lead": (gettext_lazy("Lead"), _people),
    "members": (gettext_lazy("Members"), _people),
    "on_time": (gettext_lazy("On time"), _yes_no),
    "step": (gettext_lazy("Step"), _choice(HandlingStep)),
    "answers": (gettext_lazy("Answers"), _labelled(INVESTIGATION_LABELS)),
    "finding": (gettext_lazy("Finding"), _choice(Finding)),
    "cause": (gettext_lazy("Cause"), _choice(Cause)),
    "responsible_department": (gettext_lazy("Responsible department"), _named("department")),
    "remedies": (gettext_lazy("Remedies"), _remedies),
    "total": (gettext_lazy("Total"), _money),
    "amount": (gettext_lazy("Amount"), _money),
    "limit": (gettext_lazy("Authority limit"), _money),
    "name": (gettext_lazy("File"), _plain),
    "size": (gettext_lazy("Size"), _size),
    "customer_accepted": (gettext_lazy("Customer accepted"), _yes_no),
    "result": (gettext_lazy("Result"), _choice(CallbackResult)),
    "scores": (gettext_lazy("Scores"), _labelled(SCORE_LABELS)),
    "overall": (gettext_lazy("Overall satisfaction"), _plain),
    "quality_score": (gettext_lazy("Quality score"), _plain),
    "appeal": (gettext_lazy("Appeal"), _choice(AppealStatus)),
    "dissatisfaction": (
        gettext_lazy("Reasons for dissatisfaction"),
        lambda value, names: listed(_choice(DissatisfactionReason)(v, names) for v in value),
    ),
    "attempt": (gettext_lazy("Call"), _choice(AttemptOutcome)),
    "attempts": (gettext_lazy("Calls so far"), _plain),
    "next_attempt_at": (gettext_lazy("Next try"), _time),
    "due_at": (gettext_lazy("Due"), _time),
    "resolution_due": (gettext_lazy("Reply due"), _time),
    "ladder_step": (gettext_lazy("Escalation step"), _plain),
    # A regulator referral's authority and its clocks (issue 17).
    "clock": (gettext_lazy("Clock"), _choice(ClockName)),
    "authority": (gettext_lazy("Regulator"), lambda value, names: authority_name(value)),
    "authority_received_at": (gettext_lazy("Regulator received it"), _time),
    "authority_first_contact_due": (gettext_lazy("Regulator: first contact due"), _time),
    "authority_reply_due": (gettext_lazy("Regulator: reply due"), _time),
    "notified": (gettext_lazy("Notified"), _people),
    # The step's target had no holder today: the ladder fell through to this one.
    "notified_as": (
        gettext_lazy("Nobody held the step; notified instead"),
        _choice(EscalationTarget),
    ),
    "external_ref": (gettext_lazy("External reference"), _plain),
    "product": (pgettext_lazy("product", "Product"), _plain),
    "reason": (gettext_lazy("Reason"), _reason),
    "reasons": (gettext_lazy("Reasons"), lambda value, names: reasons_text(value)),
    "note": (gettext_lazy("Note"), _plain),
    "reply": (gettext_lazy("Reply"), _plain),
    "comment": (gettext_lazy("Comment"), _plain),
    "text": (gettext_lazy("Text"), _plain),
    # A note written for the customer too (shown on their status page); staff-only ones say
    # nothing.
    "internal": (
        gettext_lazy("Shown to the customer"),
        lambda value, names: "" if value else _yes_no(True, names),
    ),
    # The archive and the retention period (R12.2).
    "days": (gettext_lazy("Days since closing"), _plain),
    "fields": (gettext_lazy("Texts anonymised"), _complaint_fields),
}


# A re-categorisation's "from" is the category before (classification.services), not a level.
CLASSIFIED_FIELDS: dict[str, tuple[Any, Formatter]] = {
    **EVENT_FIELDS,
    "from": (gettext_lazy("From category"), _named("category")),
}
# An approval's "level" is the approver's role (resolution.services), not the complaint's level.
APPROVAL_EVENTS = {EventType.APPROVAL_REQUESTED, EventType.APPROVED, EventType.REJECTED}
APPROVAL_FIELDS: dict[str, tuple[Any, Formatter]] = {
    **{key: field for key, field in EVENT_FIELDS.items() if key != "level"},
    "level": (gettext_lazy("Approver"), _choice(Role)),
    "escalated_from": (gettext_lazy("Passed on from"), _choice(Role)),
}
# A repair case's events (repair.services): its "source" is what found the dissatisfied
# customer, not who set the category; its "type" the kind of repair.
REPAIR_EVENTS = {EventType.REPAIR_OPENED, EventType.REPAIR_ASSIGNED, EventType.REPAIR_CLOSED}
REPAIR_FIELDS: dict[str, tuple[Any, Formatter]] = {
    "case": (gettext_lazy("Repair case"), lambda value, names: f"R{value}"),
    "type": (gettext_lazy("Repair type"), _choice(RepairType)),
    "source": (gettext_lazy("Found by"), _choice(RepairSource)),
    **{key: field for key, field in EVENT_FIELDS.items() if key != "source"},
    "satisfaction_after": (gettext_lazy("Satisfaction after"), _plain),
}
FIELDS_OF_TYPE: dict[str, dict[str, tuple[Any, Formatter]]] = {
    **dict.fromkeys(APPROVAL_EVENTS, APPROVAL_FIELDS),
    **dict.fromkeys(REPAIR_EVENTS, REPAIR_FIELDS),
    EventType.CLASSIFIED: CLASSIFIED_FIELDS,
}


@register.simple_tag
def event_details(
    event: ComplaintEvent, names: Names | None = None, texts: TextMask | None = None
) -> list[tuple[str, str]]:
    """The event's data as (label, value) pairs for people; empty values are left out. Every
    value is free text to the reader (a note, a reason, the reply, a remedy's note, a file's
    name), shown as `texts`, the page's `pii`, shows it (masked without one), but for the
    numbers of other complaints, linked (safe HTML) where `names` has their page."""
    data = event.data or {}
    out: list[tuple[str, str]] = []
    fields = FIELDS_OF_TYPE.get(event.type, EVENT_FIELDS)
    for key, (label, fmt) in fields.items():
        value = data.get(key)
        if value in (None, "", [], {}):
            continue
        if key in COMPLAINT_KEYS:  # linked where the reader may open it
            out.append((str(label), complaint_ref(str(value), (names or {}).get("complaint", {}))))
            continue
        text = fmt(value, names or {})
        if text:
            out.append((str(label), pii_text(text, texts)))
    return out


# Event data naming another complaint by number: a link to its page for a reader who may see it.
COMPLAINT_KEYS = ("repeat_of", "repeated_by", "duplicate_of", "duplicate")


# ---- navigation and the customer's history ----------------------------------------------------


@register.filter
def may_register(user: User) -> bool:
    return permissions.can_register(user)


@register.filter
def may_watch(user: User) -> bool:
    return permissions.can_watch(user)


@register.filter
def may_administer(user: User) -> bool:
    return permissions.can_administer(user)


@register.filter
def remedy_total(complaint: Complaint) -> Decimal:
    """Money granted on the complaint (from the prefetched remedies)."""
    return sum((r.amount for r in complaint.remedies.all()), Decimal(0))


@register.filter
def last_callback(complaint: Complaint) -> CallbackTask | None:
    """The latest callback done (from the prefetched callbacks)."""
    done = [t for t in complaint.callbacks.all() if t.status == CallbackStatus.DONE]
    return max(done, key=lambda t: t.done_at or t.created_at) if done else None


@register.filter
def mean_score(task: CallbackTask) -> str:
    scores = [getattr(task, factor) for factor in SCORE_FACTORS if getattr(task, factor)]
    return f"{sum(scores) / len(scores):.1f}" if scores else ""


@register.simple_tag
def history_summary(complaints: list[Complaint]) -> dict[str, Any]:
    """The figures above a customer's history: how many complaints, how many open, money
    granted, and the latest callback result."""
    callbacks = [t for c in complaints if (t := last_callback(c)) is not None]
    latest = max(callbacks, key=lambda t: t.done_at or t.created_at) if callbacks else None
    return {
        "count": len(complaints),
        "open": sum(1 for c in complaints if c.is_open),
        "compensation": sum((remedy_total(c) for c in complaints), Decimal(0)),
        "latest_callback": latest,
    }


SUMMARY_CHARS = 40


@register.simple_tag
def search_snippet(complaint: Complaint, terms: list[str], texts: TextMask | None) -> SafeString:
    """Where a search result matched (issue 13): the first of its content, demand and notes
    that holds a query term, cut around it, the terms marked. Masked for the reader before it
    is cut and marked, escaped piece by piece. Without a visible match (the index matched
    bigrams the masking hid), the start of the content."""
    sources = [("", complaint.content), ("", complaint.demand)] + [
        (_("Note"), note) for note in getattr(complaint, "note_texts", [])
    ]
    for label, source in sources:
        pieces = snippet(pii_text(source, texts), terms)
        if pieces:
            body = "".join(
                format_html("<mark>{}</mark>", piece) if marked else conditional_escape(piece)
                for piece, marked in pieces
            )
            prefix = format_html('<span class="muted small">{}</span> ', label) if label else ""
            return mark_safe(prefix + body)  # noqa: S308 (every piece escaped above)
    return conditional_escape(Truncator(pii_text(complaint.content, texts)).chars(SUMMARY_CHARS))


# ---- the list's rows ------------------------------------------------------------------------
# A list page's 50 rows through the template engine (ten cells each, a dozen tags and filters)
# were about 70 % of its time at a million complaints (issue 19). The rows are written here in
# Python instead, cell for cell the markup `complaints/_table.html` had, every value escaped by
# format_html / conditional_escape and every free text masked through the page's `pii` as
# before (desk/tests/test_list_rows.py renders both and compares them).

# A complaint number (TS + digits) needs no quoting in a URL: the detail link is the reversed
# link of a placeholder with the number put in, not one `reverse` per row.
_PLACEHOLDER = "0"


def _detail_link() -> Callable[[str], str]:
    head, _sep, tail = reverse("desk:detail", args=[_PLACEHOLDER]).rpartition(_PLACEHOLDER)

    def link(number: str) -> str:
        if number.isascii() and number.isalnum():
            return f"{head}{number}{tail}"
        return reverse("desk:detail", args=[number])

    return link


def _esc(value: Any) -> str:
    """`conditional_escape` without its lazy-argument wrapper (a few microseconds, thousands
    of times a page): safe strings as they are, anything else through Django's escaping
    (`html.escape` of its text, quotes included)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _summary(c: Complaint | ListRow, highlight: list[str] | None, texts: Any, ellipsis: str) -> str:
    if highlight and isinstance(c, Complaint):  # search results: whole complaints, never ListRows
        return str(search_snippet(c, highlight, texts))
    text = pii_text(c.content, texts)
    # `truncatechars` normalises (NFC) and counts the characters that are not combining ones:
    # a text no longer than the limit is the normalised text whatever it holds. Longer, it
    # is cut as `truncatechars` cuts it, with the page's ellipsis (`ellipsis`, translated
    # once a page: translating it again for every row was a third of the rows' time).
    normal = unicodedata.normalize("NFC", text)
    if len(normal) <= SUMMARY_CHARS:
        return html.escape(normal)
    return html.escape(Truncator(text).chars(SUMMARY_CHARS, truncate=ellipsis))


def _phone(c: Complaint | ListRow) -> str:
    if isinstance(c, ListRow):  # the list page's rows carry the phone alone
        return c.phone
    return c.customer.phone if c.customer else ""


# The placeholder of Django's truncation text: given as the text, the translation comes back
# as the template itself.
TRUNCATED = "%(truncated_text)s"


class _RowWriter:
    """What every row of one page shares: the reader's labels (translated once), the time
    zone, the link's pattern, the page's context (its `pii`)."""

    def __init__(self, context: template.Context, selectable: Any, highlight: Any) -> None:
        self.context = context
        self.texts = context.get("pii")
        self.selectable = bool(selectable)
        self.highlight = highlight or None
        self.link = _detail_link()
        self.zone = timezone.get_current_timezone()
        self.status = {value: html.escape(str(label)) for value, label in Status.choices}
        self.level = {value: html.escape(str(label)) for value, label in Level.choices}
        self.repeat = ' <span class="badge" title="{}">{}</span>'.format(
            html.escape(_("Repeat complaint")), html.escape(_("Repeat"))
        )
        self.high_risk = html.escape(_("High risk"))
        self.not_classified = '<span class="muted">{}</span>'.format(
            html.escape(_("Not classified"))
        )
        self.unassigned = html.escape(_("Unassigned"))
        # What `truncatechars` ends a cut text with, in the reader's language: Django's own
        # translation ("%(truncated_text)s…", in Chinese "%(truncated_text)s..."), asked once.
        self.ellipsis = add_truncation_text(TRUNCATED)
        # The rows of a page share few categories and departments: each name once a page.
        self.categories: dict[int, str] = {}
        self.departments: dict[int, str] = {}

    def category(self, c: Complaint | ListRow) -> str:
        category = c.category
        if category is None:
            return self.not_classified
        name = self.categories.get(category.pk)
        if name is None:
            name = self.categories[category.pk] = html.escape(category.path_name)
        return name

    def department(self, c: Complaint | ListRow) -> str:
        department = c.department
        if department is None:
            return "—"
        name = self.departments.get(department.pk)
        if name is None:
            name = self.departments[department.pk] = _esc(local_name(department) or "—")
        return name

    def number(self, c: Complaint | ListRow) -> str:
        number = html.escape(c.number)
        cell = f'<a class="nowrap" href="{html.escape(self.link(c.number))}">{number}</a>'
        if c.repeat_of_id:
            cell += self.repeat
        if c.high_risk:
            reasons = html.escape(reasons_text(c.risk_reasons))
            cell += f' <span class="badge level-major" title="{reasons}">{self.high_risk}</span>'
        return cell

    def status_badge(self, c: Complaint | ListRow) -> str:
        if c.archived_at is not None:  # the archive's badge and title: status_badge's own
            return str(status_badge(c))
        label = self.status.get(c.status) or html.escape(c.status)
        return f'<span class="badge status-{html.escape(c.status)}">{label}</span>'

    def row(self, c: Complaint | ListRow) -> str:
        number = html.escape(c.number)
        select = (
            '<td class="select"><input type="checkbox" form="bulk" name="numbers" '
            f'value="{number}" aria-label="{number}"></td>'
            if self.selectable
            else ""
        )
        level = self.level.get(c.level) or html.escape(c.level)
        handler = _esc(c.handler) if c.handler else self.unassigned
        phone = html.escape(pii.mask_phone(_phone(c)))
        local = c.received_at.astimezone(self.zone)
        return (
            f'<tr data-row>{select}<td class="number">{self.number(c)}</td>'
            f"<td>{due(self.context, c)}</td>"
            f'<td><span class="badge level-{html.escape(c.level)}">{level}</span></td>'
            f"<td>{self.status_badge(c)}</td>"
            f'<td class="category">{self.category(c)}</td>'
            f'<td class="summary">{_summary(c, self.highlight, self.texts, self.ellipsis)}</td>'
            f"<td>{self.department(c)}<br>"
            f'<span class="muted">{handler}</span></td>'
            f'<td><span class="masked">{phone}</span></td>'
            f'<td class="nowrap"><span title="{local:%Y-%m-%d %H:%M}">{local:%m-%d %H:%M}</span>'
            "</td></tr>"
        )


@register.simple_tag(takes_context=True)
def complaint_rows(
    context: template.Context,
    rows: Any,
    selectable: Any = False,
    empty_text: str = "",
    highlight: list[str] | None = None,
) -> SafeString:
    """The <tr>s of `complaints/_table.html`'s body: `{% complaint_rows rows selectable
    empty_text highlight %}`. Free text is shown as the page's `pii` (TextMask) allows."""
    writer = _RowWriter(context, selectable, highlight)
    lines = [writer.row(c) for c in rows]
    if not lines:
        return format_html(
            '<tr><td colspan="{}" class="empty">{}</td></tr>', 10 if selectable else 9, empty_text
        )
    return mark_safe("\n".join(lines))  # noqa: S308 (every value escaped in _RowWriter)


# ---- the list's filter fields ---------------------------------------------------------------

# The unfiltered list's filter fields by language: (the reference rows they were written from,
# the HTML). Rendering the form's 18 fields (labels, widgets, errors) through the template took
# about a tenth of a list page (issue 19), for HTML that only the language and those rows change.
_pristine_filters: dict[str, tuple[object, SafeString]] = {}


@register.simple_tag
def filter_fields(form: ComplaintFilterForm) -> SafeString:
    """The list's filter fields (`complaints/_filter_fields.html`). Without a filter given
    (`pristine_references`), the HTML written for the last such request in the language is
    used again while the form's reference rows are the same (tousu.core.refcache's copy: a
    new copy after a change writes them again)."""
    references = form.pristine_references()
    language = get_language() or ""
    if references is not None:
        kept = _pristine_filters.get(language)
        if kept is not None and kept[0] is references:
            return kept[1]
    html = mark_safe(get_template("complaints/_filter_fields.html").render({"form": form}))  # noqa: S308 (a template's output)
    if references is not None:
        _pristine_filters[language] = (references, html)
    return html

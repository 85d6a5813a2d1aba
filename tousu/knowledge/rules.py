"""Pure rules of the knowledge domain: anonymising a complaint into a case (R7.1), the states of
wording versions and the expired-wording check (R7.2), filling reply templates with S1's thanks
(R5.4), and the "what changed" comparison of two versions. No database here."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from tousu.core.anonymise import (  # noqa: F401 (the case library's names for them)
    ACCOUNT,
    ADDRESS,
    ANONYMOUS_SURNAME,
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    STAFF_NUMBER,
    anonymise,
    surname_of,
)
from tousu.knowledge.choices import VersionState

# ---- tags -----------------------------------------------------------------------------------

TAGS_MAX = 10
TAG_MAX_CHARS = 20
_TAG_SEPARATORS = re.compile(r"[,，、;；\s|]+")


def tags_normalise(raw: str | Iterable[str]) -> list[str]:
    """Tags as people type them (commas, 、 or spaces between) → distinct, in order, at most
    TAGS_MAX of at most TAG_MAX_CHARS characters. `|` separates tags in storage, so it cannot
    be part of one."""
    parts = _TAG_SEPARATORS.split(raw) if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for part in parts:
        for tag in _TAG_SEPARATORS.split(part.strip()):
            tag = tag[:TAG_MAX_CHARS]
            if tag and tag not in out:
                out.append(tag)
    return out[:TAGS_MAX]


def tags_stored(tags: Iterable[str]) -> str:
    """The stored form `|a|b|`: a filter for one tag is an exact `contains("|a|")`."""
    tags = list(tags)
    return "|" + "|".join(tags) + "|" if tags else ""


def tags_read(stored: str) -> list[str]:
    return [t for t in stored.split("|") if t]


# ---- wording versions (R7.2) ----------------------------------------------------------------


@dataclass(frozen=True)
class VersionDates:
    number: int
    effective_from: dt.date
    valid_until: dt.date | None  # the last day it applies (inclusive); None = until replaced


def version_states(versions: Iterable[VersionDates], today: dt.date) -> dict[int, VersionState]:
    """The state of each version of one article on `today`. A version is expired after its last
    valid day, or once a later version has taken effect (superseded); not yet effective before
    its first day; current otherwise. More than one version may be current only if their dates
    overlap and none is later — the latest current one is what the article says."""
    rows = sorted(versions, key=lambda v: v.number)
    states: dict[int, VersionState] = {}
    for v in rows:
        if v.effective_from > today:
            states[v.number] = VersionState.UPCOMING
        elif v.valid_until is not None and v.valid_until < today:
            states[v.number] = VersionState.EXPIRED
        else:
            states[v.number] = VersionState.CURRENT
    latest_current = max((n for n, s in states.items() if s == VersionState.CURRENT), default=None)
    for number, state in states.items():
        if state == VersionState.CURRENT and latest_current is not None and number < latest_current:
            states[number] = VersionState.EXPIRED
    return states


# A sentence shorter than this is too common ("感谢您的理解") to say which version it came from.
MIN_SENTENCE_CHARS = 8
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_BLANKS = re.compile(r"\s+")


def _compact(text: str) -> str:
    return _BLANKS.sub("", text)


def sentences(text: str) -> list[str]:
    """The sentences of a wording, without blanks, long enough to identify it."""
    parts = (_compact(p) for p in _SENTENCE_END.split(text))
    return [p for p in parts if len(p) >= MIN_SENTENCE_CHARS]


@dataclass(frozen=True)
class WordingText:
    """One version of an approved wording as the check sees it: its texts (the body and every
    channel variant) and its state today."""

    article_key: str
    article_title: str
    version: int
    state: VersionState
    valid_until: dt.date | None
    texts: tuple[str, ...]


@dataclass(frozen=True)
class StaleWording:
    """A sentence of the reply that comes from a version no longer in force."""

    article_key: str
    article_title: str
    version: int
    valid_until: dt.date | None
    sentence: str


def expired_wording_in(reply: str, versions: Iterable[WordingText]) -> list[StaleWording]:
    """The sentences of `reply` taken from expired or superseded wording versions, one per
    version; a sentence that the article's current version still says is not stale."""
    text = _compact(reply)
    if not text:
        return []
    rows = list(versions)
    still_said: dict[str, set[str]] = {}
    for v in rows:
        if v.state == VersionState.CURRENT:
            bucket = still_said.setdefault(v.article_key, set())
            for body in v.texts:
                bucket.update(sentences(body))
    found: list[StaleWording] = []
    for v in rows:
        if v.state != VersionState.EXPIRED:
            continue
        current = still_said.get(v.article_key, set())
        hit = next(
            (s for body in v.texts for s in sentences(body) if s in text and s not in current),
            None,
        )
        if hit is not None:
            found.append(
                StaleWording(v.article_key, v.article_title, v.version, v.valid_until, hit)
            )
    return found


def stale_message(stale: StaleWording) -> str:
    """Why the reply is refused, in the language of the handler's screen."""
    facts = {"title": stale.article_title, "version": stale.version, "quote": stale.sentence[:30]}
    if stale.valid_until is None:
        return (
            _(
                "The reply quotes approved wording “%(title)s” version %(version)s, no longer in "
                "force (“%(quote)s”); use the current version"
            )
            % facts
        )
    return _(
        "The reply quotes approved wording “%(title)s” version %(version)s, no longer in force "
        "(“%(quote)s”, valid until %(until)s); use the current version"
    ) % {**facts, "until": stale.valid_until.isoformat()}


@dataclass(frozen=True)
class DiffPart:
    """One run of the comparison of two texts: unchanged, added or removed."""

    op: str  # "equal" | "insert" | "delete"
    text: str


def wording_diff(old: str, new: str) -> list[DiffPart]:
    """What changed from `old` to `new`, character by character (Chinese has no spaces to split
    words on), as runs for a briefing page to mark up."""
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("equal", old[i1:i2]))
            continue
        if i2 > i1:
            parts.append(DiffPart("delete", old[i1:i2]))
        if j2 > j1:
            parts.append(DiffPart("insert", new[j1:j2]))
    return parts


# ---- reply templates and thanks (R5.4, S1) --------------------------------------------------

# S1's three sentences of thanks: sorry again for the trouble, thank you for your trust, we
# will improve.
THANKS = (
    "再次为此事给您带来的不便深表歉意。",
    "感谢您对我们的信任与支持，您的意见是我们改进工作的动力。",
    "我们将认真总结、改进工作，努力为您提供更好的服务。",
)
THANKS_TEXT = "".join(THANKS)


def greeting(name: str) -> str:
    """How a reply opens: 尊敬的唐小明客户，您好： (尊敬的客户 without a name)."""
    who = f"{name}客户" if name else "客户"
    return f"尊敬的{who}，您好："


@dataclass(frozen=True)
class ReplyFacts:
    """The complaint's facts a reply template may use, already formatted for the customer.
    The API's preview of a template masks the name (staff read it); the complaint page fills
    templates in the browser, as the handler inserts one, with the real name and the form's
    values (`static/tousu/app.js` mirrors `reply_fill`)."""

    number: str
    customer: str  # masked name, or "" when unknown
    category: str
    remedies: str
    amount: str
    received: str
    resolved: str
    today: str
    finding: str = ""

    @property
    def greeting(self) -> str:
        return greeting(self.customer)


# The placeholders a template may use and what they become; `{thanks}` marks where S1's
# thanks go (at the end when a template does not place them).
PLACEHOLDERS: dict[str, str] = {
    "greeting": "尊敬的张*客户，您好：",
    "number": "投诉单号",
    "customer": "客户姓名",
    "finding": "核实结论",
    "category": "投诉类别",
    "remedies": "补救措施",
    "amount": "补偿合计金额（元）",
    "received": "受理日期",
    "resolved": "处理日期",
    "today": "今天的日期",
    "thanks": "致谢语（S1 三句话）",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def reply_fill(body: str, facts: ReplyFacts) -> str:
    """The template with the complaint's facts filled in. Unknown placeholders stay as typed,
    so that a mistake in a template shows instead of vanishing; the thanks are added at the end
    unless the template places them."""
    values = {**asdict(facts), "greeting": facts.greeting, "thanks": THANKS_TEXT}
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body).strip()
    if "{thanks}" not in body:
        filled = f"{filled}\n{THANKS_TEXT}" if filled else THANKS_TEXT
    return filled


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders of a template that reply_fill does not know."""
    return sorted({m for m in _PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})


def remedies_text(items: Sequence[tuple[str, str, str]]) -> str:
    """Remedies as the customer reads them, each with what the handler noted of it: (label,
    amount or "", note or "") → "退款 58.00 元、解释说明（告知 12321 举报渠道）" — the labels
    alone tell the customer nothing of what was done. "无" when there are none, so that a
    template's "处理结果：{remedies}。" still reads (`static/tousu/app.js` mirrors this)."""
    parts = []
    for label, amount, note in items:
        part = f"{label} {amount} 元" if amount else label
        parts.append(f"{part}（{note}）" if note else part)
    return "、".join(parts) or "无"

"""Pure rules of handling: authority, evidence files, standard clauses (matching and remedy
computation) and the consistency of outcomes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.complaints.choices import Channel
from tousu.core.reasons import Reason, choice, reason, reason_kind, yuan
from tousu.resolution.choices import RemedyBasis, RemedyType

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

# Extension → (content type, magic prefixes that the file must start with; empty = any).
# Checking the bytes, not only the name, keeps an executable renamed .pdf out.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".amr": ("audio/amr", (b"#!AMR",)),
    ".m4a": ("audio/mp4", ()),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
}


def evidence_problem(name: str, size: int, head: bytes) -> str | None:
    """Why a file cannot be accepted as evidence, or None when it can."""
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    if ext not in EVIDENCE_TYPES:
        return _("File type “%(type)s” is not accepted; allowed: %(allowed)s") % {
            "type": ext or name,
            "allowed": " ".join(sorted(EVIDENCE_TYPES)),
        }
    if size == 0:
        return _("The file is empty")
    if size > EVIDENCE_MAX_BYTES:
        return _("The file is too large: %(size).1f MB, at most %(limit)s MB") % {
            "size": size / 1048576,
            "limit": EVIDENCE_MAX_BYTES // 1048576,
        }
    magics = EVIDENCE_TYPES[ext][1]
    if magics and not any(head.startswith(m) for m in magics):
        return _("The file's content does not match its extension “%(ext)s”") % {"ext": ext}
    if not magics and b"\x00" in head[:1024] and ext in {".txt", ".csv"}:
        return _("The text file holds binary content")
    return None


def needs_approval(total: Decimal, limit: Decimal | None) -> bool:
    """Over the role's authority (None = unlimited)?"""
    return limit is not None and total > limit


# ---- authority (R6.2) ------------------------------------------------------------------------

TOTAL = ""  # the key of the limit on the total of all remedies


@dataclass(frozen=True)
class Limit:
    """One limit of a role; None = unlimited."""

    per_complaint: Decimal | None
    per_month: Decimal | None = None


def authority_excess(
    amounts: dict[str, Decimal],
    month_before: dict[str, Decimal],
    limits: dict[str, Limit],
) -> list[Reason]:
    """Why these remedies exceed the role's authority (empty = within it), as reasons.

    `amounts` and `month_before` map a remedy type to yuan (this complaint; what the customer
    already received this calendar month); `limits` maps a remedy type, or TOTAL, to the
    role's limit. A role with no TOTAL limit grants nothing with money alone: a missing
    configuration must not hand out unlimited authority.
    """
    total = sum(amounts.values(), Decimal(0))
    month_total = sum(month_before.values(), Decimal(0))
    reasons: list[Reason] = []
    checks: list[tuple[str, Decimal, Decimal, Limit]] = [
        ("total", total, month_total, limits.get(TOTAL, Limit(Decimal(0))))
    ]
    for type_, amount in sorted(amounts.items()):
        if type_ in limits and amount > 0:
            checks.append((type_, amount, month_before.get(type_, Decimal(0)), limits[type_]))
    for label, amount, before, limit in checks:
        if amount <= 0:
            continue
        if limit.per_complaint is not None and amount > limit.per_complaint:
            reasons.append(
                reason(
                    "authority.per_complaint",
                    remedy=label,
                    amount=amount,
                    limit=limit.per_complaint,
                )
            )
        if limit.per_month is not None and before + amount > limit.per_month:
            reasons.append(
                reason(
                    "authority.per_month",
                    remedy=label,
                    amount=before + amount,
                    limit=limit.per_month,
                )
            )
    return reasons


def approval_chain(amount: Decimal, steps: Sequence[tuple[str, Decimal | None]]) -> list[str]:
    """The approver roles asked in turn for `amount`: from the lowest whose limit covers it
    upwards (a step that times out passes to the next). `steps` are (role, limit) of the
    approver roles; None = unlimited. Empty when nobody's limit covers the amount."""
    ordered = sorted(steps, key=lambda s: (s[1] is None, s[1] or Decimal(0)))
    for i, (_role, limit) in enumerate(ordered):
        if limit is None or amount <= limit:
            return [role for role, _limit in ordered[i:]]
    return []


def approval_due(now: dt.datetime, hours: int, reply_due: dt.datetime | None) -> dt.datetime:
    """When an approver must decide: the step's hours from `now`, but no later than the
    complaint's reply is due, while that is still ahead — a major complaint to answer in two
    hours cannot wait a day for its remedy's approval (the step then passes on at the reply's
    limit)."""
    step_end = now + dt.timedelta(hours=hours)
    if reply_due is not None and now < reply_due < step_end:
        return reply_due
    return step_end


def month_start(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The start of the calendar month of `moment` in `tz` (aware)."""
    local = moment.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# ---- standard clauses (R6.1) -----------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """The facts of a complaint that a clause's conditions look at; None/"" = not known yet."""

    category_code: str
    day: dt.date
    finding: str = ""
    cause: str = ""
    segment: str = ""
    disputed_amount: Decimal | None = None
    outage_days: Decimal | None = None


@dataclass(frozen=True)
class ClauseTerms:
    """A clause's conditions, detached from the database."""

    key: int
    category_code: str | None
    effective_from: dt.date
    effective_to: dt.date | None = None
    active: bool = True
    findings: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    disputed_min: Decimal | None = None
    disputed_max: Decimal | None = None
    outage_days_min: Decimal | None = None
    outage_days_max: Decimal | None = None
    version: int = 1


def _in_range(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:  # a range needs the fact: an unknown amount proves nothing
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def category_covers(clause_code: str | None, category_code: str) -> bool:
    """A clause for `billing` covers `billing.unexplained_charge`, not `billing_x`."""
    if clause_code is None:
        return True
    return category_code == clause_code or category_code.startswith(clause_code + ".")


def clause_matches(terms: ClauseTerms, situation: Situation) -> bool:
    """Whether every condition of the clause holds for the situation on its day. A condition
    on a fact not known yet does not hold."""
    if not terms.active or situation.day < terms.effective_from:
        return False
    if terms.effective_to is not None and situation.day > terms.effective_to:
        return False
    if not category_covers(terms.category_code, situation.category_code):
        return False
    for allowed, value in (
        (terms.findings, situation.finding),
        (terms.causes, situation.cause),
        (terms.segments, situation.segment),
    ):
        if allowed and value not in allowed:
            return False
    return _in_range(
        situation.disputed_amount, terms.disputed_min, terms.disputed_max
    ) and _in_range(situation.outage_days, terms.outage_days_min, terms.outage_days_max)


def clause_specificity(terms: ClauseTerms) -> tuple[int, int]:
    """How specific a clause is: the depth of its category first (a sub-category beats its
    parent, any category comes last), then how many conditions it sets."""
    depth = 0 if terms.category_code is None else terms.category_code.count(".") + 1
    conditions = sum(
        (
            bool(terms.findings),
            bool(terms.causes),
            bool(terms.segments),
            terms.disputed_min is not None or terms.disputed_max is not None,
            terms.outage_days_min is not None or terms.outage_days_max is not None,
        )
    )
    return depth, conditions


def clause_pick(clauses: Iterable[ClauseTerms], situation: Situation) -> ClauseTerms | None:
    """The most specific clause whose conditions hold; among equals the latest in force (then
    the highest version) so that a revision replaces what it revises."""
    matching = [t for t in clauses if clause_matches(t, situation)]
    if not matching:
        return None
    return max(matching, key=lambda t: (clause_specificity(t), t.effective_from, t.version, -t.key))


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def yuan_text(value: Decimal) -> str:
    """58.00 → "58", 12.50 → "12.5": how amounts read in a sentence."""
    text = f"{_yuan(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Computed:
    """A prescribed remedy worked out for one complaint: the amount when the formula applies
    (None = a range to choose from, or a fact is missing) and how, in the reader's language."""

    amount: Decimal | None
    explanation: str


@dataclass(frozen=True)
class _Bounds:
    low: Decimal | None
    high: Decimal | None

    def apply(self, value: Decimal) -> tuple[Decimal, str]:
        """The value within the bounds, and a note when a bound changed it."""
        note = ""
        if self.high is not None and value > self.high:
            value = self.high
            note = _(" (capped at %(amount)s yuan)") % {"amount": yuan_text(self.high)}
        if self.low is not None and value < self.low:
            value = self.low
            note = _(" (at least %(amount)s yuan)") % {"amount": yuan_text(self.low)}
        return _yuan(value), note


def _disputed(multiple: Decimal, disputed: Decimal | None, bounds: _Bounds) -> Computed:
    if disputed is None:
        if multiple == 1:
            return Computed(
                None, _("Refund of the full disputed amount (enter the disputed amount first)")
            )
        return Computed(
            None,
            _("Refund of %(multiple)s times the disputed amount (enter the disputed amount first)")
            % {"multiple": yuan_text(multiple)},
        )
    amount, note = bounds.apply(disputed * multiple)
    facts = {"multiple": yuan_text(multiple), "amount": yuan_text(amount), "note": note}
    if multiple == 1:
        return Computed(
            amount, _("Refund of the full disputed amount: %(amount)s yuan%(note)s") % facts
        )
    return Computed(
        amount,
        _("Refund of %(multiple)s times the disputed amount: %(amount)s yuan%(note)s") % facts,
    )


def _per_day(per_day: Decimal, days: Decimal | None, bounds: _Bounds) -> Computed:
    if days is None:
        cap = ""
        if bounds.high is not None:
            cap = _(", at most %(amount)s yuan") % {"amount": yuan_text(bounds.high)}
        return Computed(
            None,
            _("%(rate)s yuan a day%(cap)s (enter the days of outage or delay first)")
            % {"rate": yuan_text(per_day), "cap": cap},
        )
    amount, note = bounds.apply(per_day * days)
    facts = {
        "days": yuan_text(days),
        "rate": yuan_text(per_day),
        "amount": yuan_text(amount),
        "note": note,
    }
    return Computed(
        amount, _("%(days)s days × %(rate)s yuan a day: %(amount)s yuan%(note)s") % facts
    )


def _fixed(bounds: _Bounds) -> Computed:
    if bounds.low is not None and bounds.low == bounds.high:
        return Computed(
            _yuan(bounds.low),
            _("Fixed compensation of %(amount)s yuan") % {"amount": yuan_text(bounds.low)},
        )
    low = yuan_text(bounds.low) if bounds.low is not None else "0"
    high = _("no limit")
    if bounds.high is not None:
        high = _("%(amount)s yuan") % {"amount": yuan_text(bounds.high)}
    return Computed(None, _("Compensation from %(low)s to %(high)s") % {"low": low, "high": high})


def remedy_compute(
    *,
    basis: str,
    min_amount: Decimal | None,
    max_amount: Decimal | None,
    rate: Decimal | None,
    disputed_amount: Decimal | None,
    outage_days: Decimal | None,
) -> Computed:
    """Work out a prescribed remedy (R6.1): a fixed range, a refund of the disputed amount
    (times `rate`, default 1), or `rate` yuan per day of outage; capped by `max_amount` and
    raised to `min_amount`."""
    bounds = _Bounds(min_amount, max_amount)
    if basis == RemedyBasis.DISPUTED_AMOUNT:
        return _disputed(rate if rate is not None else Decimal(1), disputed_amount, bounds)
    if basis == RemedyBasis.PER_DAY:
        return _per_day(rate if rate is not None else Decimal(0), outage_days, bounds)
    if basis == RemedyBasis.FIXED:
        return _fixed(bounds)
    return Computed(None, _("No amount"))


def amount_range(
    min_amount: Decimal | None, max_amount: Decimal | None, computed: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """The amounts a clause allows for one remedy: the computed amount when its formula
    applies, else the clause's range (None = open side)."""
    if computed is not None:
        return computed, computed
    return min_amount, max_amount


# ---- consistency (R6.3) ----------------------------------------------------------------------

# At least this many outcomes elsewhere before a difference means anything.
OUTLIER_MIN_PEERS = 5
# Far = more than OUTLIER_FACTOR times the peers' mean, or less than the mean divided by it,
# and by at least OUTLIER_MIN_YUAN (a 3 yuan gap on a 2 yuan average is not worth a
# supervisor's time).
OUTLIER_FACTOR = Decimal("2")
OUTLIER_MIN_YUAN = Decimal("20")


def range_problem(
    amount: Decimal, low: Decimal | None, high: Decimal | None, remedy: str
) -> Reason | None:
    """Why an amount of `remedy` (a RemedyType) is outside the clause's range (None = within
    it)."""
    if low is not None and high is not None and low != high:
        limit = f"{yuan_text(low)}–{yuan_text(high)}"
    else:
        limit = yuan_text(high if high is not None else low or Decimal(0))
    if high is not None and amount > high:
        return reason("consistency.above", remedy=remedy, amount=amount, limit=limit)
    if low is not None and amount < low:
        return reason("consistency.below", remedy=remedy, amount=amount, limit=limit)
    return None


@dataclass(frozen=True)
class Peer:
    """An outcome elsewhere under the same clause: who gave it and how much in total."""

    channel: str
    department: str
    amount: Decimal


# What the others of `peer_outlier` share with the complaint, which the flag's sentence names:
# all in its department (other channels), all in its channel (other departments), or neither.
OTHER_CHANNELS, OTHER_DEPARTMENTS, ELSEWHERE = "other_channels", "other_departments", "elsewhere"


@dataclass(frozen=True)
class Outlier:
    """A total far from the same clause's outcomes elsewhere: their `mean`, how many they are
    (`peers`, never the complaint itself), and who they are — `who` a channel code or a
    department code when they all come from one other, else "" and `scope` (OTHER_CHANNELS,
    OTHER_DEPARTMENTS, ELSEWHERE) says what the sentence may call them."""

    mean: Decimal
    peers: int
    who: str = ""
    scope: str = ELSEWHERE


def peer_outlier(
    amount: Decimal, peers: Sequence[Peer], channel: str, department: str
) -> Outlier | None:
    """Compare a total with the outcomes of other channels and departments for the same
    clause: an Outlier when this one is far from their mean, else None. Outcomes of the same
    channel *and* department are not "elsewhere" and are left out; `peers` must not hold the
    complaint itself (its own amount would pull the mean towards it)."""
    others = [p for p in peers if p.channel != channel or p.department != department]
    if len(others) < OUTLIER_MIN_PEERS:
        return None
    mean = _yuan(sum((p.amount for p in others), Decimal(0)) / len(others))
    far = amount > mean * OUTLIER_FACTOR or amount * OUTLIER_FACTOR < mean
    if not far or abs(amount - mean) < OUTLIER_MIN_YUAN:
        return None
    channels = {p.channel for p in others}
    departments = {p.department for p in others}
    if len(channels) == 1 and channel not in channels:
        return Outlier(mean, len(others), who=next(iter(channels)))
    if len(departments) == 1 and department not in departments:
        return Outlier(mean, len(others), who=next(iter(departments)))
    # "Other channels and departments" only when they are: the others of this department
    # are its other channels, the others of this channel its other departments.
    if departments == {department}:
        return Outlier(mean, len(others), scope=OTHER_CHANNELS)
    if channels == {channel}:
        return Outlier(mean, len(others), scope=OTHER_DEPARTMENTS)
    return Outlier(mean, len(others))


def outlier_reason(outlier: Outlier, amount: Decimal, who: str = "") -> Reason:
    """ "同类情形门店平均补偿 20 元，本单 200 元": `who` is a channel code or a department's
    name (the outlier's `who`, read); without one, the sentence says which others and how
    many: "同类情形本部门其他渠道 35 单平均补偿 1.43 元，本单 50 元"."""
    if who:
        return reason("consistency.outlier", where=who, mean=outlier.mean, amount=amount)
    code = {
        OTHER_CHANNELS: "consistency.outlier_other_channels",
        OTHER_DEPARTMENTS: "consistency.outlier_other_departments",
    }.get(outlier.scope, "consistency.outlier_others")
    return reason(code, peers=outlier.peers, mean=outlier.mean, amount=amount)


def far_above(amount: Decimal, reference: Decimal) -> bool:
    """Far above what is expected, by the measure of `peer_outlier`."""
    return amount > reference * OUTLIER_FACTOR and amount - reference >= OUTLIER_MIN_YUAN


def median(values: Sequence[Decimal]) -> Decimal:
    """The middle value (the mean of the middle two); precondition: not empty."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return _yuan((ordered[middle - 1] + ordered[middle]) / 2)


def above_peers(amount: Decimal, peers: Sequence[Decimal]) -> Decimal | None:
    """The median of the same remedy under the same clause elsewhere when `amount` is far
    above it (None when it is not, or too few peers to tell). The median, not the mean: one
    generous outcome among the peers must not hide the next."""
    if len(peers) < OUTLIER_MIN_PEERS:
        return None
    middle = median(peers)
    return middle if far_above(amount, middle) else None


# The reasons of the checks made while the fact a clause computes from is missing; in one place
# so that they change together.
def stated_excess_reason(
    remedy: str, amount: Decimal, expected: Decimal, stated: Decimal
) -> Reason:
    """ "退款 2000 元，远高于按投诉所述金额 20 元计算的 20 元（未录入争议金额）"."""
    return reason(
        "consistency.stated_excess", remedy=remedy, amount=amount, stated=stated, expected=expected
    )


def peer_excess_reason(remedy: str, amount: Decimal, middle: Decimal, peers: int) -> Reason:
    """ "退款 2000 元，远高于同一条款其他 8 单的中位数 50 元（未录入争议金额）"."""
    return reason(
        "consistency.peer_excess", remedy=remedy, amount=amount, middle=middle, peers=peers
    )


def not_prescribed_reason(remedy: str, amount: Decimal, clause: str) -> Reason:
    """ "话费赠送 30 元不在标准条款 BILL-01 规定的补救措施中"; without an amount (an apology, a
    repair) "道歉不在标准条款 SEC-01 规定的补救措施中"."""
    if not amount:
        return reason("consistency.not_prescribed_action", remedy=remedy, clause=clause)
    return reason("consistency.not_prescribed", remedy=remedy, amount=amount, clause=clause)


def left_out_reason(remedy: str, clause: str) -> Reason:
    """ "维修是标准条款 SEC-01 规定的补救措施，本单未给予"."""
    return reason("consistency.left_out", remedy=remedy, clause=clause)


def not_true_reason(amount: Decimal, clause: str) -> Reason:
    """ "核实不属实，却给予补偿 160 元；标准条款 NET-02 未规定不属实时的补偿"."""
    return reason("consistency.not_true_compensated", amount=amount, clause=clause)


# A remedy the outcome may add to any clause's without departing from it: every reply explains
# (R5.4), so recording the explanation is not a remedy beyond the standard. Only with no amount.
ALWAYS_ALLOWED = frozenset({"explanation"})


# ---- a reply that promises money --------------------------------------------------------------

# What a reply says when it gives the customer money: a refund, a credit, compensation. A bare
# amount is not a promise (a reply explains the charge it is about: "彩铃功能费15元"); nor is a
# denial ("不予退费", "无法补偿").
_MONEY_WORDS = "退款|退费|退还|返还|退回|赔偿|补偿|赔付|赠送|充值|减免"
_MONEY_DENIED = re.compile(rf"(?:不予|不能|无法|不会|无需|无须|不再|不|无|未)(?:{_MONEY_WORDS})")
_MONEY_PROMISED = re.compile(_MONEY_WORDS)


def money_promised(reply: str) -> str | None:
    """The words of the reply that promise the customer money, or None when it promises
    none."""
    found = _MONEY_PROMISED.search(_MONEY_DENIED.sub("", reply))
    return found.group(0) if found else None


def unrecorded_money_promise(
    *, reply: str, prescribed: Iterable[str], money_total: Decimal
) -> str | None:
    """The words by which a reply promises money that the outcome does not grant: the
    applicable clause prescribes a remedy with money (`prescribed`: the bases of its remedies)
    and the reply says a refund or compensation, yet no remedy with an amount is recorded.
    The customer would be told of money nobody pays (the consistency check sees it only after
    the reply went out). None when the outcome is consistent with its reply."""
    if money_total > 0 or all(basis == RemedyBasis.NONE for basis in prescribed):
        return None
    return money_promised(reply)


# ---- amounts stated in a complaint's text ----------------------------------------------------

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS |= {"八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_NUMERAL = "零一二两三四五六七八九十百千万"
# 58元, 19.9元, 300多元, 80多块, 4块多, 二十元, 四百多块, 五块钱; not 元旦/元月/元宵. A lone
# 一块 or 两块 is left out: "together" (一块去) and "two pieces" (两块屏) read the same.
_STATED = re.compile(
    rf"(?P<number>\d+(?:\.\d+)?|[{_NUMERAL}]+)\s*(?P<before>多)?"
    r"(?:(?P<yuan>元)(?![旦月宵])|(?P<kuai>块)(?P<qian>钱)?)(?P<after>多)?"
)


def chinese_number(text: str) -> int | None:
    """二十 → 20, 四百 → 400, 十五 → 15, 一千二 → 1200 (the spoken short form), 三万五千 →
    35000; None when `text` is not a number written in characters."""
    total, section, digit, last_unit = 0, 0, None, 0
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and ch != "零":
                return None  # two digits in a row: not a number (一二)
            digit = _CN_DIGITS[ch] if ch != "零" else None
            if ch == "零":
                last_unit = 0
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit == 10_000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    if digit is not None and last_unit >= 100:  # 一千二: the digit counts the next unit down
        digit *= last_unit // 10
    return total + section + (digit or 0)


def _upper_bound(value: Decimal) -> Decimal:
    """The most "N多" can mean: 300多 → 400, 80多 → 90, 4块多 → 5."""
    if value != value.to_integral_value():
        return value.to_integral_value(rounding=ROUND_FLOOR) + 1
    step = 1
    while value % (step * 10) == 0 and value > 0:
        step *= 10
    return value + step


@dataclass(frozen=True)
class _Sum:
    most: Decimal  # "N多" as the most it can mean
    written: Decimal  # the number as written: 300 of 300多元
    match: re.Match[str]


def _stated(text: str) -> list[_Sum]:
    out = []
    for match in _STATED.finditer(text or ""):
        number = match["number"]
        if number[0].isdigit():
            value = Decimal(number)
        else:
            parsed = chinese_number(number)
            if parsed is None or (match["kuai"] and len(number) == 1 and not match["qian"]):
                continue
            value = Decimal(parsed)
        written = value
        if match["before"] or match["after"]:
            value = _upper_bound(value)
        if value > 0:
            out.append(_Sum(value, written, match))
    return out


def stated_amounts(text: str) -> list[Decimal]:
    """The sums of money a text states, in yuan, in the order written; "N多" counts as the
    most it can mean."""
    return [found.most for found in _stated(text)]


# What ties a sum to the dispute: the words just before it in the same clause of the sentence
# (多扣了58元, 收了我300多元, 余额少了五十块, 被骗了1200元, 要求退还19.9元, 每个月只返4块多).
_DISPUTE_WORDS = (
    "扣",
    "收了",
    "收我",
    "多收",
    "乱收",
    "收取",
    "多了",
    "少了",
    "多出",
    "退",
    "赔",
    "补偿",
    "返",
    "骗",
    "损失",
    "交",
    "花",
    "产生",
    "转了",
    "转账",
)
# What names a sum as a plan's price: the plan just before it (畅享套餐59元, 月租129元, 大流量卡39
# 元, 资费是88元) or a price's wording just after it (129元/月, 88元一个月, 58元一天的漫游包,
# 199元的套餐).
_PRICE_BEFORE = re.compile(r"(?:套餐|月租|月费|卡|资费|包月)(?:是|为|:|：|只要|才|仅)?\s*$")
_PRICE_AFTER = re.compile(r"^\s*(?:/|每|一个?)\s*(?:月|天|日)|^\s*(?:的)?(?:套餐|月租|包月)")
_CLAUSE_END = re.compile(r"[，,。.！!？?；;、\n]")
_NEAR = 8  # characters before a sum that are read for a dispute word


def _before(text: str, start: int) -> str:
    """The words just before `start` within the same clause of the sentence."""
    left = text[max(0, start - _NEAR) : start]
    parts = _CLAUSE_END.split(left)
    return parts[-1]


def disputed_amount_stated(text: str, *, as_written: bool = False) -> Decimal | None:
    """The sum a customer's text disputes, as far as its words tell (None when it states
    none). A plan's price (畅享套餐59元, 129元/月) is not in dispute: in "我办的5G畅享套餐
    129元，这个月多扣了58元" the disputed amount is 58. Of the sums tied to a dispute word
    (多扣, 收了, 退, 赔, 少返, 被骗 …) the largest; with none tied, the largest sum that is not
    a price; a text that states only prices disputes no amount it states. An upper bound, not
    the fact: a remedy computed from it is the most the clause could prescribe, whichever of
    the tied sums is the one in dispute. `as_written`: that sum's number as written (300 of
    300多元), not the most it can mean (400)."""
    tied, plain = [], []
    for found in _stated(text):
        before = _before(text, found.match.start())
        after = text[found.match.end() : found.match.end() + 6]
        if _PRICE_BEFORE.search(before):
            continue  # named as the plan's price, whatever is said further back
        if any(word in before for word in _DISPUTE_WORDS):
            tied.append(found)
        elif not _PRICE_AFTER.search(after):
            plain.append(found)
    if not (tied or plain):
        return None
    largest = max(tied or plain, key=lambda f: f.most)
    return largest.written if as_written else largest.most


def covers(limit: Decimal | None, amount: Decimal) -> bool:
    """Whether an authority limit (None = unlimited) covers the amount."""
    return limit is None or amount <= limit


# ---- the reasons above, in the reader's language (tousu.core.reasons) -----------------------
# Rows written before codes hold the Chinese text; `legacy` reads it back. An amount is `yuan`,
# a remedy its label.
def _remedy_or_total(value: str) -> str:
    if value in ("合计", "total"):
        return str(gettext_lazy("Total"))
    return choice(RemedyType)(value)


_remedy_or_total.choices = RemedyType  # type: ignore[attr-defined]
_AMOUNT = r"(?P<amount>[\d.]+)"
reason_kind(
    "authority.per_complaint",
    gettext_lazy(
        "%(remedy)s %(amount)s yuan is over the per-complaint authority of %(limit)s yuan"
    ),
    legacy=rf"(?P<remedy>\S+) {_AMOUNT} 元超出单笔授权 (?P<limit>[\d.]+) 元",
    remedy=_remedy_or_total,
    amount=yuan,
    limit=yuan,
)
reason_kind(
    "authority.per_month",
    gettext_lazy(
        "%(remedy)s this month %(amount)s yuan is over the monthly authority per customer of "
        "%(limit)s yuan"
    ),
    legacy=rf"(?P<remedy>\S+?)本月累计 {_AMOUNT} 元超出每客户每月授权 (?P<limit>[\d.]+) 元",
    remedy=_remedy_or_total,
    amount=yuan,
    limit=yuan,
)
reason_kind(
    "consistency.above",
    gettext_lazy("%(remedy)s %(amount)s yuan, above the standard clause's %(limit)s yuan"),
    legacy=rf"(?P<remedy>\S+) {_AMOUNT} 元，高于标准条款的 (?P<limit>[\d.–]+) 元",
    remedy=choice(RemedyType),
    amount=yuan,
)
reason_kind(
    "consistency.below",
    gettext_lazy("%(remedy)s %(amount)s yuan, below the standard clause's %(limit)s yuan"),
    legacy=rf"(?P<remedy>\S+) {_AMOUNT} 元，低于标准条款的 (?P<limit>[\d.–]+) 元",
    remedy=choice(RemedyType),
    amount=yuan,
)
reason_kind(
    "consistency.not_prescribed",
    gettext_lazy(
        "%(remedy)s %(amount)s yuan is not among the remedies of standard clause %(clause)s"
    ),
    legacy=rf"(?P<remedy>\S+) {_AMOUNT} 元不在标准条款 (?P<clause>\S+) 规定的补救措施中",
    remedy=choice(RemedyType),
    amount=yuan,
)
reason_kind(
    "consistency.not_prescribed_action",
    gettext_lazy("%(remedy)s is not among the remedies of standard clause %(clause)s"),
    remedy=choice(RemedyType),
)
reason_kind(
    "consistency.left_out",
    gettext_lazy("%(remedy)s is prescribed by standard clause %(clause)s but was not given"),
    remedy=choice(RemedyType),
)
reason_kind(
    "consistency.not_true_compensated",
    gettext_lazy(
        "Found not true, yet %(amount)s yuan of compensation was granted; standard clause "
        "%(clause)s prescribes none for a complaint found not true"
    ),
    amount=yuan,
)
reason_kind(
    "consistency.outlier_elsewhere",
    gettext_lazy(
        "The same situation got %(mean)s yuan on average in other channels and departments; "
        "this one %(amount)s yuan"
    ),
    legacy=r"同类情形其他渠道和部门平均补偿 (?P<mean>[\d.]+) 元，本单 (?P<amount>[\d.]+) 元",
    mean=yuan,
    amount=yuan,
)
# The flags raised since the sentence says which others and how many (the one above stays for
# the flags stored before).
reason_kind(
    "consistency.outlier_others",
    gettext_lazy(
        "The same situation got %(mean)s yuan on average in %(peers)s complaints of other "
        "channels and departments; this one %(amount)s yuan"
    ),
    mean=yuan,
    amount=yuan,
)
reason_kind(
    "consistency.outlier_other_channels",
    gettext_lazy(
        "The same situation got %(mean)s yuan on average in %(peers)s complaints of this "
        "department's other channels; this one %(amount)s yuan"
    ),
    mean=yuan,
    amount=yuan,
)
reason_kind(
    "consistency.outlier_other_departments",
    gettext_lazy(
        "The same situation got %(mean)s yuan on average in %(peers)s complaints of this "
        "channel's other departments; this one %(amount)s yuan"
    ),
    mean=yuan,
    amount=yuan,
)
reason_kind(
    "consistency.outlier",
    gettext_lazy(
        "The same situation got %(mean)s yuan on average at %(where)s; this one %(amount)s yuan"
    ),
    legacy=r"同类情形(?P<where>.+?)平均补偿 (?P<mean>[\d.]+) 元，本单 (?P<amount>[\d.]+) 元",
    where=choice(Channel),
    mean=yuan,
    amount=yuan,
)
reason_kind(
    "consistency.stated_excess",
    gettext_lazy(
        "%(remedy)s %(amount)s yuan, far above the %(expected)s yuan computed from the "
        "%(stated)s yuan the complaint states (no disputed amount entered)"
    ),
    legacy=(
        rf"(?P<remedy>\S+) {_AMOUNT} 元，远高于按投诉所述金额 (?P<stated>[\d.]+) 元"
        r"计算的 (?P<expected>[\d.]+) 元（未录入争议金额）"
    ),
    remedy=choice(RemedyType),
    amount=yuan,
    stated=yuan,
    expected=yuan,
)
reason_kind(
    "consistency.peer_excess",
    gettext_lazy(
        "%(remedy)s %(amount)s yuan, far above the median of %(middle)s yuan of %(peers)s "
        "other complaints under the same clause (no disputed amount entered)"
    ),
    legacy=(
        rf"(?P<remedy>\S+) {_AMOUNT} 元，远高于同一条款其他 (?P<peers>\d+) 单的中位数 "
        r"(?P<middle>[\d.]+) 元（未录入争议金额）"
    ),
    remedy=choice(RemedyType),
    amount=yuan,
    middle=yuan,
)

# Notices to staff (notifications), stored as reasons and read in each reader's language.
reason_kind(
    "notice.approval",
    gettext_lazy("Complaint %(number)s: %(amount)s yuan of remedies wait for your approval"),
    legacy=r"投诉单 (?P<number>\S+)：(?P<amount>[\d.]+) 元补偿待你审批",
    amount=yuan,
)
reason_kind(
    "notice.approved",
    gettext_lazy("Complaint %(number)s: %(amount)s yuan approved by %(by)s"),
    legacy=r"投诉单 (?P<number>\S+)：(?P<amount>[\d.]+) 元已由 (?P<by>.+) 审批通过",
    amount=yuan,
)
reason_kind(
    "notice.rejected",
    gettext_lazy("Complaint %(number)s: %(amount)s yuan rejected by %(by)s: %(note)s"),
    legacy=r"投诉单 (?P<number>\S+)：(?P<amount>[\d.]+) 元被 (?P<by>.+?) 驳回：(?P<note>.*)",
    amount=yuan,
)
reason_kind(
    "notice.integrity",
    gettext_lazy(
        "Tamper evidence: %(count)s problems found in the stored data (first: %(first)s). "
        "Run `tousu timeline_verify` for the full list."
    ),
    legacy=(
        r"防篡改校验：存储数据中发现 (?P<count>\d+) 处问题（首处：(?P<first>.*)）。"
        r"请运行 `tousu timeline_verify` 查看完整清单。"
    ),
)


# ---- closing as accepted ----------------------------------------------------------------------


def accepted_close_waits(
    *,
    customer_accepted: bool | None,
    reply_held_until: dt.datetime | None,
    first_contact: bool,
    now: dt.datetime,
) -> bool:
    """Whether a close as "customer accepted" must wait for the reply to reach the customer:
    nobody accepts a reply they have not received, and a reply held for later (an SMS in the
    quiet hours leaves at 08:00) has not reached them — unless they heard it on the call (a
    first-contact resolution: the agent told them, and heard them accept). A reply that went
    out, is going out now, or was not sent at all (withheld, failed: the handler told them
    otherwise) does not hold the close; nor does a close as not accepted."""
    return (
        customer_accepted is True
        and not first_contact
        and reply_held_until is not None
        and reply_held_until > now
    )

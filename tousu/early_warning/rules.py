"""Spike detection (R10.1): pure arithmetic over hourly counts, no database.

The question each scan asks of a slice (a category, region, channel or product, or a pair of
them) is "did the latest hour, or the latest 24 hours, bring many more complaints than this
slice brings at this time of the week?" — and the answer must be both significant (not chance)
and material (enough extra complaints to be worth a person's attention).

Expected counts. A slice is usually too sparse to have a seasonal shape of its own, so its
expectation is its own robust level times the shape of all complaints:

    expected(hour) = level(slice) × factor(hour of week)

- `level` is the slice's complaints per hour over the baseline days before the window, after
  the busiest days are cut to the median + 3 × MAD of its days, so that an earlier spike does
  not raise the bar for the next one — or over the last RECENT_DAYS of them, when that is
  higher (a volume that grows week by week is the new normal); a small prior keeps a new or
  quiet slice from expecting zero.
- `factor` is the shape of the whole office's week, hour of day × day of week, from the same
  baseline days (each hour of day and each weekday's share of the total, smoothed), mean 1.

Significance. Counts of complaints are over-dispersed (days differ more than a Poisson
process would), which a negative binomial describes: a window expecting E complaints varies by
E + c·E², c the slice's own day-to-day excess variance, (var − mean) / mean² of its capped
daily counts (at least 0). The rise is scored as an Anscombe z, 2·(√(O+3/8) − √(E+1/8)) /
√(1 + c·E), which is close to normal for Poisson counts from about one expected complaint on;
an hour, expecting few, is judged nearly as Poisson, a day by its slice's real spread. A scan
tests a few hundred slices in two windows every hour — some 400,000 tests a month — so the
threshold is z ≥ 4.5 (a one-sided tail of 3.4 × 10⁻⁶: about one chance alarm a month, fewer as
the windows of consecutive hours overlap).

Materiality. The window must also hold at least MIN_EXTRA more complaints than expected and at
least MIN_RATIO times as many.

One wave, one alert. Flagged slices nest (a regional outage flags the region, its category
and the pair). A slice is dropped when a flagged ancestor explains it (the wave is broader),
or when one flagged child holds most of its excess (the wave is narrower: say where it is);
two slices that each hold most of what they share are the same wave seen two ways (by region
and by channel), of which the one that says more of where stays. A narrower slice inside a
broader rise keeps its own alert when it holds far more of the broader slice's complaints than
usual (`concentrated`): an outage in one city during a busy week is news of its own.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy

from tousu.complaints.choices import Channel, Status
from tousu.core.reasons import Reason, choice, in_language, reason, reason_kind
from tousu.customers.choices import SpecialType, value_tier_label
from tousu.intake import risk as intake_risk

HOURS_PER_WEEK = 168
# Baseline: the days before the window that say what is normal.
BASELINE_DAYS = 28
# Cut busy days at median + CAP_MADS × MAD of the slice's days.
CAP_MADS = 3.0
# Prior: half a complaint over half a day, so that a slice never seen expects a little.
PRIOR_COMPLAINTS = 0.5
PRIOR_DAYS = 0.5
# The latest days, whose level counts when it is higher: volumes that grow week by week are
# the new normal, not a spike.
RECENT_DAYS = 7
Z_THRESHOLD = 4.5
MIN_RATIO = 2.0
# Extra complaints a window must hold: an hour's and a day's.
MIN_EXTRA = {"hour": 6, "day": 12}
# A spike's terms come from at least its latest hours (an hour alone holds too few texts).
TERM_HOURS = 6
# A narrower slice "holds most" of its parent's excess at this share.
EXPLAINS = 0.7
# An ongoing alert has ended when the latest 24 hours fall back under this multiple of expected.
END_RATIO = 1.5

Slice = tuple[tuple[str, str], ...]  # (("category", "12"), ("region", "3")), sorted by name


@dataclass(frozen=True)
class Window:
    name: str  # "hour" or "day"
    observed: int
    expected: float
    z: float

    @property
    def excess(self) -> float:
        return self.observed - self.expected

    @property
    def material(self) -> bool:
        return self.excess >= MIN_EXTRA[self.name] and self.observed >= MIN_RATIO * max(
            self.expected, 1e-9
        )

    @property
    def flagged(self) -> bool:
        return self.z >= Z_THRESHOLD and self.material


@dataclass(frozen=True)
class Finding:
    slice: Slice
    windows: tuple[Window, ...]
    level: float  # expected complaints per hour at an average hour
    excess_variance: float  # c: a window expecting E varies by E + c·E²

    @property
    def flagged(self) -> bool:
        return any(w.flagged for w in self.windows)

    @property
    def day(self) -> Window:
        return next(w for w in self.windows if w.name == "day")

    @property
    def strongest(self) -> Window:
        flagged = [w for w in self.windows if w.flagged] or list(self.windows)
        return max(flagged, key=lambda w: w.z)

    @property
    def still_high(self) -> bool:
        """Whether the latest 24 hours are still well above normal: the wave goes on."""
        day = self.day
        return day.observed >= END_RATIO * max(day.expected, 1.0)


@dataclass
class Profile:
    """The office's week: factor[hour of week] with mean 1 (hour 0 = Monday 00:00 local)."""

    factors: list[float] = field(default_factory=lambda: [1.0] * HOURS_PER_WEEK)

    def factor(self, hour_of_week: int) -> float:
        return self.factors[hour_of_week % HOURS_PER_WEEK]


def capped(days: Sequence[int]) -> list[float]:
    """The daily counts with the busy days cut to median + CAP_MADS × MAD."""
    if not days:
        return []
    median = statistics.median(days)
    mad = statistics.median(abs(d - median) for d in days)
    cap = median + CAP_MADS * max(mad, 1.0)
    return [min(float(d), cap) for d in days]


def week_profile(totals: Mapping[int, int], hours_of_week: Mapping[int, int]) -> Profile:
    """The shape of the office's week from its hourly totals over the baseline.

    `totals` maps an hour number to the complaints of all slices that hour; `hours_of_week`
    maps the same hour numbers to their local hour of the week. The shape is the product of an
    hour-of-day share and a day-of-week share (each from 4+ weeks of data is stable; the full
    168-cell table is not), each capped like a slice's days, with one complaint of smoothing.
    """
    by_hour = [0.0] * 24
    by_weekday = [0.0] * 7
    for hour, count in totals.items():
        how = hours_of_week[hour]
        by_hour[how % 24] += count
        by_weekday[how // 24] += count
    by_hour = [c + 1.0 for c in capped([round(c) for c in by_hour])]
    by_weekday = [c + 1.0 for c in capped([round(c) for c in by_weekday])]
    hour_mean = sum(by_hour) / 24
    weekday_mean = sum(by_weekday) / 7
    factors = [
        (by_hour[how % 24] / hour_mean) * (by_weekday[how // 24] / weekday_mean)
        for how in range(HOURS_PER_WEEK)
    ]
    mean = sum(factors) / HOURS_PER_WEEK
    return Profile([f / mean for f in factors])


def slice_level(days: Sequence[int]) -> tuple[float, float]:
    """A slice's robust complaints per hour and its excess variance c (see the module's
    docstring), from its daily counts over the baseline (one entry per day, zeros included)."""
    cut = capped(days)
    recent = cut[-RECENT_DAYS:]
    per_day = max(
        (sum(cut) + PRIOR_COMPLAINTS) / (len(cut) + PRIOR_DAYS),
        (sum(recent) + PRIOR_COMPLAINTS) / (len(recent) + PRIOR_DAYS),
    )
    mean = statistics.fmean(cut) if cut else 0.0
    excess = 0.0
    if len(cut) >= 2 and mean > 0:
        excess = max(0.0, (statistics.pvariance(cut) - mean) / mean**2)
    return per_day / 24, excess


def anscombe_z(observed: int, expected: float, excess_variance: float = 0.0) -> float:
    """How far above expectation a count is, in (over-dispersed) Poisson standard units."""
    expected = max(expected, 0.0)
    rise = 2.0 * (math.sqrt(observed + 3 / 8) - math.sqrt(expected + 1 / 8))
    return rise / math.sqrt(1.0 + excess_variance * expected)


def assess(
    slice_: Slice,
    *,
    window_counts: Mapping[str, int],
    window_hours: Mapping[str, Sequence[int]],
    baseline_days: Sequence[int],
    profile: Profile,
) -> Finding:
    """The finding for one slice: for each window ("hour", "day"), the complaints observed, the
    complaints expected at those hours of the week (given as hours of week), and the z."""
    level, excess_variance = slice_level(baseline_days)
    windows = []
    for name in ("hour", "day"):
        expected = sum(level * profile.factor(how) for how in window_hours[name])
        observed = window_counts.get(name, 0)
        z = anscombe_z(observed, expected, excess_variance)
        windows.append(Window(name, observed, expected, z))
    return Finding(slice_, tuple(windows), level, excess_variance)


def is_ancestor(outer: Slice, inner: Slice) -> bool:
    """Whether `outer` is a broader slice containing `inner` (its terms are a proper subset)."""
    return len(outer) < len(inner) and set(outer) <= set(inner)


def _excess(f: Finding) -> float:
    """What a slice holds beyond normal over the latest 24 hours (which contain the hour)."""
    return max(f.day.excess, 0.0)


def concentrated(narrow: Finding, broad: Finding) -> bool:
    """Whether a narrower slice holds far more of the broader slice's complaints than it
    usually does: a wave of its own inside a broader rise (an outage in one city during a busy
    week), not its share of the broader wave. Tested like a spike, with the broader slice's
    observed count as the trials and the narrower slice's usual share as the probability."""
    name = narrow.strongest.name
    inner = next(w for w in narrow.windows if w.name == name)
    outer = next(w for w in broad.windows if w.name == name)
    if outer.expected <= 0:
        return False
    share = min(inner.expected / outer.expected, 1.0)
    expected = outer.observed * share
    return (
        anscombe_z(inner.observed, expected) >= Z_THRESHOLD
        and inner.observed - expected >= MIN_EXTRA[name]
    )


def same_wave(a: Finding, b: Finding, by_slice: Mapping[Slice, Finding]) -> bool:
    """Whether two slices show the same complaints: one holds the other and the narrower is
    not a wave of its own inside it, or each holds most of the excess of the slice they share
    (a category's outage seen by region and by channel)."""
    if a.slice == b.slice:
        return True
    if is_ancestor(a.slice, b.slice):
        return not concentrated(b, a)
    if is_ancestor(b.slice, a.slice):
        return not concentrated(a, b)
    shared = by_slice.get(tuple(sorted(set(a.slice) & set(b.slice))))
    if shared is None or _excess(shared) <= 0:
        return False
    return min(_excess(a), _excess(b)) >= EXPLAINS * _excess(shared)


def _telling(f: Finding) -> tuple[int, int, float]:
    """The order in which views of one wave are kept: broader first (a narrower slice inside
    it must then be a wave of its own to stay), and a channel last (it says least of where a
    problem is)."""
    return (len(f.slice), sum(1 for d, _v in f.slice if d == "channel"), -f.strongest.z)


def one_per_wave(findings: Sequence[Finding]) -> list[Finding]:
    """The flagged findings that say the most, one per wave: a slice whose excess one flagged
    narrower slice mostly holds goes (the child says where); then, broadest first, a slice
    that shows the same complaints as one already kept goes (`same_wave`: part of a broader
    wave, or the same wave by another dimension)."""
    flagged = [f for f in findings if f.flagged]
    by_slice = {f.slice: f for f in findings}
    kept = [
        f
        for f in flagged
        if not any(
            is_ancestor(f.slice, c.slice) and _excess(c) >= EXPLAINS * _excess(f) for c in flagged
        )
    ]
    final: list[Finding] = []
    for f in sorted(kept, key=_telling):
        if not any(same_wave(f, g, by_slice) for g in final):
            final.append(f)
    return sorted(final, key=lambda f: -f.strongest.z)


# ---- terms: what the complaints of a spike talk about ------------------------------------------


def stem(word: str) -> str:
    """English words of one root together (price, prices, pricing → pric), so that a spike's
    cause is not split over its spellings; Chinese words are their own stem."""
    if not word.isascii():
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


TERM_MIN_DOCS = 3
TERMS_SHOWN = 8


def rising_words(
    spike_docs: Sequence[set[str]], baseline_docs: Sequence[set[str]]
) -> list[tuple[str, int, float]]:
    """The words the spike's complaints use far more than the slice's usual complaints, ranked
    by the z-score of the log-odds ratio of their document shares (half a document of smoothing
    in each cell): a word must be both much more common and common enough for the difference
    not to be chance, so neither a word every complaint uses nor a one-off outranks the cause.
    Words of one stem count together (`stem`) and are shown in their commonest spelling in
    the spike. Returns (word, spike documents, z), best first."""
    if not spike_docs:
        return []
    spike: dict[str, int] = {}
    spellings: dict[str, dict[str, int]] = {}
    for words in spike_docs:
        for s in {stem(w) for w in words}:
            spike[s] = spike.get(s, 0) + 1
        for w in words:
            forms = spellings.setdefault(stem(w), {})
            forms[w] = forms.get(w, 0) + 1
    base: dict[str, int] = {}
    for words in baseline_docs:
        for s in {stem(w) for w in words}:
            base[s] = base.get(s, 0) + 1
    n1, n0 = len(spike_docs), len(baseline_docs)
    a = 0.5
    scored = []
    for word, k in spike.items():
        if k < TERM_MIN_DOCS:
            continue
        b = base.get(word, 0)
        log_odds = math.log((k + a) / (n1 - k + a)) - math.log((b + a) / (n0 - b + a))
        se = math.sqrt(1 / (k + a) + 1 / (n1 - k + a) + 1 / (b + a) + 1 / (n0 - b + a))
        if log_odds > 0:
            spelling = max(spellings[word].items(), key=lambda f: (f[1], -len(f[0])))[0]
            scored.append((spelling, k, log_odds / se))
    scored.sort(key=lambda t: (-t[2], t[0]))
    kept: list[tuple[str, int, float]] = []
    for term in scored:
        # 尽快恢复 and 恢复 are one word cut two ways (jieba's search mode): show it once.
        if not any(term[0] in other[0] or other[0] in term[0] for other in kept):
            kept.append(term)
    return kept[:TERMS_SHOWN]


# ---- the notice of an alert, in the reader's language (tousu.core.reasons) ----------------------

reason_kind(
    "notice.alert",
    gettext_lazy("Complaint spike: %(slice)s, %(observed)s against %(expected)s usual"),
    slice=in_language,
)


# ---- customer-level risk (R10.2, issue 15 item 3) ------------------------------------------------
# The chance that a customer takes their matter above us — to the regulator (工信部, 通管局,
# 12300), the consumer association (12315) or the media — judged from their whole history, not
# one complaint. Combined like the complaint's risk (tousu.intake.risk): a noisy OR, where each
# signal with weight w leaves a chance (1 − w) that the customer does not escalate, so the
# score stays in 0..1, never falls when a signal is added and is led by the strongest one. The
# weights that also weigh one complaint are the same numbers, imported, so that a dissatisfied
# callback counts the same on a complaint and on its customer.

# Complaints in the last RECENT_DAYS beyond the first: a customer who keeps calling is not
# being helped (0.12 each, the 4th complaint in 90 days counts the maximum 0.36).
RECENT_DAYS = 90
RECENT_WEIGHT_PER_COMPLAINT = 0.12
RECENT_WEIGHT_MAX = 0.36
# Older complaints of the last YEAR_DAYS (before RECENT_DAYS): a long, thinner history counts
# a little (0.05 each, at most 0.15).
YEAR_DAYS = 365
YEAR_WEIGHT_PER_COMPLAINT = 0.05
YEAR_WEIGHT_MAX = 0.15
# Difficult customers (S1) other than the professional complainant escalate more readily when
# handled badly; the professional complainant does so by method (intake's weight).
DIFFICULT_TYPES = (SpecialType.IRRITABLE, SpecialType.DOMINEERING, SpecialType.ARGUMENTATIVE)
DIFFICULT_WEIGHT = 0.1
# A high-value customer expects more and is heard when they go above us; alone it makes nobody
# a risk, so it counts little.
HIGH_VALUE_WEIGHT = 0.1


@dataclass(frozen=True)
class CustomerFacts:
    """What a customer's history says about their escalation risk, as the selector gathers it
    (`selectors.customer_facts`): counts over the last YEAR_DAYS, the channels above us they
    used, and what they said (complaint texts, staff notes, callback comments)."""

    complaints_90d: int = 0
    complaints_365d: int = 0
    repeats: int = 0  # their complaints marked as a repeat of an earlier one
    reopened: int = 0  # reopenings of their complaints
    dissatisfied_callbacks: int = 0
    outside_channels: tuple[str, ...] = ()  # channels of earlier complaints (regulator, media …)
    said: tuple[str, ...] = ()
    open_overdue: int = 0  # their open complaints past the reply limit now
    special_type: str = ""
    value_tier: str = ""


def high_value(tier: str) -> bool:
    return bool(tier) and tier in settings.TOUSU_HIGH_VALUE_TIERS


def value_rank(tier: str) -> int:
    """The tier's rank for ordering, the best highest (settings.TOUSU_VALUE_TIERS is best
    first); 0 for a tier not listed or none."""
    tiers = list(settings.TOUSU_VALUE_TIERS)
    return len(tiers) - tiers.index(tier) if tier in tiers else 0


def customer_risk(
    facts: CustomerFacts, *, markers: Sequence[tuple[str, float, str]] | None = None
) -> intake_risk.Risk:
    """The customer's escalation risk 0..1 with its reasons, strongest first; the escalation
    words are `markers` (the admins' vocabulary, intake.selectors.risk_markers), the built-in
    one when not given (a pure rule reads no table)."""
    signals: list[tuple[float, Reason | str]] = []
    outside = [c for c in facts.outside_channels if c in intake_risk.CHANNEL_WEIGHTS]
    if outside:
        # The strongest channel they used: whoever went there once knows the way.
        channel = max(outside, key=lambda c: intake_risk.CHANNEL_WEIGHTS[c][0])
        weight = intake_risk.CHANNEL_WEIGHTS[channel][0]
        signals.append((weight, reason("customer_risk.outside", channel=channel)))
    if markers is None:
        markers = [(term, weight, why) for term, weight, why, _k in intake_risk.DEFAULT_RISK_TERMS]
    signals += intake_risk.markers_found("\n".join(facts.said), markers)
    if facts.complaints_90d > 1:
        weight = min(RECENT_WEIGHT_MAX, RECENT_WEIGHT_PER_COMPLAINT * (facts.complaints_90d - 1))
        why = reason("customer_risk.recent", n=facts.complaints_90d, days=RECENT_DAYS)
        signals.append((weight, why))
    older = facts.complaints_365d - facts.complaints_90d
    if older > 0 and facts.complaints_365d > 1:
        weight = min(YEAR_WEIGHT_MAX, YEAR_WEIGHT_PER_COMPLAINT * older)
        why = reason("customer_risk.year", n=facts.complaints_365d, days=YEAR_DAYS)
        signals.append((weight, why))
    if facts.repeats:
        why = reason("customer_risk.repeats", n=facts.repeats)
        signals.append((intake_risk.REPEAT_WEIGHT, why))
    if facts.reopened:
        why = reason("customer_risk.reopened", n=facts.reopened)
        signals.append((intake_risk.REOPENED_WEIGHT, why))
    if facts.dissatisfied_callbacks:
        why = reason("customer_risk.dissatisfied", n=facts.dissatisfied_callbacks)
        signals.append((intake_risk.DISSATISFIED_WEIGHT, why))
    if facts.open_overdue:
        why = reason("customer_risk.overdue", n=facts.open_overdue)
        signals.append((intake_risk.OVERDUE_WEIGHT, why))
    if facts.special_type == SpecialType.PROFESSIONAL:
        signals.append((intake_risk.PROFESSIONAL_WEIGHT, reason("risk.professional")))
    elif facts.special_type in DIFFICULT_TYPES:
        why = reason("customer_risk.difficult", type=facts.special_type)
        signals.append((DIFFICULT_WEIGHT, why))
    if high_value(facts.value_tier):
        signals.append(
            (HIGH_VALUE_WEIGHT, reason("customer_risk.high_value", tier=facts.value_tier))
        )
    remaining = 1.0
    for weight, _why in signals:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    reasons: list[Reason | str] = []
    for _weight, said in sorted(signals, key=lambda s: -s[0]):
        if said and said not in reasons:
            reasons.append(said)
    return intake_risk.Risk(score=round(1.0 - remaining, intake_risk.SCORE_DIGITS), reasons=reasons)


def care_reasons(
    facts: CustomerFacts, risk: intake_risk.Risk, *, risk_min: float
) -> list[Reason | str] | None:
    """Why an affected customer who has not complained about a fault is worth a proactive call
    — earlier complaints, high value, or a customer risk of at least `risk_min` — then the risk's
    reasons; None when none of the three holds (the list is for those, not every subscriber)."""
    why: list[Reason | str] = []
    if facts.complaints_365d:
        why.append(reason("care.earlier", n=facts.complaints_365d, days=YEAR_DAYS))
    if not why and risk.score < risk_min and not high_value(facts.value_tier):
        return None
    return why + [r for r in risk.reasons if r not in why]


reason_kind(
    "customer_risk.outside",
    gettext_lazy("Complained through %(channel)s before"),
    channel=choice(Channel),
)
reason_kind("customer_risk.recent", gettext_lazy("%(n)s complaints in %(days)s days"))
reason_kind("customer_risk.year", gettext_lazy("%(n)s complaints in %(days)s days"))
reason_kind("customer_risk.repeats", gettext_lazy("Repeat complaints (%(n)s)"))
reason_kind("customer_risk.reopened", gettext_lazy("Complaints reopened (%(n)s)"))
reason_kind("customer_risk.dissatisfied", gettext_lazy("Dissatisfied at callbacks (%(n)s)"))
reason_kind("customer_risk.overdue", gettext_lazy("Open complaints past their limit (%(n)s)"))
reason_kind(
    "customer_risk.difficult",
    gettext_lazy("Special customer: %(type)s"),
    type=choice(SpecialType),
)
reason_kind(
    "customer_risk.high_value",
    gettext_lazy("High-value customer (%(tier)s)"),
    tier=value_tier_label,
)
reason_kind("care.earlier", gettext_lazy("%(n)s earlier complaints in %(days)s days"))


# ---- incidents (R10.4): which new complaint looks like an incident's ---------------------------


def incident_terms_matched(
    slice_: Iterable[Iterable[str]], terms: Iterable[str], values: dict[str, str], text: str
) -> list[str]:
    """The incident's terms that a complaint with these slice `values` ({"category": id,
    "region": id, "channel": code, "product": plan name}) and this text uses — empty when it is
    outside the slice, or uses none of them (an incident without terms proposes nothing: its
    slice alone would take in every complaint of a city)."""
    for dimension, value in slice_:
        if values.get(str(dimension), "") != str(value):
            return []
    return [t for t in terms if t and t in text]


def incident_terms_clean(raw: str | Iterable[str]) -> list[str]:
    """Terms as typed (separated by spaces, commas or 、) or given as a list: trimmed, in order,
    each once, at most INCIDENT_TERMS."""
    items = re.split(r"[\s,，、;；]+", raw) if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        term = str(item).strip()
        if term and term not in out:
            out.append(term[:INCIDENT_TERM_CHARS])
    return out[:INCIDENT_TERMS]


INCIDENT_TERMS = 12
INCIDENT_TERM_CHARS = 20

# Why an incident action passed a child by (stored as codes, shown in the reader's language).
reason_kind(
    "incident.skip.status",
    gettext_lazy("Not possible while the complaint is «%(status)s»"),
    status=choice(Status),
)
reason_kind(
    "incident.skip.not_allowed",
    gettext_lazy("Your role or data scope does not allow it on this complaint"),
)
reason_kind("incident.skip.refused", gettext_lazy("Refused: %(why)s"))

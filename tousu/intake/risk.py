"""Pure rules of the automatic assessment at intake: the customer's emotion and the risk that a
complaint escalates beyond us (R2.4, R2.6).

Both are lexicon rules, not a model: deterministic, fast, and explainable — every point of the
score comes with the reason shown to staff ("提到媒体曝光; 30天内第3次投诉").

The risk score combines independent signals as a "noisy OR": each signal i with weight w_i
(0..1) leaves a chance (1 - w_i) that the complaint does *not* escalate, so

    score = 1 - Π (1 - w_i)

which stays in [0, 1], never falls when a signal is added, and is dominated by the strongest one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy, gettext_noop

from tousu.complaints.choices import Channel
from tousu.core.reasons import Reason, reason, reason_kind, reason_parse

# ---- emotion -----------------------------------------------------------------------------------

ANGER_CUES: tuple[str, ...] = (
    "气死",
    "太过分",
    "忍无可忍",
    "骗子",
    "垃圾",
    "欺诈",
    "坑人",
    "无耻",
    "最后一次",
    "受够了",
    "恶心",
    "流氓",
    "!!",
    "！！",
)
URGENCY_CUES: tuple[str, ...] = (
    "马上",
    "立刻",
    "立即",
    "尽快",
    "急",
    "今天必须",
    "等不了",
    "耽误工作",
    "赶紧",
)
# Each distinct cue adds this much; three cues are full anger (urgency).
ANGER_PER_CUE = 0.35
URGENCY_PER_CUE = 0.35

# ---- risk weights ------------------------------------------------------------------------------

# Complaints that arrive through an outside authority are already on their way up.
CHANNEL_WEIGHTS: dict[str, tuple[float, str]] = {
    Channel.REGULATOR: (0.5, "risk.regulator"),
    Channel.MEDIA: (0.5, "risk.media"),
    Channel.CONSUMER_ASSOCIATION: (0.35, "risk.consumer_association"),
}
# Full anger (1.0) counts this much; less anger proportionally.
ANGER_WEIGHT = 0.4
# Anger below this is not named among the reasons (one mild word is not "agitated").
ANGER_REASON_MIN = 0.35
# Earlier complaints of the same customer within PRIOR_WINDOW_DAYS: each one adds this much, up
# to PRIOR_WEIGHT_MAX (the 3rd complaint in the window counts 0.3).
PRIOR_WINDOW_DAYS = 30
PRIOR_WEIGHT_PER_COMPLAINT = 0.15
PRIOR_WEIGHT_MAX = 0.45
# A repeat of an unsolved issue (R2.5).
REPEAT_WEIGHT = 0.2
# A professional complainant (职业投诉人, R2.6) escalates as a matter of method.
PROFESSIONAL_WEIGHT = 0.3
SCORE_DIGITS = 2


@dataclass(frozen=True)
class Emotion:
    anger: float
    urgency: float
    cues: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Risk:
    score: float
    # Each a stored reason (tousu.core.reasons); a configured marker nobody declared stays
    # the text the deployment wrote for it.
    reasons: list[Reason | str] = field(default_factory=list)


def _found(text: str, cues: Iterable[str]) -> list[str]:
    """The cues present in `text`, longest first; a cue inside a longer one found at the same
    place is not counted twice ("315" within "12315")."""
    rest, found = text, []
    for cue in sorted(cues, key=lambda c: (-len(c), c)):
        if cue and cue in rest:
            found.append(cue)
            rest = rest.replace(cue, "\0")
    return found


def markers_found(
    text: str, markers: Sequence[tuple[str, float, str]] | None = None
) -> list[tuple[float, Reason | str]]:
    """The escalation markers present in `text` (default: settings.TOUSU_RISK_MARKERS), each as
    (weight, reason); for the complaint's risk here and the customer's in early warning."""
    table = settings.TOUSU_RISK_MARKERS if markers is None else markers
    weights = {word: (weight, reason_parse(text)) for word, weight, text in table}
    return [weights[word] for word in _found(text, weights)]


def emotion(text: str) -> Emotion:
    """Anger and urgency (0..1) from the Chinese cue words present in the text."""
    anger_cues = _found(text, ANGER_CUES)
    urgency_cues = _found(text, URGENCY_CUES)
    return Emotion(
        anger=round(min(1.0, ANGER_PER_CUE * len(anger_cues)), SCORE_DIGITS),
        urgency=round(min(1.0, URGENCY_PER_CUE * len(urgency_cues)), SCORE_DIGITS),
        cues=anger_cues + urgency_cues,
    )


def risk(
    text: str,
    channel: str,
    prior_count_30d: int,
    repeat: bool,
    *,
    professional: bool = False,
    markers: Sequence[tuple[str, float, str]] | None = None,
) -> Risk:
    """The escalation risk of a complaint, 0..1, with its reasons in the order of their weight.

    `prior_count_30d` counts the customer's *earlier* complaints in the last PRIOR_WINDOW_DAYS
    (this one not included); `markers` defaults to settings.TOUSU_RISK_MARKERS.
    """
    signals = markers_found(text, markers)
    if channel in CHANNEL_WEIGHTS:
        weight, code = CHANNEL_WEIGHTS[channel]
        signals.append((weight, reason(code)))
    anger = emotion(text).anger
    if anger > 0:
        agitated = reason("risk.agitated") if anger >= ANGER_REASON_MIN else ""
        signals.append((ANGER_WEIGHT * anger, agitated))
    if prior_count_30d > 0:
        weight = min(PRIOR_WEIGHT_MAX, PRIOR_WEIGHT_PER_COMPLAINT * prior_count_30d)
        prior = reason("risk.prior", n=prior_count_30d + 1, days=PRIOR_WINDOW_DAYS)
        signals.append((weight, prior))
    if repeat:
        signals.append((REPEAT_WEIGHT, reason("risk.repeat")))
    if professional:
        signals.append((PROFESSIONAL_WEIGHT, reason("risk.professional")))
    remaining = 1.0
    for weight, _reason in signals:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    reasons: list[Reason | str] = []
    for _weight, why in sorted(signals, key=lambda s: -s[0]):
        if why and why not in reasons:
            reasons.append(why)
    return Risk(score=round(1.0 - remaining, SCORE_DIGITS), reasons=reasons)


# ---- the reasons, in the reader's language (tousu.core.reasons) --------------------------------
# Rows written before codes hold the Chinese text; `legacy` reads it back.

# Keyed by the reason text of the default markers (settings.TOUSU_RISK_MARKERS): a marker's
# reason is stored as its code; the code, not the order here, is what rows keep.
MARKER_REASONS = {
    "提到向工信部申诉": ("miit", gettext_noop("Mentions an appeal to the MIIT")),
    "提到向通管局申诉": (
        "administration",
        gettext_noop("Mentions an appeal to the communications administration"),
    ),
    "提到12300申诉热线": ("12300", gettext_noop("Mentions the 12300 appeal hotline")),
    "提到315投诉": ("315", gettext_noop("Mentions a 315 complaint")),
    "提到12315": ("12315", gettext_noop("Mentions 12315")),
    "提到媒体曝光": ("media", gettext_noop("Threatens to go to the media")),
    "提到找记者": ("journalist", gettext_noop("Threatens to call a journalist")),
    "提到在微博发布": ("weibo", gettext_noop("Threatens to post on Weibo")),
    "提到在抖音发布": ("douyin", gettext_noop("Threatens to post on Douyin")),
    "提到律师": ("lawyer", gettext_noop("Mentions a lawyer")),
    "提到起诉": ("sue", gettext_noop("Threatens to sue")),
    "提到法院": ("court", gettext_noop("Mentions a court")),
    "提到报警": ("police", gettext_noop("Threatens to call the police")),
    "表示要投诉到底": ("all_the_way", gettext_noop("Says they will complain all the way")),
    "提到消协": ("consumer_association", gettext_noop("Mentions the consumer association")),
}
for _text, (_slug, _msgid) in MARKER_REASONS.items():
    reason_kind(f"risk.marker.{_slug}", _msgid, legacy=re.escape(_text))
reason_kind("risk.regulator", gettext_lazy("Forwarded by the regulator"), legacy="由监管部门转来")
reason_kind("risk.media", gettext_lazy("Forwarded by the media"), legacy="由媒体转来")
reason_kind(
    "risk.consumer_association",
    gettext_lazy("Forwarded by the consumer association / 12315"),
    legacy="由消协/12315转来",
)
reason_kind("risk.agitated", gettext_lazy("The customer is agitated"), legacy="客户情绪激动")
reason_kind(
    "risk.prior",
    gettext_lazy("Complaint no. %(n)s within %(days)s days"),
    legacy=r"(?P<days>\d+)天内第(?P<n>\d+)次投诉",
)
reason_kind("risk.repeat", gettext_lazy("Repeat complaint"), legacy="重复投诉")
reason_kind("risk.professional", gettext_lazy("Professional complainant"), legacy="职业投诉人")


# ---- risk over the complaint's life (R10.2, issue 15) -----------------------------------------

# What happened since registration, each a further chance that the complaint escalates.
OVERDUE_WEIGHT = 0.25
TRANSFERS_FROM = 2  # one transfer is routine; a complaint passed around twice is not
TRANSFER_WEIGHT = 0.15
REOPENED_WEIGHT = 0.3
DISSATISFIED_WEIGHT = 0.3
REPEATED_BY_WEIGHT = 0.25


@dataclass(frozen=True)
class Life:
    """What has happened to a complaint since registration that changes its risk."""

    overdue: bool = False
    transfers: int = 0
    reopened: int = 0
    dissatisfied_callbacks: int = 0
    repeated_by: int = 0  # later complaints of the customer about the same problem
    notes: tuple[str, ...] = ()  # the staff's notes of what the customer said since


def risk_over_life(
    base_score: float,
    base_reasons: Sequence[Reason | str],
    life: Life,
    *,
    markers: Sequence[tuple[str, float, str]] | None = None,
) -> Risk:
    """The registration's risk (score and reasons, from the `registered` event) with what the
    complaint's life added, combined by the same noisy OR; the reasons strongest first, the
    registration's before new ones of the same weight."""
    signals: list[tuple[float, Reason | str]] = []
    if life.overdue:
        signals.append((OVERDUE_WEIGHT, reason("risk.overdue")))
    if life.transfers >= TRANSFERS_FROM:
        signals.append((TRANSFER_WEIGHT, reason("risk.transferred", n=life.transfers)))
    if life.reopened:
        signals.append((REOPENED_WEIGHT, reason("risk.reopened", n=life.reopened)))
    if life.dissatisfied_callbacks:
        signals.append((DISSATISFIED_WEIGHT, reason("risk.dissatisfied_callback")))
    if life.repeated_by:
        signals.append((REPEATED_BY_WEIGHT, reason("risk.repeated_by", n=life.repeated_by)))
    said = "\n".join(life.notes)
    signals += markers_found(said, markers)
    anger = emotion(said).anger
    if anger >= ANGER_REASON_MIN:
        signals.append((ANGER_WEIGHT * anger, reason("risk.agitated_since")))
    remaining = 1.0 - max(0.0, min(1.0, base_score))
    for weight, _why in signals:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    reasons: list[Reason | str] = list(base_reasons)
    for _weight, why in sorted(signals, key=lambda s: -s[0]):
        if why and why not in reasons:
            reasons.append(why)
    return Risk(score=round(1.0 - remaining, SCORE_DIGITS), reasons=reasons)


reason_kind("risk.overdue", gettext_lazy("Past its time limit"))
reason_kind("risk.transferred", gettext_lazy("Transferred %(n)s times"))
reason_kind("risk.reopened", gettext_lazy("Reopened %(n)s times"))
reason_kind("risk.dissatisfied_callback", gettext_lazy("Dissatisfied at the callback"))
reason_kind("risk.repeated_by", gettext_lazy("The customer complained again (%(n)s)"))
reason_kind("risk.agitated_since", gettext_lazy("The customer has grown agitated since"))

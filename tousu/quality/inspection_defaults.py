"""The default scoring sheet and sampling plan of quality inspection (S4 质量监控; the items the
brief names): loaded by `tousu init`, then configured in the admin."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

DEFAULT_SHEET_CODE = "default"
DEFAULT_SHEET_NAME = "投诉处理质检评分表"


@dataclass(frozen=True)
class DefaultItem:
    code: str
    title: str
    title_en: str
    weight: int
    fatal: bool
    guidance: str


# Weights add up to 100. The fatal items are those S1 and S3 treat as failures of handling
# whatever else went well: a rude or evasive handler, an outcome against the standard.
DEFAULT_ITEMS: tuple[DefaultItem, ...] = (
    DefaultItem("timeliness", "及时性", "Timeliness", 20, False, "首次响应、答复和结案均在时限内"),
    DefaultItem(
        "attitude", "服务态度", "Attitude", 20, True, "耐心倾听、主动致歉；辱骂、推诿客户为致命项"
    ),
    DefaultItem(
        "explanation", "解释清晰", "Explanation", 20, False, "原因讲清楚，客户听得懂、无歧义"
    ),
    DefaultItem(
        "standard", "执行标准", "Standard applied", 20, True, "按处理标准条款补偿；违反标准为致命项"
    ),
    DefaultItem("records", "记录完整", "Records complete", 10, False, "调查、证据、答复记录齐全"),
    DefaultItem("wording", "规范用语", "Wording", 10, False, "使用统一口径和规范用语"),
)
# Every item is scored 0–5.
DEFAULT_MAX_POINTS = 5

DEFAULT_PLAN_NAME = "每周抽检：每人5%，最少2件，重点投诉全检"
DEFAULT_PLAN_SHARE = Decimal("0.050")
DEFAULT_PLAN_MINIMUM = 2

# The complaint-handling objectives (S0 投诉管理目标; the targets the quarterly report's
# suggestions already use): KPI, direction, target rate.
DEFAULT_OBJECTIVES: tuple[tuple[str, str, Decimal], ...] = (
    ("on_time_rate", "at_least", Decimal("0.900")),
    ("first_response_on_time_rate", "at_least", Decimal("0.950")),
    ("satisfaction_rate", "at_least", Decimal("0.850")),
    ("first_contact_resolution_rate", "at_least", Decimal("0.700")),
    ("repeat_rate", "at_most", Decimal("0.050")),
    ("escalation_rate", "at_most", Decimal("0.050")),
)

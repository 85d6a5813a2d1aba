"""The default playbooks (S2's repair measures by type), loaded by `tousu init` and the data
migration; the admin edits them after. Plain tuples, shared by the loader, demo and tests."""

from __future__ import annotations

from typing import NamedTuple

from tousu.repair.choices import RepairType


class StepRow(NamedTuple):
    code: str
    title: str
    title_en: str
    due_days: int
    department: str = ""  # blank: the playbook's department


class PlaybookRow(NamedTuple):
    type: str
    department: str
    due_days: int
    steps: tuple[StepRow, ...]


FOLLOW_UP = StepRow(
    "follow_up", "修复回访，确认客户满意度", "Follow-up call: confirm satisfaction", 10
)

PLAYBOOKS: tuple[PlaybookRow, ...] = (
    PlaybookRow(
        RepairType.COMPLAINT,
        "customer_service",
        15,
        (
            StepRow("apology", "致歉回访，了解不满原因", "Call to apologise and hear why", 1),
            StepRow("redo", "针对未解决的问题重新处理", "Put right what was not solved", 5),
            FOLLOW_UP,
        ),
    ),
    # A customer who disputes a charge or a tariff is repaired by the bill being explained and
    # checked, and what was charged wrongly refunded (or a goodwill credit): never a sale — a
    # package offered to someone angry about a charge reads as the operator profiting again.
    PlaybookRow(
        RepairType.TARIFF,
        "billing",
        15,
        (
            StepRow("contact", "联系客户，了解资费诉求", "Call to hear the tariff concern", 1),
            StepRow(
                "bill_check",
                "核查账单与计费，逐项解释费用",
                "Check the bill; explain each charge",
                2,
            ),
            StepRow(
                "refund",
                "错收多收的费用退还，或给予补偿",
                "Refund what was charged wrongly, or a goodwill credit",
                4,
            ),
            FOLLOW_UP,
        ),
    ),
    PlaybookRow(
        RepairType.NETWORK,
        "network",
        20,
        (
            StepRow("contact", "联系客户，确认问题地点与时段", "Call to locate the problem", 1),
            StepRow("network_fix", "网络问题排查与修复", "Find and fix the network fault", 7),
            StepRow("network_test", "修复后跟踪测试", "Follow-up test after the fix", 10),
            StepRow("follow_up", FOLLOW_UP.title, FOLLOW_UP.title_en, 14),
        ),
    ),
    PlaybookRow(
        RepairType.PUBLICITY,
        "marketing",
        15,
        (
            StepRow("explain", "按统一口径解释活动规则", "Explain in the approved wording", 1),
            StepRow("honour", "核实宣传承诺，兑现或补救", "Check the promise; honour or remedy", 5),
            FOLLOW_UP,
        ),
    ),
    PlaybookRow(
        RepairType.DATA_USAGE,
        "billing",
        15,
        (
            StepRow(
                "usage_explain", "解释流量使用与计费明细", "Explain the data usage and charges", 1
            ),
            StepRow(
                "usage_check",
                "核查流量计费，错收的退还",
                "Check the data charges; refund what was wrong",
                3,
            ),
            StepRow(
                "usage_alert",
                "开通流量提醒，避免再次超额",
                "Set data alerts so it does not recur",
                3,
            ),
            FOLLOW_UP,
        ),
    ),
)

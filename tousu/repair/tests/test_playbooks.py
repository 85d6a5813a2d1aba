"""A repair plan fits the customer's dissatisfaction (S2): a customer angry about a charge gets
the bill explained and checked and what was wrong refunded (or a goodwill credit), never a sale;
databases loaded with the old default steps are brought to the new ones."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from tousu.core import clock
from tousu.repair import services
from tousu.repair.models import Playbook, PlaybookStep
from tousu.repair.reference import PLAYBOOKS

# What selling reads like in a step's title (the old defaults: 推荐合适套餐, 推荐合适流量包).
SALE_WORDS = ("推荐", "流量包", "升级", "offer", "upgrade", "data pack")


def sells(title: str) -> bool:
    return any(word in title.lower() for word in SALE_WORDS)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        # The demo's unexplained charges, one with data words (typed data usage), one without.
        (
            "我这张卡一直放在备用机里基本不用，结果这个月扣了30元，说我用了流量，我根本没开数据，"
            "这个扣费我不认。",
            "data_usage",
        ),
        (
            "手机余额突然少了30元，我什么都没办也没用，查详单有一项叫其他费用，根本不知道是什么。",
            "tariff",
        ),
    ],
)
def test_a_charge_dispute_is_explained_checked_and_refunded_not_sold_to(
    complaint_in: Any, content: str, kind: str
) -> None:
    complaint = complaint_in("closed", category="billing.unexplained_charge", content=content)
    finding = services.finding_of_complaint(complaint, "reopened", clock.now())
    case = services.repair_case_find(finding=finding)
    assert case is not None
    assert case.type == kind
    titles = [a.title for a in case.actions.all()] + [a.title_en for a in case.actions.all()]
    assert not [t for t in titles if sells(t)]
    assert any("核查" in t for t in titles)  # the charges are checked
    assert any("退" in t for t in titles)  # and what was wrong refunded


def test_no_default_playbook_of_a_billing_type_sells() -> None:
    for row in PLAYBOOKS:
        if row.type in ("tariff", "data_usage"):
            assert not [s for s in row.steps if sells(s.title) or sells(s.title_en)], row.type


def test_the_old_default_steps_are_replaced_where_unedited(reference: None) -> None:
    """A database loaded before: the tariff playbook's offer retired, the data pack dropped
    from the data alerts step; the new steps in their place in the plan."""
    from tousu.accounts.models import Department

    billing = Department.objects.get(code="billing")
    Playbook.objects.filter(type__in=["tariff", "data_usage"]).delete()
    old = {
        "tariff": [
            ("contact", "联系客户，了解资费诉求"),
            ("tariff_fit", "资费适配评估，推荐合适套餐"),
            ("follow_up", "修复回访，确认客户满意度"),
        ],
        "data_usage": [
            ("usage_explain", "解释流量使用与计费明细"),
            ("usage_alert", "开通流量提醒，推荐合适流量包"),
            ("follow_up", "修复回访，确认客户满意度"),
        ],
    }
    for kind, steps in old.items():
        book = Playbook.objects.create(type=kind, department=billing, due_days=15)
        for sort, (code, title) in enumerate(steps):
            PlaybookStep.objects.create(playbook=book, code=code, title=title, sort=sort)
    migration = importlib.import_module("tousu.repair.migrations.0003_playbooks_without_sales")
    migration.update(django_apps, None)
    migration.update(django_apps, None)  # run again: nothing more changes

    def plan(kind: str) -> list[tuple[str, str]]:
        active = PlaybookStep.objects.filter(playbook__type=kind, active=True)
        return list(active.order_by("sort", "pk").values_list("code", "title"))

    assert [code for code, _ in plan("tariff")] == ["contact", "bill_check", "refund", "follow_up"]
    assert [code for code, _ in plan("data_usage")] == [
        "usage_explain",
        "usage_check",
        "usage_alert",
        "follow_up",
    ]
    assert not [t for kind in old for _, t in plan(kind) if sells(t)]
    # A new case follows the updated playbook.
    assert [s.code for s in Playbook.objects.get(type="tariff").steps.filter(active=True)] == [
        "contact",
        "bill_check",
        "refund",
        "follow_up",
    ]

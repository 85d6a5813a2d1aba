"""The routing table in the database (R3.1): the rule that matched is on the complaint."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from tousu.accounts.models import Department, Region
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.core.reasons import reason_text
from tousu.routing.models import RoutingRule
from tousu.routing.selectors import department_for

Register = Callable[..., Complaint]


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def cat(code: str) -> Category:
    return Category.objects.select_related("parent").get(code=code)


@pytest.fixture
def rules(reference: None) -> dict[str, RoutingRule]:
    """A few rules on top of the reference table (category-only rules for every category,
    regulator and media → complaint office)."""
    return {
        "suzhou": RoutingRule.objects.create(
            category=cat("billing"),
            region=Region.objects.get(code="suzhou"),
            department=dept("customer_service"),
        ),
        "major-network": RoutingRule.objects.create(
            category=cat("network"), level="major", department=dept("legal")
        ),
        "low": RoutingRule.objects.create(
            category=cat("security.privacy"), department=dept("legal")
        ),
        "off": RoutingRule.objects.create(
            category=cat("billing.roaming"), priority=99, department=dept("legal"), active=False
        ),
    }


@pytest.mark.parametrize(
    ("category", "region", "channel", "level", "department"),
    [
        ("billing.roaming", "", "hotline", "ordinary", "billing"),  # leaf rule; inactive skipped
        ("network.broadband_outage", "", "hotline", "ordinary", "broadband"),  # leaf over parent
        ("network.coverage", "", "hotline", "ordinary", "network"),
        ("billing.roaming", "suzhou", "hotline", "ordinary", "customer_service"),  # region
        ("billing.roaming", "nanjing", "hotline", "ordinary", "billing"),
        ("billing.roaming", "", "regulator", "over_level", "complaint_office"),  # channel
        ("network.coverage", "", "media", "important", "complaint_office"),
        ("network.coverage", "", "app", "major", "legal"),  # level
        ("security.privacy", "", "app", "ordinary", "security"),  # reference rule (first)
        ("", "", "web", "ordinary", "complaint_office"),  # nothing matches: the default
    ],
)
def test_the_routing_table(
    rules: dict[str, RoutingRule],
    category: str,
    region: str,
    channel: str,
    level: str,
    department: str,
) -> None:
    found, reason = department_for(
        cat(category) if category else None,
        Region.objects.get(code=region) if region else None,
        channel,
        level,
    )
    assert found.code == department
    assert reason_text(reason).endswith(f"→ {found.name}")


def test_priority_breaks_a_tie(rules: dict[str, RoutingRule]) -> None:
    RoutingRule.objects.filter(pk=rules["low"].pk).update(priority=1)
    found, reason = department_for(cat("security.privacy"), None, "app", "ordinary")
    assert found.code == "legal"
    assert reason_text(reason) == f"规则#{rules['low'].pk}：类别「个人信息泄露」 → 法律事务部"


def test_the_reason_names_every_criterion_in_the_readers_language(reference: None) -> None:
    rule = RoutingRule.objects.create(
        category=cat("billing"),
        channel="regulator",
        department=dept("complaint_office"),
    )
    found, reason = department_for(cat("billing.roaming"), None, "regulator", "over_level")
    assert found.code == "complaint_office"
    assert reason == {
        "code": "routing.rule",
        "params": {
            "rule": rule.pk,
            "criteria": [
                ["category", {"zh-hans": "资费计费", "en": "Tariffs and billing"}],
                ["channel", "regulator"],
            ],
            "department": {"zh-hans": "投诉管理办公室", "en": "Complaint office"},
        },
    }
    with translation.override("zh-hans"):
        assert reason_text(reason) == (
            f"规则#{rule.pk}：类别「资费计费」 + 渠道「工信部/通管局转办」 → 投诉管理办公室"
        )
    with translation.override("en"):
        assert reason_text(reason) == (
            f"Rule #{rule.pk}: category «Tariffs and billing» + channel «Regulator referral» "
            "→ Complaint office"
        )
    # A reason stored before names were kept in each language reads as it was written.
    before = {**reason, "params": {**reason["params"], "department": "投诉管理办公室"}}
    with translation.override("en"):
        assert reason_text(before).endswith("→ 投诉管理办公室")


def test_no_rule_goes_to_the_complaint_office(reference: None) -> None:
    RoutingRule.objects.all().delete()
    found, reason = department_for(cat("billing.roaming"), None, "hotline", "ordinary")
    assert found.code == "complaint_office"
    assert reason_text(reason) == "未匹配派单规则 → 投诉管理办公室"


def test_a_rule_to_an_inactive_department_is_skipped(reference: None) -> None:
    Department.objects.filter(code="billing").update(active=False)
    found, _ = department_for(cat("billing.roaming"), None, "hotline", "ordinary")
    assert found.code == "complaint_office"


def test_registration_stores_the_reason_on_the_complaint_and_its_event(
    register: Register,
) -> None:
    complaint = register(channel="regulator", category="billing.roaming")
    assert complaint.department is not None
    assert complaint.department.code == "complaint_office"
    assert "渠道「工信部/通管局转办」" in reason_text(complaint.routing_reason)
    dispatched = complaint.events.get(type="dispatched")
    assert dispatched.data["rule"] == complaint.routing_reason


def test_reference_data_creates_the_default_rules_once(reference: None) -> None:
    from tousu.setup.reference import CATEGORIES
    from tousu.setup.services import reference_data_load

    count = RoutingRule.objects.count()
    assert count == len(CATEGORIES) + 2
    rule = RoutingRule.objects.get(category__code="billing.roaming")
    rule.department = dept("legal")  # an admin's edit survives a reload
    rule.save()
    assert reference_data_load()["routes"] == 0
    assert RoutingRule.objects.count() == count
    assert RoutingRule.objects.get(category__code="billing.roaming").department.code == "legal"

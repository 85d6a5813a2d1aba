"""Pure routing rules: the routing table (R3.1) and the handler choice (R3.2), without a DB."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tousu.routing.rules import Candidate, best_rule, pick_handler


@dataclass(frozen=True)
class R:
    name: str
    category: str = ""
    region: str = ""
    channel: str = ""
    level: str = ""
    priority: int = 0


RULES = [
    R("billing", category="billing"),
    R("roaming", category="billing.roaming"),
    R("suzhou-billing", category="billing", region="suzhou"),
    R("network", category="network"),
    R("regulator", channel="regulator"),
    R("regulator-network", category="network", channel="regulator"),
    R("over-level", level="over_level"),
    R("media-low", channel="media", priority=0),
    R("media-high", channel="media", priority=5),
    R("nanjing-any", region="nanjing"),
]

# (category, region, channel, level) → the rule that wins (None: the default department)
TABLE = [
    (("billing.unexplained_charge", "", "hotline", "ordinary"), "billing"),  # parent covers
    (("billing.roaming", "", "hotline", "ordinary"), "roaming"),  # leaf beats parent
    (("billing", "", "hotline", "ordinary"), "billing"),  # the parent itself
    (("billing.roaming", "suzhou", "hotline", "ordinary"), "suzhou-billing"),  # region first
    (("billing.roaming", "wuxi", "hotline", "ordinary"), "roaming"),  # other region: no match
    (("billing.roaming", "", "regulator", "over_level"), "regulator"),  # channel beats all
    (("network.coverage", "", "regulator", "over_level"), "regulator-network"),  # both named
    (("network.coverage", "", "app", "over_level"), "over-level"),  # level beats category
    (("network.coverage", "", "app", "major"), "network"),
    (("service.attitude", "", "media", "important"), "media-high"),  # priority breaks the tie
    (("service.attitude", "nanjing", "hotline", "ordinary"), "nanjing-any"),
    (("service.attitude", "", "hotline", "ordinary"), None),  # nothing: default department
    (("", "", "hotline", "ordinary"), None),  # unclassified
    (("billingx.other", "", "hotline", "ordinary"), None),  # a prefix is not a parent
]


@pytest.mark.parametrize(("complaint", "expected"), TABLE)
def test_the_most_specific_rule_wins(
    complaint: tuple[str, str, str, str], expected: str | None
) -> None:
    rule = best_rule(RULES, *complaint)
    assert (rule.name if rule else None) == expected


def test_inactive_or_missing_rules_leave_the_default() -> None:
    assert best_rule([], "billing", "", "hotline", "ordinary") is None


def test_full_ties_go_to_the_first_rule_given() -> None:
    rules = [R("first", category="billing"), R("second", category="billing")]
    chosen = best_rule(rules, "billing.roaming", "", "hotline", "ordinary")
    assert chosen is not None
    assert chosen.name == "first"


T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def c(name: str, open_count: int, last: dt.datetime | None = None) -> Candidate:
    return Candidate(
        user_id=hash(name), username=name, open_count=open_count, last_assigned_at=last
    )


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([c("a", 0), c("b", 2), c("c", 1)], "a"),  # fewest open complaints
        ([c("a", 2), c("b", 2, T0), c("c", 1, T0)], "c"),
        ([c("a", 1, T0), c("b", 1, T0 - dt.timedelta(hours=1))], "b"),  # idle longest
        ([c("a", 1, T0), c("b", 1)], "b"),  # never assigned first
        ([c("b", 0), c("a", 0)], "a"),  # then by username
        ([], None),
    ],
)
def test_pick_handler(candidates: list[Candidate], expected: str | None) -> None:
    chosen = pick_handler(candidates)
    assert (chosen.username if chosen else None) == expected

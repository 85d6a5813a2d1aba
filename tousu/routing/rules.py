"""Pure routing rules: which rule wins (R3.1) and which handler gets a complaint (R3.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from tousu.accounts.choices import Role

# The roles that handle complaints: a complaint's handler has one of them.
HANDLER_ROLES = {Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD}


class HandlerLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def department_id(self) -> int | None: ...


def handler_fits(handler: HandlerLike, department_id: int) -> bool:
    """Whether a user may be the handler of a complaint in the department: an active member of
    it with a handling role."""
    return (
        handler.department_id == department_id
        and handler.role in HANDLER_ROLES
        and handler.is_active
    )


class RuleLike(Protocol):
    """A routing rule as the matcher sees it: codes, "" for "any"."""

    @property
    def category(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def priority(self) -> int: ...


R = TypeVar("R", bound=RuleLike)


def category_covers(rule_category: str, category: str) -> bool:
    """A rule on `billing` covers `billing` and `billing.roaming`; "" covers everything."""
    if not rule_category:
        return True
    return category == rule_category or category.startswith(rule_category + ".")


def matches(rule: RuleLike, category: str, region: str, channel: str, level: str) -> bool:
    return (
        category_covers(rule.category, category)
        and rule.region in ("", region)
        and rule.channel in ("", channel)
        and rule.level in ("", level)
    )


def specificity(rule: RuleLike) -> tuple[int, int, int, int]:
    """How specific a rule is, compared criterion by criterion like CSS specificity: a rule
    naming the channel beats any rule that does not, then the level, the region, and last the
    depth of the category (a leaf beats its parent, a parent beats "any category").

    Channel and level come first on purpose: the rules that name them are the special
    handling (a regulator referral, a media complaint, an over-level complaint goes to the
    complaint office whatever its category), and they must win over the everyday category
    table, which covers every category.
    """
    depth = rule.category.count(".") + 1 if rule.category else 0
    return (int(bool(rule.channel)), int(bool(rule.level)), int(bool(rule.region)), depth)


def best_rule(
    rules: Iterable[R], category_code: str, region: str, channel: str, level: str
) -> R | None:
    """The rule that decides where a complaint goes: the most specific of those that match,
    then the highest priority; among full ties, the first given (callers pass rules in a
    stable order, e.g. by id). None when no rule matches (the default department's turn).
    Empty arguments mean "unknown" and only match rules that leave that criterion empty."""
    best: R | None = None
    best_key: tuple[int, ...] = ()
    for rule in rules:
        if not matches(rule, category_code, region, channel, level):
            continue
        key = (*specificity(rule), rule.priority)
        if best is None or key > best_key:
            best, best_key = rule, key
    return best


@dataclass(frozen=True)
class Candidate:
    """A handler who could receive a complaint, with what the choice depends on."""

    user_id: int
    username: str
    open_count: int
    last_assigned_at: dt.datetime | None


def pick_handler(candidates: list[Candidate]) -> Candidate | None:
    """Fewest open complaints; ties by longest idle (never assigned first, then the oldest
    last assignment); then by username, so the choice is deterministic."""
    if not candidates:
        return None

    def key(c: Candidate) -> tuple[int, int, dt.datetime, str]:
        never = c.last_assigned_at is None
        idle_since = c.last_assigned_at or dt.datetime.min.replace(tzinfo=dt.UTC)
        return (c.open_count, 0 if never else 1, idle_since, c.username)

    return min(candidates, key=key)

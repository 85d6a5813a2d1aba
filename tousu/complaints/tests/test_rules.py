"""The complaint status machine and numbering: pure rules, no database."""

from __future__ import annotations

import pytest

from tousu.complaints.choices import Level, Status
from tousu.complaints.rules import allowed, format_number, next_status, raise_level
from tousu.core.errors import Conflict, InvalidTransition

S = Status

# The intended machine, written out independently of rules.TRANSITIONS:
# action → {from status: to status}. Every (action, status) pair not listed must be refused.
EXPECTED: dict[str, dict[str, str]] = {
    "dispatch": {
        S.REGISTERED: S.DISPATCHED,
        S.DISPATCHED: S.DISPATCHED,
        S.IN_PROGRESS: S.DISPATCHED,
    },
    "accept": {S.DISPATCHED: S.IN_PROGRESS},
    "resolve": {S.IN_PROGRESS: S.RESOLVED},
    "resolve_first_contact": {S.REGISTERED: S.RESOLVED, S.DISPATCHED: S.RESOLVED},
    "approve": {S.AWAITING_APPROVAL: S.RESOLVED},
    "close": {S.RESOLVED: S.CLOSED},
    "reopen": {S.RESOLVED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS},
    "escalate": {
        S.REGISTERED: S.REGISTERED,
        S.DISPATCHED: S.DISPATCHED,
        S.IN_PROGRESS: S.IN_PROGRESS,
        S.AWAITING_APPROVAL: S.AWAITING_APPROVAL,
        S.RESOLVED: S.RESOLVED,
    },
    "handle": {S.IN_PROGRESS: S.IN_PROGRESS, S.RESOLVED: S.RESOLVED},
    "callback": {S.CLOSED: S.CLOSED},
}

CASES = [
    (action, status, EXPECTED[action].get(status))
    for action in sorted(EXPECTED)
    for status in Status.values
]


@pytest.mark.parametrize(("action", "status", "target"), CASES)
def test_every_action_in_every_status(action: str, status: str, target: str | None) -> None:
    if target is None:
        assert not allowed(action, status)
        with pytest.raises(InvalidTransition):
            next_status(action, status)
    else:
        assert allowed(action, status)
        assert next_status(action, status) == target


@pytest.mark.parametrize("status", Status.values)
def test_an_unknown_action_is_never_allowed(status: str) -> None:
    assert not allowed("delete", status)
    with pytest.raises(InvalidTransition):
        next_status("delete", status)


def test_invalid_transition_is_a_409_conflict_naming_the_status() -> None:
    with pytest.raises(InvalidTransition) as info:
        next_status("close", S.IN_PROGRESS)
    assert isinstance(info.value, Conflict)
    assert info.value.status == 409
    assert info.value.code == "invalid_transition"
    assert "close" in info.value.message


def test_resolve_over_authority_waits_for_approval() -> None:
    assert next_status("resolve", S.IN_PROGRESS, alternative=True) == S.AWAITING_APPROVAL


def test_rejected_approval_goes_back_to_the_handler() -> None:
    assert next_status("approve", S.AWAITING_APPROVAL, alternative=True) == S.IN_PROGRESS


def test_dissatisfied_callback_reopens() -> None:
    assert next_status("callback", S.CLOSED, alternative=True) == S.IN_PROGRESS


@pytest.mark.parametrize(
    ("action", "status"),
    [("resolve", S.DISPATCHED), ("approve", S.IN_PROGRESS), ("callback", S.RESOLVED)],
)
def test_the_alternative_outcome_is_refused_in_a_wrong_status(action: str, status: str) -> None:
    with pytest.raises(InvalidTransition):
        next_status(action, status, alternative=True)


def test_closed_complaints_can_only_be_reopened_or_called_back() -> None:
    possible = {action for action, table in EXPECTED.items() if S.CLOSED in table}
    assert possible == {"reopen", "callback"}
    assert {a for a in EXPECTED if allowed(a, S.CLOSED)} == possible


LEVELS: list[str] = [Level.ORDINARY, Level.IMPORTANT, Level.MAJOR, Level.OVER_LEVEL]


@pytest.mark.parametrize("current", LEVELS)
@pytest.mark.parametrize("proposed", LEVELS)
def test_raise_level_takes_the_higher_level(current: str, proposed: str) -> None:
    expected = LEVELS[max(LEVELS.index(current), LEVELS.index(proposed))]
    assert raise_level(current, proposed) == expected


def test_raise_level_rejects_an_unknown_level() -> None:
    with pytest.raises(ValueError, match="urgent"):
        raise_level(Level.ORDINARY, "urgent")


@pytest.mark.parametrize(
    ("sequence", "number"),
    [
        (1, "TS202611200001"),
        (42, "TS202611200042"),
        (9999, "TS202611209999"),
        (10000, "TS2026112010000"),
        (80000, "TS2026112080000"),
        (123456, "TS20261120123456"),
    ],
)
def test_format_number_grows_past_four_digits(sequence: int, number: str) -> None:
    assert format_number("20261120", sequence) == number


def test_format_number_never_wraps_after_9999() -> None:
    numbers = {format_number("20261120", n) for n in range(9990, 10011)}
    assert len(numbers) == 21


@pytest.mark.parametrize("sequence", [0, -1])
def test_format_number_rejects_sequences_below_one(sequence: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        format_number("20261120", sequence)

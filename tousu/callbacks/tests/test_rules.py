"""The pure rules of callbacks: parts of the day, the next try after a failed call, the team."""

from __future__ import annotations

import datetime as dt

import pytest

from tousu.callbacks.rules import (
    SHANGHAI,
    next_attempt_at,
    score_parse,
    slot_of,
    team_parse,
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "slot"),
    [
        (at(7, 8, 30), "morning"),
        (at(7, 12, 59), "morning"),
        (at(7, 13, 0), "afternoon"),
        (at(7, 17, 59), "afternoon"),
        (at(7, 18, 0), "evening"),
        (at(7, 22, 0), "evening"),
    ],
)
def test_a_call_belongs_to_a_part_of_the_day(moment: dt.datetime, slot: str) -> None:
    assert slot_of(moment) == slot


def test_slots_are_read_in_shanghai_time() -> None:
    # 02:00 UTC is 10:00 in Shanghai.
    assert slot_of(dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)) == "morning"


def test_three_failed_calls_go_to_three_parts_of_the_day() -> None:
    first = at(7, 10)
    second = next_attempt_at(first, ["morning"])
    assert second == at(7, 14)
    third = next_attempt_at(second, ["morning", "afternoon"])
    assert third == at(7, 18, 30)


def test_a_failed_evening_call_is_tried_next_morning_not_next_evening() -> None:
    assert next_attempt_at(at(7, 19), ["evening"]) == at(8, 9)


def test_once_every_part_was_tried_the_next_is_not_the_last_part_again() -> None:
    tried = ["morning", "afternoon", "evening"]
    following = next_attempt_at(at(7, 19), tried)
    assert slot_of(following) != "evening"
    assert following == at(8, 9)


@pytest.mark.parametrize("hour", [0, 6, 9, 11, 13, 15, 18, 20, 23])
def test_never_the_same_part_twice_in_a_row(hour: int) -> None:
    failed = at(7, hour)
    following = next_attempt_at(failed, [slot_of(failed)])
    assert following > failed
    assert slot_of(following) != slot_of(failed)


def test_the_team_is_roles_and_departments() -> None:
    team = team_parse("role:agent, dept:callback_center,role:quality")
    assert team.roles == {"agent", "quality"}
    assert team.departments == {"callback_center"}


@pytest.mark.parametrize("spec", ["", "agent", "group:x", "role:"])
def test_a_bad_team_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="callback team"):
        team_parse(spec)


@pytest.mark.parametrize(("text", "score"), [("", None), (" ", None), ("1", 1), ("5", 5)])
def test_score_cells(text: str, score: int | None) -> None:
    assert score_parse(text) == score


@pytest.mark.parametrize("text", ["0", "6", "4.5", "-1", "五", "x"])
def test_bad_score_cells(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        score_parse(text)


def test_a_callback_is_never_due_at_night() -> None:
    from tousu.callbacks.rules import SHANGHAI, callback_due

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)

    assert callback_due(at(7, 10), 48) == at(9, 10)  # in calling hours: as promised
    # Closed at 01:43: due by the end of the calling day before 01:43 two days on, not then.
    assert callback_due(at(7, 1, 43), 48) == at(8, 21)
    assert callback_due(at(7, 22, 30), 48) == at(9, 21)
    # Too short a limit to end a calling day sooner: the next morning's first calls.
    assert callback_due(at(7, 22, 30), 2) == at(8, 9)

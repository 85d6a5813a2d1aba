"""Callback attempts (R8.1): failed calls tried again at another time of day, unreachable only
after the configured number, a result only after a reached call, and the signal after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from tousu.accounts.models import User
from tousu.callbacks.models import CallbackAttempt, CallbackTask
from tousu.callbacks.rules import SHANGHAI, slot_of
from tousu.callbacks.services import callback_attempt_record, complaint_callback_record
from tousu.callbacks.signals import callback_recorded
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.errors import ValidationFailed

Build = Callable[..., Complaint]


def fresh_task(complaint: Complaint) -> CallbackTask:
    return CallbackTask.objects.get(complaint=complaint, status__in=["pending", "done"])


def call(complaint: Complaint, agent: User, outcome: str, when: dt.datetime) -> CallbackTask:
    with clock.frozen(when):
        return callback_attempt_record(complaint=complaint, actor=agent, outcome=outcome)


@pytest.fixture
def recorded() -> Iterator[list[dict[str, Any]]]:
    heard: list[dict[str, Any]] = []

    def receiver(sender: Any, **kw: Any) -> None:
        heard.append(kw)

    callback_recorded.connect(receiver)
    yield heard
    callback_recorded.disconnect(receiver)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def test_failed_calls_are_tried_at_other_times_and_unreachable_after_three(
    complaint_in: Build, agent: User, recorded: list[dict[str, Any]]
) -> None:
    complaint = complaint_in("closed")
    task = call(complaint, agent, "no_answer", local(7, 10))
    assert (task.status, task.attempt_count) == ("pending", 1)
    assert task.next_attempt_at is not None
    assert slot_of(task.next_attempt_at) != "morning"
    second = task.next_attempt_at + dt.timedelta(minutes=5)
    task = call(complaint, agent, "busy", second)
    assert task.status == "pending"
    assert task.next_attempt_at is not None
    assert slot_of(task.next_attempt_at) not in ("morning", slot_of(second))
    task = call(complaint, agent, "switched_off", task.next_attempt_at + dt.timedelta(minutes=5))
    task = fresh_task(complaint)
    assert (task.status, task.result, task.attempt_count) == ("done", "unreachable", 3)
    assert task.next_attempt_at is None
    outcomes = list(CallbackAttempt.objects.filter(task=task).values_list("outcome", flat=True))
    assert outcomes == ["no_answer", "busy", "switched_off"]
    # Three different parts of the day.
    slots = {slot_of(a.at) for a in CallbackAttempt.objects.filter(task=task)}
    assert slots == {"morning", "afternoon", "evening"}
    types = list(complaint.events.order_by("seq").values_list("type", flat=True))
    assert types[-4:] == ["callback_attempt", "callback_attempt", "callback_attempt", "callback"]
    assert Complaint.objects.get(pk=complaint.pk).status == "closed"


def test_the_number_of_failed_calls_is_a_setting(
    complaint_in: Build, agent: User, settings: Any
) -> None:
    settings.TOUSU_CALLBACK_ATTEMPTS = 5
    complaint = complaint_in("closed")
    hour = 9
    for n in range(4):
        task = call(complaint, agent, "no_answer", local(7 + n, hour))
        assert task.status == "pending"
    task = call(complaint, agent, "no_answer", local(12, 19))
    assert (task.status, task.result, task.attempt_count) == ("done", "unreachable", 5)


def test_a_result_after_failed_calls_records_the_reached_call(
    complaint_in: Build, agent: User
) -> None:
    complaint = complaint_in("closed")
    call(complaint, agent, "no_answer", local(7, 10))
    with clock.frozen(local(7, 15)):
        complaint_callback_record(
            complaint=complaint,
            actor=agent,
            result="dissatisfied",
            scores={"solution": 2},
            overall=2,
            reasons=["network", "not_solved"],
            comment="信号还是不好",
            dissatisfied_action="repair",
        )
    task = fresh_task(complaint)
    assert (task.status, task.result, task.overall, task.attempt_count) == (
        "done",
        "dissatisfied",
        2,
        2,
    )
    # In the order of the code list, each once.
    assert task.reasons == ["not_solved", "network"]
    outcomes = list(task.attempts.values_list("outcome", flat=True))
    assert outcomes == ["no_answer", "reached"]
    event = complaint.events.filter(type="callback").get()
    assert event.data["overall"] == 2
    assert event.data["dissatisfaction"] == ["not_solved", "network"]


def test_a_reached_call_needs_a_result(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(ValidationFailed) as info:
        callback_attempt_record(complaint=complaint, actor=agent, outcome="reached")
    assert "attempt" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        complaint_callback_record(
            complaint=complaint, actor=agent, result="satisfied", scores={}, attempt="busy"
        )
    assert "attempt" in info.value.fields
    assert not CallbackAttempt.objects.exists()
    assert fresh_task(complaint).attempt_count == 0


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"overall": 0}, "overall"),
        ({"overall": 6}, "overall"),
        ({"overall": True}, "overall"),
        ({"reasons": ["bored"]}, "reasons"),
        ({"result": "satisfied", "reasons": ["slow"]}, "reasons"),
        ({"result": "unreachable", "overall": 3}, "scores"),
    ],
)
def test_bad_overall_or_reasons_change_nothing(
    complaint_in: Build, agent: User, kw: dict[str, Any], field: str
) -> None:
    complaint = complaint_in("closed")
    args: dict[str, Any] = {"result": "dissatisfied", "scores": {}, **kw}
    with pytest.raises(ValidationFailed) as info:
        complaint_callback_record(complaint=complaint, actor=agent, **args)
    assert field in info.value.fields
    assert fresh_task(complaint).status == "pending"
    assert Complaint.objects.get(pk=complaint.pk).event_seq == complaint.event_seq


def test_a_bad_outcome_or_long_note_is_refused(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(ValidationFailed) as info:
        callback_attempt_record(complaint=complaint, actor=agent, outcome="asleep")
    assert "attempt" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        callback_attempt_record(complaint=complaint, actor=agent, outcome="busy", note="忙" * 201)
    assert "note" in info.value.fields
    assert not CallbackAttempt.objects.exists()


def test_the_signal_comes_after_commit(
    complaint_in: Build,
    agent: User,
    recorded: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    complaint = complaint_in("closed")
    with django_capture_on_commit_callbacks(execute=True):
        complaint_callback_record(complaint=complaint, actor=agent, result="satisfied", scores={})
        assert recorded == []
    assert [kw["task"].result for kw in recorded] == ["satisfied"]


def test_no_signal_when_the_transaction_rolls_back(
    complaint_in: Build,
    agent: User,
    recorded: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    complaint = complaint_in("closed")

    def record_then_fail() -> None:
        with transaction.atomic():
            complaint_callback_record(
                complaint=complaint, actor=agent, result="satisfied", scores={}
            )
            raise RuntimeError("the caller's transaction fails after the record")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        record_then_fail()
    assert recorded == []
    assert fresh_task(complaint).status == "pending"
    assert all("callback_recorded" not in repr(c) for c in callbacks)


def test_the_unreachable_end_sends_the_signal_too(
    complaint_in: Build,
    agent: User,
    settings: Any,
    recorded: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TOUSU_CALLBACK_ATTEMPTS = 1
    complaint = complaint_in("closed")
    with django_capture_on_commit_callbacks(execute=True):
        call(complaint, agent, "wrong_number", local(7, 10))
    assert [kw["task"].result for kw in recorded] == ["unreachable"]

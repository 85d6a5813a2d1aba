"""The satisfaction counts (R8.3): scored callbacks and imported survey answers reach
SatisfactionCount through `analytics.fill`, move with their complaint, and equal a rebuild."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tousu.accounts.models import Department, Region, User
from tousu.analytics import drivers, rules, services
from tousu.analytics.models import SatisfactionCount, SatisfactionFact
from tousu.analytics.tests.conftest import change
from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.customers.models import Customer

Build = Callable[..., Complaint]
SCORES = {"timeliness": 5, "attitude": 4, "solution": 3, "simplicity": 2}
KEPT = ("day", "source", "rollup", *rules.SATISFACTION_DIMENSIONS, "factors")


def table() -> dict[tuple[Any, ...], tuple[int, ...]]:
    return {
        tuple(row[:8]): tuple(row[8:])
        for row in SatisfactionCount.objects.values_list(*KEPT, *drivers.MOMENT_COLUMNS)
    }


def scored(complaint: Complaint, agent: User, overall: int | None, **scores: int) -> None:
    """Record the callback through the service, with its overall score (R8.3)."""
    complaint_callback_record(
        complaint=complaint, actor=agent, result="satisfied", scores=scores or SCORES
    )
    # The overall score, asked last; written with an event as every change is (D8).
    CallbackTask.objects.filter(complaint=complaint, status="done").update(overall=overall)
    change(complaint.pk)


def survey(row: int, region: Region | None, overall: int, **scores: Any) -> SurveyResponse:
    customer, _ = Customer.objects.get_or_create(
        phone=f"1390000{row:04d}", defaults={"region": region}
    )
    return SurveyResponse.objects.create(
        customer=customer,
        surveyed_at=clock.now(),
        overall=overall,
        scores=scores,
        batch="a" * 64,
        row=row,
        created_at=clock.now(),
    )


def assert_rollups_match() -> None:
    """Every roll-up row is the sum of the cube rows it stands for."""
    cube = [k + v for k, v in table().items() if k[2] == 0]
    for rollup in rules.SATISFACTION_ROLLUPS:
        expected: dict[tuple[Any, ...], list[int]] = defaultdict(
            lambda: [0] * len(drivers.MOMENT_COLUMNS)
        )
        for row in cube:
            dims = rules.satisfaction_rolled_up(tuple(row[3:7]), rollup)
            key = (row[0], row[1], rollup, *dims, row[7])
            for i, value in enumerate(row[8:]):
                expected[key][i] += value
        found = {k: list(v) for k, v in table().items() if k[2] == rollup}
        assert found == dict(expected), rollup


def test_a_scored_callback_with_an_overall_score_is_one_observation(
    complaint_in: Build, agent: User
) -> None:
    complaint = complaint_in("closed")
    scored(complaint, agent, 4)
    jobs.run("analytics.fill")
    today = clock.local_today()
    cube = {k: v for k, v in table().items() if k[2] == 0}
    mask, moments = drivers.observation(SCORES, 4) or (0, [])
    key = (
        today,
        "callback",
        0,
        complaint.department_id,
        complaint.region_id or 0,
        complaint.category_id,
        complaint.channel,
        mask,
    )
    assert cube == {key: tuple(moments)}
    assert len(table()) == len(rules.SATISFACTION_ROLLUPS)
    assert_rollups_match()


def test_a_callback_without_overall_score_counts_nothing(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    scored(complaint, agent, None)
    jobs.run("analytics.fill")
    assert not SatisfactionCount.objects.exists()
    assert not SatisfactionFact.objects.exists()


def test_a_transfer_moves_the_observation_and_a_rerun_changes_nothing(
    complaint_in: Build, agent: User
) -> None:
    complaint = complaint_in("closed")
    scored(complaint, agent, 5)
    jobs.run("analytics.fill")
    network = Department.objects.get(code="network")
    change(complaint.pk, department=network)
    jobs.run("analytics.fill")
    departments = {k[3] for k in table() if k[2] == 0}
    assert departments == {network.pk}
    assert_rollups_match()
    before = table()
    jobs.run("analytics.fill")
    assert table() == before


def test_survey_answers_are_counted_once_by_their_customers_region(reference: None) -> None:
    north, south = Region.objects.order_by("pk")[:2]
    survey(1, north, 4, network=2, tariff=5, timeliness=4)
    survey(2, south, 2, network=1, tariff=3, timeliness=4, unknown=3)
    survey(3, south, 3)  # no factor: says nothing about drivers
    jobs.run("analytics.fill")
    cube = {k: v for k, v in table().items() if k[2] == 0}
    assert {(k[1], k[4]) for k in cube} == {("survey", north.pk), ("survey", south.pk)}
    mask = drivers.mask_of(["network", "tariff", "timeliness"])
    assert {k[7] for k in cube} == {mask}
    assert SatisfactionFact.objects.filter(source="survey").count() == 2
    assert_rollups_match()
    before = table()
    survey(4, north, 5, network=5, tariff=5, timeliness=5)
    assert jobs.run("analytics.fill")["surveys"] == 1
    assert sum(v[0] for k, v in table().items() if k[2] == 1) == 3
    assert table() != before
    assert jobs.run("analytics.fill")["surveys"] == 0


def test_rebuild_equals_the_incremental_fill(
    complaint_in: Build, agent: User, reference: None
) -> None:
    first, second, third = (complaint_in("closed") for _ in range(3))
    jobs.run("analytics.fill")
    scored(first, agent, 4)
    jobs.run("analytics.fill")
    scored(second, agent, 2, timeliness=1, attitude=3, solution=2, simplicity=4)
    region = Region.objects.order_by("pk").first()
    survey(1, region, 3, network=2, attitude=4)
    jobs.run("analytics.fill")
    change(second.pk, department=Department.objects.get(code="network"))
    scored(third, agent, 5)
    survey(2, region, 5, network=5, attitude=5)
    jobs.run("analytics.fill")
    filled = table()
    facts = set(SatisfactionFact.objects.values_list("source", "ref"))
    assert sum(v[0] for k, v in filled.items() if k[2] == 1) == 5
    services.counts_rebuild()
    assert table() == filled
    assert set(SatisfactionFact.objects.values_list("source", "ref")) == facts
    assert jobs.run("analytics.fill")["changed"] == 0
    assert table() == filled
    # A survey after the rebuild is counted by the next run.
    survey(3, region, 1, network=1, attitude=1)
    jobs.run("analytics.fill")
    assert sum(v[0] for k, v in table().items() if k[2] == 1) == 6


def test_the_fill_rebuilds_once_when_the_layout_changed(complaint_in: Build, agent: User) -> None:
    from tousu.analytics import constants
    from tousu.analytics.models import FillCursor

    complaint = complaint_in("closed")
    scored(complaint, agent, 3)
    jobs.run("analytics.fill")
    filled = table()
    SatisfactionCount.objects.all().delete()
    FillCursor.objects.filter(name=constants.FILL_CURSOR).update(layout="old")
    assert jobs.run("analytics.fill")["rebuilt"] == 1
    assert table() == filled

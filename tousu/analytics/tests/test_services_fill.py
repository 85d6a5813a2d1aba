"""The fill job (`analytics.fill`) and the rebuild: counts equal a recount from scratch, runs
are idempotent and resumable, and one worker at a time fills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import Department
from tousu.analytics import constants, rules, services
from tousu.analytics.models import (
    DIMENSIONS,
    ComplaintFact,
    DailyCount,
    FillCursor,
    HourlyCount,
    MonthlyCount,
    RebuildFact,
    RebuildRow,
)
from tousu.analytics.tests.conftest import assert_counts_match, change, daily_table, hourly_table
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.config import jobs
from tousu.core import clock
from tousu.sla.services import complaint_reopen


def test_the_job_is_registered_every_minute() -> None:
    job = jobs.get("analytics.fill")
    assert job.every == dt.timedelta(minutes=1)
    assert job.function() is not None


def test_fill_counts_the_lifecycle_and_a_second_run_changes_nothing(
    lifecycle: Callable[..., Complaint], register: Callable[..., Complaint]
) -> None:
    lifecycle("closed")
    lifecycle("awaiting_approval")
    register(channel="web")
    first = jobs.run("analytics.fill")
    assert first["changed"] == 3
    assert_counts_match()
    tables = hourly_table(), daily_table()
    second = jobs.run("analytics.fill")
    assert second["changed"] == 0
    assert second["events"] == 0
    assert (hourly_table(), daily_table()) == tables


def test_a_complaint_changed_after_it_was_counted_moves_its_counts(
    lifecycle: Callable[..., Complaint],
) -> None:
    complaint = lifecycle("closed")
    jobs.run("analytics.fill")
    network = Department.objects.get(code="network")
    change(complaint.pk, department=network, channel="app", level="major")
    assert jobs.run("analytics.fill")["changed"] == 1
    assert_counts_match()
    assert set(HourlyCount.objects.filter(rollup=0).values_list("department", flat=True)) == {
        network.pk
    }
    complaint_reopen(complaint=complaint, actor=None, reason="客户不认可处理结果")
    jobs.run("analytics.fill")
    assert_counts_match()
    assert not HourlyCount.objects.filter(closed__gt=0).exists()


def test_a_run_stopped_midway_resumes_from_its_last_batch(
    register: Callable[..., Complaint], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        register()
    events = list(ComplaintEvent.objects.order_by("pk").values_list("pk", flat=True))
    real = services.complaints_recount
    calls = {"n": 0}

    def crash_on_second_batch(ids: list[int], **kw: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(ids, **kw)

    monkeypatch.setattr(services, "complaints_recount", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        services.counts_fill(batch=2)
    cursor = FillCursor.objects.get(name=constants.FILL_CURSOR)
    assert cursor.position == events[1]  # the first batch committed, the second rolled back
    assert cursor.owner == ""  # the claim is given back
    assert ComplaintFact.objects.count() >= 1
    monkeypatch.setattr(services, "complaints_recount", real)
    services.counts_fill(batch=2)
    assert FillCursor.objects.get(name=constants.FILL_CURSOR).position == events[-1]
    assert_counts_match()


def test_a_second_worker_skips_while_the_first_holds_the_fill(
    register: Callable[..., Complaint],
) -> None:
    register()
    assert services.fill_claim("worker-a")
    assert jobs.run("analytics.fill") == {"skipped": 1}
    assert not HourlyCount.objects.exists()
    # worker-a died: once its lease runs out, the next run takes over.
    with clock.frozen(clock.now() + constants.LEASE + dt.timedelta(seconds=1)):
        assert jobs.run("analytics.fill")["changed"] == 1
    assert_counts_match()


def test_an_overtaken_worker_cannot_write(register: Callable[..., Complaint]) -> None:
    assert services.fill_claim("worker-a")
    with clock.frozen(clock.now() + constants.LEASE + dt.timedelta(seconds=1)):
        assert services.fill_claim("worker-b")
    with pytest.raises(services.LeaseLost):
        services.fill_renew("worker-a", position=99)
    assert FillCursor.objects.get(name=constants.FILL_CURSOR).position == 0


def test_an_event_committed_after_the_checkpoint_passed_it_is_rechecked(
    register: Callable[..., Complaint],
) -> None:
    complaint = register()
    jobs.run("analytics.fill")
    change(complaint.pk, channel="web")
    late = ComplaintEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    # As if a newer event had been seen first: the checkpoint is past `late` already, and a
    # mark from a minute ago shows where the checkpoint stood before.
    a_minute_ago = (clock.now() - dt.timedelta(minutes=1)).timestamp()
    FillCursor.objects.filter(name=constants.FILL_CURSOR).update(
        position=late, trail=[[a_minute_ago, late - 1]]
    )
    summary = jobs.run("analytics.fill")
    assert summary["events"] == 0
    assert summary["rechecked"] == 1
    assert summary["changed"] == 1
    assert_counts_match()


def test_rebuild_command_recounts_from_scratch(
    lifecycle: Callable[..., Complaint], tousu_cli: Callable[..., tuple[int, str, str]]
) -> None:
    complaint = lifecycle("closed")
    jobs.run("analytics.fill")
    # A change the job cannot see (no event): only the rebuild picks it up.
    Complaint.objects.filter(pk=complaint.pk).update(channel="letter")
    code, out, _ = tousu_cli("analytics", "rebuild")
    assert code == 0, out
    assert "analytics rebuild" in out
    assert_counts_match()
    assert set(HourlyCount.objects.filter(rollup=0).values_list("channel", flat=True)) == {"letter"}
    # The checkpoint stands after the events seen, so the next run has nothing to do.
    assert jobs.run("analytics.fill")["events"] == 0


def test_rebuild_refuses_while_a_fill_runs(
    db: None, tousu_cli: Callable[..., tuple[int, str, str]]
) -> None:
    assert services.fill_claim("worker-a")
    code, _, err = tousu_cli("analytics", "rebuild")
    assert code != 0
    assert err


def every_row() -> dict[str, dict[str, Any]]:
    """Every row of the three count tables, every roll-up, by table and key."""
    return {
        f"{model.__name__}:{row.pop('key')}": row
        for model in (HourlyCount, DailyCount, MonthlyCount)
        for row in model.objects.values("key", "rollup", *DIMENSIONS, *rules.MEASURES)
    }


def test_rebuild_writes_the_rows_the_job_writes_and_the_job_carries_on_from_them(
    lifecycle: Callable[..., Complaint], register: Callable[..., Complaint]
) -> None:
    closed = lifecycle("closed")
    lifecycle("awaiting_approval")
    register(channel="web", level="major")
    jobs.run("analytics.fill")
    by_the_job = every_row()
    assert len(by_the_job) > 3 * len(rules.ROLLUPS)
    services.counts_rebuild(batch=1)  # several scratch batches that share hours
    assert every_row() == by_the_job  # same keys, periods, roll-ups and sums
    assert not RebuildRow.objects.exists()
    assert not RebuildFact.objects.exists()
    # The job moves a rebuilt complaint's counts: it finds the rows by the rebuild's keys.
    change(closed.pk, channel="app")
    assert jobs.run("analytics.fill")["changed"] == 1
    assert_counts_match()


def test_a_failed_rebuild_leaves_the_old_counts_standing(
    lifecycle: Callable[..., Complaint], monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = lifecycle("closed")
    jobs.run("analytics.fill")
    before = every_row()
    facts = dict(ComplaintFact.objects.values_list("pk", "data"))
    # A change the job cannot see: the failed rebuild must not half-apply it (contributions
    # that no longer match the counts would make the job's next deltas wrong).
    Complaint.objects.filter(pk=complaint.pk).update(channel="letter")

    def fail(*args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_rebuild_sum", fail)
    with pytest.raises(RuntimeError):
        services.counts_rebuild()
    assert every_row() == before
    assert dict(ComplaintFact.objects.values_list("pk", "data")) == facts
    assert FillCursor.objects.get(name=constants.FILL_CURSOR).owner == ""  # the claim is given back
    monkeypatch.undo()
    services.counts_rebuild()  # the next rebuild starts over from its leftovers
    assert_counts_match()
    assert not RebuildRow.objects.exists()


def test_counts_kept_in_an_older_layout_are_rebuilt_by_the_next_run(
    lifecycle: Callable[..., Complaint],
) -> None:
    lifecycle("closed")
    jobs.run("analytics.fill")
    assert FillCursor.objects.get(name=constants.FILL_CURSOR).layout == rules.LAYOUT
    # As after a release that added a roll-up: the rows of the new roll-up do not exist yet.
    DailyCount.objects.filter(rollup=max(rules.ROLLUPS)).delete()
    FillCursor.objects.filter(name=constants.FILL_CURSOR).update(layout="older")
    summary = jobs.run("analytics.fill")
    assert summary["rebuilt"] == 1
    assert FillCursor.objects.get(name=constants.FILL_CURSOR).layout == rules.LAYOUT
    assert_counts_match()
    assert "rebuilt" not in jobs.run("analytics.fill")  # once


def test_the_product_is_a_dimension_of_the_cube_kept_whole_by_the_job_and_the_rebuild(
    register: Callable[..., Complaint],
) -> None:
    """The product (the plan's name, up to 64 characters, in Chinese) is in the cube's rows and
    keys; the rebuild's keys, made by SQL, equal the job's, made in Python — nothing cut."""
    longest = "融合套餐" + "含千兆宽带与两张副卡" * 6  # 64 characters
    assert len(longest) == 64
    register(product=longest)
    register(customer_phone="13900139000", product="5G畅享套餐129元")
    register(customer_phone="13700137000")  # no plan known
    jobs.run("analytics.fill")
    by_the_job = every_row()
    cube = {row["product"] for row in HourlyCount.objects.filter(rollup=0).values("product")}
    assert cube == {longest, "5G畅享套餐129元", ""}
    rolled = set(HourlyCount.objects.exclude(rollup=0).values_list("product", flat=True))
    assert rolled == {"*"}
    services.counts_rebuild(batch=1)
    assert every_row() == by_the_job
    assert_counts_match()

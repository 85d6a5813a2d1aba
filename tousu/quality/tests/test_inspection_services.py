"""Quality inspection's services: sampling (reproducible, every mandatory kind, once per
plan), scoring on the sheet (weights, fatal items, refusals that change nothing), the
handler's appeal within its deadline and its decision by another inspector, calibration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from tousu.callbacks.models import CallbackTask
from tousu.complaints.choices import EventType
from tousu.complaints.services import complaint_lock, event_record
from tousu.core import clock
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.notifications.models import Notification
from tousu.quality import rules, selectors, services
from tousu.quality.models import Inspection, InspectionScore, SamplingPlan, SamplingRun
from tousu.quality.tests.conftest import FULL
from tousu.resolution.models import ConsistencyFlag

pytestmark = pytest.mark.django_db


def _event(complaint: Any, type: str) -> None:
    with transaction.atomic():
        event_record(complaint=complaint_lock(complaint), type=type, actor=None, actor_name="t")


def _mandatory(closed_last_week: Callable[..., Any]) -> dict[str, Any]:
    """One closed complaint of each mandatory kind, made so as the system would."""
    over = closed_last_week(level="over_level")
    reopened = closed_last_week()
    _event(reopened, EventType.REOPENED)
    flagged = closed_last_week()
    ConsistencyFlag.objects.create(
        complaint=flagged, kind="amount_over", reason={"code": "x"}, created_at=clock.now()
    )
    dissatisfied = closed_last_week()
    CallbackTask.objects.create(
        complaint=dissatisfied,
        due_at=clock.now(),
        status="done",
        result="dissatisfied",
        created_at=clock.now(),
    )
    return {
        "over_level": over,
        "reopened": reopened,
        "out_of_standard": flagged,
        "dissatisfied": dissatisfied,
    }


def test_the_draw_is_reproducible_and_takes_every_mandatory_kind(
    closed_last_week: Callable[..., Any],
    handler: Any,
    handler2: Any,
    quality: Any,
    quality2: Any,
    last_week: tuple[dt.date, dt.datetime],
) -> None:
    start, _moment = last_week
    mandatory = _mandatory(closed_last_week)
    ordinary = [closed_last_week() for _ in range(25)]
    theirs = [closed_last_week(handler=handler2) for _ in range(3)]
    plan = SamplingPlan.objects.create(name="t", share=Decimal("0.1"), minimum=2, seed=7)

    draw = services.plan_draw(plan, start)
    assert draw == services.plan_draw(plan, start)  # same seed, same data: same sample
    for kind, complaint in mandatory.items():
        assert draw.picked[complaint.pk] == kind
    randoms = {pk for pk, why in draw.picked.items() if why == "random"}
    # handler: 29 closed → ⌈2.9⌉ = 3 of the 25 ordinary; handler2: 3 closed → the minimum, 2.
    assert len(randoms & {c.pk for c in ordinary}) == 3
    assert len(randoms & {c.pk for c in theirs}) == 2
    plan.seed = 8
    assert services.plan_draw(plan, start).picked != draw.picked

    plan.seed = 7
    plan.save()
    assert services.plan_sample(plan=plan) == {"drawn": 9, "mandatory_late": 0}
    tasks = Inspection.objects.filter(plan=plan)
    assert {t.complaint_id: t.reason for t in tasks} == draw.picked
    # Spread by load over the two inspectors; the handler inspected is the complaint's.
    by = [t.inspector_id for t in tasks]
    assert abs(by.count(quality.pk) - by.count(quality2.pk)) <= 1
    assert {t.handler_id for t in tasks} == {handler.pk, handler2.pk}
    assert all(t.period_start == start for t in tasks)

    # Run again: nothing twice.
    assert services.plan_sample(plan=plan) == {"drawn": 0, "mandatory_late": 0}
    assert Inspection.objects.filter(plan=plan).count() == 9
    assert SamplingRun.objects.filter(plan=plan).count() == 1


def test_a_dissatisfied_callback_after_the_draw_is_sampled_late_once(
    closed_last_week: Callable[..., Any], quality: Any, last_week: tuple[dt.date, dt.datetime]
) -> None:
    _start, moment = last_week
    complaints = [closed_last_week() for _ in range(3)]
    plan = SamplingPlan.objects.create(name="t", share=Decimal("0.1"), minimum=1, seed=1)
    services.plan_sample(plan=plan)
    drawn = set(Inspection.objects.filter(plan=plan).values_list("complaint", flat=True))
    late = next(c for c in complaints if c.pk not in drawn)
    CallbackTask.objects.create(
        complaint=late, due_at=moment, status="done", result="dissatisfied", created_at=moment
    )
    # A week later that week is the one before the last: swept for mandatory kinds.
    with clock.frozen(clock.now() + dt.timedelta(days=7)):
        assert services.plan_sample(plan=plan)["mandatory_late"] == 1
        assert services.plan_sample(plan=plan)["mandatory_late"] == 0
    assert Inspection.objects.get(plan=plan, complaint=late).reason == "dissatisfied"


def test_scoring_weighs_the_items_tells_the_handler_and_writes_the_timeline(
    task: Inspection, quality: Any, handler: Any
) -> None:
    points = {**FULL, "timeliness": 3, "wording": 0}
    done = services.inspection_score(
        inspection=task,
        actor=quality,
        points=points,
        comments={"wording": "未使用统一口径"},
        comment="答复及时性一般，用语需规范",
    )
    assert (done.status, done.total, done.fatal) == ("scored", Decimal("82.0"), False)
    assert done.appeal_due_at is not None
    assert done.scored_at is not None
    assert done.appeal_due_at > done.scored_at
    assert InspectionScore.objects.get(inspection=task, item__code="wording").comment == (
        "未使用统一口径"
    )
    event = task.complaint.events.latest("seq")
    assert (event.type, event.data["quality_score"]) == ("inspected", "82.0")
    notice = Notification.objects.get(user=handler, kind="inspection")
    assert task.complaint.number in notice.text
    assert "82.0" in notice.text
    assert list(selectors.my_scores(handler)) == [done]


def test_a_fatal_item_failed_zeroes_the_score(task: Inspection, quality: Any) -> None:
    done = services.inspection_score(
        inspection=task, actor=quality, points={**FULL, "attitude": 0}, comment="辱骂客户"
    )
    assert (done.total, done.fatal) == (Decimal("0.0"), True)


@pytest.mark.parametrize(
    ("points", "field"),
    [
        ({**FULL, "politeness": 3}, "scores.politeness"),  # not on the sheet
        ({**FULL, "timeliness": 6}, "scores.timeliness"),  # above its scale
        ({**FULL, "timeliness": -1}, "scores.timeliness"),
        ({**FULL, "timeliness": "5"}, "scores.timeliness"),  # not a whole number
        ({k: v for k, v in FULL.items() if k != "records"}, "scores.records"),  # missing
    ],
)
def test_a_score_outside_the_sheet_is_refused_and_changes_nothing(
    task: Inspection, quality: Any, points: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        services.inspection_score(inspection=task, actor=quality, points=points)
    assert field in failed.value.fields
    task.refresh_from_db()
    assert (task.status, task.total) == ("open", None)
    assert not InspectionScore.objects.filter(inspection=task).exists()


def test_only_the_assigned_inspector_scores_and_only_once(
    task: Inspection, quality: Any, quality2: Any
) -> None:
    with pytest.raises(NotAllowed):
        services.inspection_score(inspection=task, actor=quality2, points=FULL)
    services.inspection_score(inspection=task, actor=quality, points=FULL)
    with pytest.raises(InvalidTransition):
        services.inspection_score(inspection=task, actor=quality, points={**FULL, "records": 1})
    task.refresh_from_db()
    assert task.total == Decimal("100.0")
    assert InspectionScore.objects.filter(inspection=task).count() == 6


def test_the_handler_appeals_in_time_and_another_inspector_revises_the_score(
    task: Inspection, quality: Any, quality2: Any, handler: Any, handler2: Any
) -> None:
    services.inspection_score(inspection=task, actor=quality, points={**FULL, "standard": 0})
    with pytest.raises(NotAllowed):
        services.inspection_appeal(inspection=task, actor=handler2, reason_text="不是我")
    with pytest.raises(ValidationFailed):
        services.inspection_appeal(inspection=task, actor=handler, reason_text=" ")
    appeal = services.inspection_appeal(
        inspection=task, actor=handler, reason_text="补偿金额符合条款BL-03，非违规"
    )
    assert (appeal.status, appeal.total_before, appeal.points_before["standard"]) == (
        "pending",
        Decimal("0.0"),
        0,
    )
    assert Notification.objects.filter(user=quality2, kind="inspection").exists()
    with pytest.raises(InvalidTransition):  # once
        services.inspection_appeal(inspection=task, actor=handler, reason_text="再申诉")
    with pytest.raises(NotAllowed):  # not by the one who scored
        services.appeal_decide(inspection=task, actor=quality, upheld=False, note="维持")
    with pytest.raises(ValidationFailed):  # upheld needs the revised scores
        services.appeal_decide(inspection=task, actor=quality2, upheld=True, note="改判")
    decided = services.appeal_decide(
        inspection=task,
        actor=quality2,
        upheld=True,
        note="核对条款，补偿在标准内",
        points={**FULL, "standard": 4},
    )
    task.refresh_from_db()
    assert (decided.status, decided.total_after, task.total, task.fatal) == (
        "upheld",
        Decimal("96.0"),
        Decimal("96.0"),
        False,
    )
    assert decided.points_after["standard"] == 4
    assert decided.points_before["standard"] == 0
    types = list(task.complaint.events.order_by("seq").values_list("type", flat=True))
    assert types[-3:] == ["inspected", "inspection_appealed", "appeal_decided"]
    with pytest.raises(InvalidTransition):
        services.appeal_decide(inspection=task, actor=quality2, upheld=False, note="再判")


def test_a_rejected_appeal_keeps_the_score(
    task: Inspection, quality: Any, quality2: Any, handler: Any
) -> None:
    services.inspection_score(inspection=task, actor=quality, points={**FULL, "records": 2})
    services.inspection_appeal(inspection=task, actor=handler, reason_text="记录已补齐")
    decided = services.appeal_decide(
        inspection=task, actor=quality2, upheld=False, note="结案时记录确实缺失"
    )
    task.refresh_from_db()
    assert (decided.status, decided.total_after, task.total) == (
        "rejected",
        Decimal("94.0"),
        Decimal("94.0"),
    )


def test_an_appeal_after_its_deadline_is_refused_and_changes_nothing(
    task: Inspection, quality: Any, handler: Any
) -> None:
    services.inspection_score(inspection=task, actor=quality, points=FULL)
    task.refresh_from_db()
    assert task.appeal_due_at is not None
    with clock.frozen(task.appeal_due_at + dt.timedelta(minutes=1)):
        assert not selectors.may_appeal(handler, task)
        with pytest.raises(InvalidTransition):
            services.inspection_appeal(inspection=task, actor=handler, reason_text="太晚了")
    assert selectors.appeal_of(Inspection.objects.get(pk=task.pk)) is None
    with clock.frozen(task.appeal_due_at):
        assert selectors.may_appeal(handler, task)


def test_a_task_by_hand_only_for_a_handled_complaint_and_once_while_open(
    complaint_in: Callable[..., Any], closed_last_week: Callable[..., Any], quality: Any,
    quality2: Any, handler: Any,
) -> None:  # fmt: skip
    with pytest.raises(NotAllowed):
        services.inspection_create(actor=handler, complaint=closed_last_week())
    with pytest.raises(ValidationFailed):
        services.inspection_create(actor=quality, complaint=complaint_in("in_progress"))
    complaint = closed_last_week()
    services.inspection_create(actor=quality, complaint=complaint, inspector=quality2)
    first = services.inspection_create(actor=quality, complaint=closed_last_week())
    assert first.inspector == quality  # the least loaded
    with pytest.raises(InvalidTransition):
        services.inspection_create(actor=quality, complaint=complaint)


def test_calibration_reports_the_inspectors_agreement(
    closed_last_week: Callable[..., Any], quality: Any, quality2: Any, admin_user: Any
) -> None:
    complaints = [closed_last_week() for _ in range(3)]
    round_ = services.calibration_create(
        actor=admin_user, name="十二月校准", complaints=complaints, inspectors=[quality, quality2]
    )
    tasks = {(t.complaint_id, t.inspector_id): t for t in round_.inspections.all()}
    assert len(tasks) == 6
    given = {quality.pk: [5, 3, 1], quality2.pk: [4, 3, 2]}  # timeliness per complaint
    for (complaint_id, inspector_id), t in tasks.items():
        i = [c.pk for c in complaints].index(complaint_id)
        who = quality if inspector_id == quality.pk else quality2
        services.inspection_score(
            inspection=t, actor=who, points={**FULL, "timeliness": given[inspector_id][i]}
        )
    report = selectors.calibration_agreement(round_)
    timeliness = next(i for i in report.items if i.code == "timeliness")
    assert timeliness.mad == pytest.approx(2 / 3)
    assert timeliness.alpha is not None
    assert 0 < timeliness.alpha < 1
    assert report.scored == report.tasks == 6
    # Calibration is about the inspectors: no handler hears of it, nothing to appeal.
    assert not Notification.objects.filter(kind="inspection").exists()
    assert all(t.appeal_due_at is None for t in round_.inspections.all())


def test_quality_scores_per_handler_and_department(
    closed_last_week: Callable[..., Any], quality: Any, handler: Any, handler2: Any,
    supervisor: Any, outsider: Any,
) -> None:  # fmt: skip
    for who, points in ((handler, FULL), (handler, {**FULL, "attitude": 0}), (handler2, FULL)):
        t = services.inspection_create(
            actor=quality, complaint=closed_last_week(handler=who), inspector=quality
        )
        services.inspection_score(inspection=t, actor=quality, points=points)
    today = clock.local_today()
    rows = {r.label: r for r in selectors.scores_by_handler(supervisor, today, today)}
    assert (rows["handler"].n, rows["handler"].mean, rows["handler"].fatal) == (
        2,
        Decimal("50.0"),
        1,
    )
    assert rows["handler"].fatal_rate == 0.5
    assert (rows["handler2"].n, rows["handler2"].mean) == (1, Decimal("100.0"))
    [billing] = selectors.scores_by_department(supervisor, today, today)
    assert (billing.department, billing.n, billing.fatal) == ("billing", 3, 1)
    # Another department's manager or handler sees none of billing's scores.
    assert selectors.scores_by_department(outsider, today, today) == []


def test_a_plan_gives_its_tasks_to_the_inspectors_it_names(
    closed_last_week: Callable[..., Any], quality: Any, quality2: Any
) -> None:
    for _ in range(4):
        closed_last_week(level="over_level")
    plan = SamplingPlan.objects.create(name="t", share=Decimal("0.05"), minimum=1)
    plan.inspectors.add(quality2)
    assert services.plan_sample(plan=plan)["drawn"] == 4
    assert set(Inspection.objects.values_list("inspector", flat=True)) == {quality2.pk}


def test_the_job_samples_every_active_plan_once(
    closed_last_week: Callable[..., Any], quality: Any
) -> None:
    from tousu.config import jobs

    for _ in range(3):
        closed_last_week()
    assert "quality.sample" in jobs.JOBS
    first = jobs.run("quality.sample")
    # The default plan (5 %, at least 2 per handler) draws 2 of the handler's 3.
    assert (first["plans"], first["drawn"]) == (1, 2)
    assert jobs.run("quality.sample")["drawn"] == 0
    assert Inspection.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_sample_each_complaint_once(
    closed_last_week: Callable[..., Any], quality: Any, quality2: Any
) -> None:
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent runs need PostgreSQL")
    for n in range(12):
        closed_last_week(level="over_level" if n % 3 == 0 else "ordinary")
    plan = SamplingPlan.objects.create(name="t", share=Decimal("0.25"), minimum=1, seed=3)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(services.plan_sample(plan=plan))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    first = Inspection.objects.first()
    assert first is not None
    assert first.period_start is not None
    expected = len(services.plan_draw(plan, first.period_start).picked)
    assert sum(r["drawn"] for r in results) == expected == Inspection.objects.count()
    assert SamplingRun.objects.filter(plan=plan).count() == 1


def test_a_score_keeps_the_sheet_version_it_used(
    closed_last_week: Callable[..., Any], quality: Any, admin_user: Any
) -> None:
    old = services.inspection_create(actor=quality, complaint=closed_last_week(), inspector=quality)
    services.inspection_score(inspection=old, actor=quality, points={**FULL, "wording": 0})
    v1 = old.sheet
    v2 = services.sheet_new_version(sheet=v1)
    # The new version weighs wording more and makes it fatal.
    v2.items.filter(code="wording").update(weight=40, fatal=True)
    new = services.inspection_create(actor=quality, complaint=closed_last_week(), inspector=quality)
    assert (new.sheet, new.sheet.version) == (v2, 2)
    services.inspection_score(inspection=new, actor=quality, points={**FULL, "wording": 0})
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.sheet_id, old.total, old.fatal) == (v1.pk, Decimal("90.0"), False)
    assert (new.total, new.fatal) == (Decimal("0.0"), True)
    # An inspection of the old version is still scored on the old items.
    assert [s.item.sheet_id for s in old.scores.select_related("item")] == [v1.pk] * 6


# ---- whose handling is scored -------------------------------------------------------------------


def _settled_at_first_contact(register: Callable[..., Any], agent: Any) -> Any:
    """A complaint dispatched to the billing handler at registration but resolved and closed
    by the registering agent at first contact: the handler never acted on it."""
    from tousu.accounts.models import Department
    from tousu.resolution.services import RemedyInput, complaint_close, complaint_resolve

    complaint = register(actor=agent)
    complaint = complaint_resolve(
        complaint=complaint,
        actor=agent,
        finding="not_true",
        cause="customer_misunderstanding",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("explanation", Decimal(0))],
        reply="已向您逐项解释计费依据。",
    )
    return complaint_close(complaint=complaint, actor=agent, customer_accepted=True)


def test_a_fatal_score_is_charged_to_whoever_resolved_not_the_handler_dispatch_named(
    register: Callable[..., Any], agent: Any, handler: Any, quality: Any, supervisor: Any
) -> None:
    complaint = _settled_at_first_contact(register, agent)
    assert complaint.handler == handler  # named by dispatch, never acted on it
    assert not complaint.events.filter(actor=handler).exists()

    task = services.inspection_create(actor=quality, complaint=complaint, inspector=quality)
    assert (task.handler, task.department) == (agent, agent.department)
    services.inspection_score(
        inspection=task, actor=quality, points={**FULL, "attitude": 0}, comment="态度恶劣"
    )

    # The 0 is the agent's: in their scores, told to them, theirs to appeal; none of it the
    # handler's, nor their department's ranking.
    assert [t.total for t in selectors.my_scores(agent)] == [Decimal("0.0")]
    assert list(selectors.my_scores(handler)) == []
    assert Notification.objects.filter(user=agent, kind="inspection").exists()
    assert not Notification.objects.filter(user=handler, kind="inspection").exists()
    today = clock.local_today()
    assert "handler" not in {r.label for r in selectors.scores_by_handler(quality, today, today)}
    assert selectors.scores_by_department(supervisor, today, today) == []  # billing's
    with pytest.raises(NotAllowed):
        services.inspection_appeal(inspection=task, actor=handler, reason_text="不是我处理的")


def test_the_plan_draws_each_handlers_share_from_what_they_handled(
    register: Callable[..., Any], agent: Any, handler: Any, quality: Any
) -> None:
    complaint = _settled_at_first_contact(register, agent)
    start = rules.period_of(clock.local(complaint.closed_at).date(), 7)[0]
    plan = SamplingPlan.objects.create(name="t", share=Decimal("0.1"), minimum=1, seed=3)

    draw = services.plan_draw(plan, start)

    assert draw.picked == {complaint.pk: "random"}  # the agent's minimum of one
    with clock.frozen(clock.now() + dt.timedelta(days=7)):
        services.plan_sample(plan=plan)
    assert Inspection.objects.get(plan=plan).handler == agent


def test_a_complaint_closed_as_a_duplicate_is_never_inspected(
    closed_last_week: Callable[..., Any],
    quality: Any,
    quality2: Any,
    admin_user: Any,
    last_week: tuple[dt.date, dt.datetime],
) -> None:
    """Merged into its original minutes after it came in, it has no handling of its own to
    judge: no plan draws it (not even of a mandatory kind), no task by hand, no calibration."""
    from tousu.complaints.models import Complaint

    start, _moment = last_week
    original = closed_last_week()
    duplicate = closed_last_week(level="over_level")
    Complaint.objects.filter(pk=duplicate.pk).update(duplicate_of=original)
    duplicate.refresh_from_db()
    plan = SamplingPlan.objects.create(name="t", share=Decimal("1"), minimum=1, seed=1)

    assert services.plan_draw(plan, start).picked == {original.pk: "random"}
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_create(actor=quality, complaint=duplicate)
    assert duplicate.number in str(refused.value.fields)
    with pytest.raises(ValidationFailed):
        services.calibration_create(
            actor=admin_user, name="校准", complaints=[original, duplicate],
            inspectors=[quality, quality2],
        )  # fmt: skip
    assert not Inspection.objects.exists()


def test_inspections_made_before_the_rule_are_repointed_unless_appealed(
    register: Callable[..., Any], agent: Any, handler: Any, quality: Any
) -> None:
    """The data migration: an inspection that named the handler dispatch assigned moves to the
    agent who resolved it (their department too); an appealed one keeps its name."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tousu.quality.migrations.0004_inspected_handler")
    old, appealed = (
        services.inspection_create(
            actor=quality, complaint=_settled_at_first_contact(register, agent), inspector=quality
        )
        for _ in range(2)
    )
    Inspection.objects.update(handler=handler, department=handler.department)  # as made before
    services.inspection_score(inspection=appealed, actor=quality, points=FULL)
    appealed.refresh_from_db()
    services.inspection_appeal(inspection=appealed, actor=handler, reason_text="不是我处理的")

    migration.repoint(apps, None)

    old.refresh_from_db()
    appealed.refresh_from_db()
    assert (old.handler, old.department) == (agent, agent.department)
    assert appealed.handler == handler

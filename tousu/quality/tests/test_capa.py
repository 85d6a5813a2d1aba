"""Corrective actions: opening, actions, the effectiveness check from the count tables, the
overdue escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from tousu.classification.models import Category
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.notifications.models import Notification
from tousu.quality import services
from tousu.quality.choices import CapaStatus
from tousu.quality.models import CapaAction, CorrectiveAction
from tousu.quality.tests.conftest import OPENED
from tousu.resolution.models import ConsistencyFlag, StandardClause

pytestmark = pytest.mark.django_db

DONE = dt.datetime(2026, 9, 5, 10, tzinfo=SHANGHAI)


def finish(capa: CorrectiveAction, actor: Any) -> CorrectiveAction:
    with clock.frozen(DONE):
        for action in capa.actions.all():
            services.capa_action_done(action=action, actor=actor, note="已完成")
    capa.refresh_from_db()
    return capa


def outcome(capa: CorrectiveAction) -> dict[str, Any]:
    assert capa.result is not None
    return capa.result


def at(day: dt.date) -> Any:
    return clock.frozen(dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI))


def test_the_last_action_done_starts_the_watched_period(
    open_capa: Callable[..., CorrectiveAction], handler: Any, quality: Any
) -> None:
    capa = open_capa(
        actions=[
            services.ActionDraft("恢复二次确认短信", handler, OPENED.date() + dt.timedelta(days=7)),
            services.ActionDraft("培训话术", quality, OPENED.date() + dt.timedelta(days=9)),
        ]
    )
    first, second = capa.actions.all()
    with clock.frozen(DONE):
        services.capa_action_done(action=first, actor=handler)
        capa.refresh_from_db()
        assert capa.status == CapaStatus.OPEN
        with pytest.raises(InvalidTransition):
            services.capa_action_done(action=first, actor=handler)
        services.capa_action_done(action=second, actor=quality, note="全员培训")
    capa.refresh_from_db()
    assert capa.status == CapaStatus.ACTIONS_DONE
    assert capa.actions_done_on == DONE.date()


def test_verifying_before_the_period_has_passed_is_refused_and_changes_nothing(
    open_capa: Callable[..., CorrectiveAction], handler: Any, quality: Any
) -> None:
    capa = finish(open_capa(), handler)
    last_watched = DONE.date() + dt.timedelta(days=30)
    with at(last_watched), pytest.raises(InvalidTransition, match="2026-10-06"):
        services.capa_verify(capa=capa, actor=quality)
    capa.refresh_from_db()
    assert (capa.status, capa.result, capa.verified_at) == (CapaStatus.ACTIONS_DONE, None, None)
    # An open one (actions not done) cannot be verified either.
    other = open_capa()
    with at(last_watched + dt.timedelta(days=60)), pytest.raises(InvalidTransition):
        services.capa_verify(capa=other, actor=quality)


def test_a_planted_fall_in_the_counts_closes_it_effective(
    open_capa: Callable[..., CorrectiveAction],
    plant_counts: Callable[..., None],
    handler: Any,
    quality: Any,
) -> None:
    capa = finish(open_capa(), handler)
    # 3 a day in the 30 days before opening, 1 a day in the 30 days after the actions; the
    # days in between (the actions' own) are not compared.
    plant_counts("billing.unexplained_charge", dt.date(2026, 8, 2), 30, 3)
    plant_counts("billing.unexplained_charge", dt.date(2026, 9, 1), 5, 9)
    plant_counts("billing.unexplained_charge", dt.date(2026, 9, 6), 30, 1)
    # Another category's counts are not the slice's.
    plant_counts("network.broadband_outage", dt.date(2026, 9, 6), 30, 7)

    with at(dt.date(2026, 10, 6)):
        services.capa_verify(capa=capa, actor=quality)
    capa.refresh_from_db()
    assert capa.status == CapaStatus.CLOSED_EFFECTIVE
    result = outcome(capa)
    assert (result["before"], result["after"]) == (90, 30)
    assert (result["before_first"], result["after_last"]) == ("2026-08-02", "2026-10-05")
    assert result["ratio"] == pytest.approx(1 / 3, abs=1e-3)
    assert result["p_value"] < 0.001
    assert result["reason"]["code"] == "capa.verdict.effective"


def test_without_a_fall_it_closes_not_effective_and_may_be_reopened(
    open_capa: Callable[..., CorrectiveAction],
    plant_counts: Callable[..., None],
    handler: Any,
    quality: Any,
) -> None:
    capa = finish(open_capa(), handler)
    plant_counts("billing.unexplained_charge", dt.date(2026, 8, 2), 30, 2)
    plant_counts("billing.unexplained_charge", dt.date(2026, 9, 6), 30, 2)
    with at(dt.date(2026, 10, 6)):
        services.capa_verify(capa=capa, actor=quality)
        capa.refresh_from_db()
        assert capa.status == CapaStatus.CLOSED_NOT_EFFECTIVE
        assert outcome(capa)["verdict"] == "no_fall"
        with pytest.raises(InvalidTransition):
            services.capa_verify(capa=capa, actor=quality)
        with pytest.raises(ValidationFailed):
            services.capa_reopen(capa=capa, actor=quality, actions=[])
        services.capa_reopen(
            capa=capa,
            actor=quality,
            actions=[services.ActionDraft("计费系统规则修正", handler, dt.date(2026, 10, 20))],
        )
    capa.refresh_from_db()
    assert (capa.status, capa.times_reopened, capa.actions_done_on) == (CapaStatus.OPEN, 1, None)
    assert outcome(capa)["previous"][0]["verdict"] == "no_fall"
    assert capa.actions.filter(done_at__isnull=True).count() == 1


def test_a_clause_based_one_compares_flags_per_closed_complaint(
    quality: Any, handler: Any, plant_counts: Callable[..., None], register: Callable[..., Any]
) -> None:
    clause = StandardClause.objects.create(
        code="BILL-01", title="不明扣费退还", text="核实后全额退还",
        category=Category.objects.get(code="billing"), effective_from=dt.date(2026, 1, 1),
    )  # fmt: skip
    with clock.frozen(OPENED):
        capa = services.capa_open(
            actor=quality, title="退费标准执行不一", source="clause", clause_code="BILL-01",
            root_cause="一线对条款理解不一", owner=handler, due_on=dt.date(2026, 9, 20),
            actions=[services.ActionDraft("条款培训", handler, dt.date(2026, 9, 3))],
        )  # fmt: skip
    capa = finish(capa, handler)
    complaint = register()

    def flag(day: dt.date) -> ConsistencyFlag:
        return ConsistencyFlag(
            complaint=complaint, clause=clause, kind="type_not_prescribed", reason={},
            created_at=dt.datetime.combine(day, dt.time(15), tzinfo=SHANGHAI),
        )  # fmt: skip

    ConsistencyFlag.objects.bulk_create(
        [flag(dt.date(2026, 8, 5) + dt.timedelta(days=i)) for i in range(20)]
        + [flag(dt.date(2026, 9, 10) + dt.timedelta(days=i)) for i in range(3)]
    )
    plant_counts("billing.unexplained_charge", dt.date(2026, 8, 2), 30, 4, measure="closed")
    plant_counts("billing.unexplained_charge", dt.date(2026, 9, 6), 30, 4, measure="closed")
    with at(dt.date(2026, 10, 6)):
        services.capa_verify(capa=capa, actor=quality)
    capa.refresh_from_db()
    r = outcome(capa)
    assert (r["unit"], r["before"], r["after"]) == ("flags_per_closed", 20, 3)
    assert (r["exposure_before"], r["exposure_after"]) == (120, 120)
    assert capa.status == CapaStatus.CLOSED_EFFECTIVE


def test_bad_input_changes_nothing(quality: Any, handler: Any, agent: Any, reference: None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.capa_open(
            actor=quality, title="", source="nowhere", root_cause="", owner=None,
            due_on=dt.date(1900, 1, 1),
            actions=[services.ActionDraft("", handler, dt.date(9999, 12, 31))],
        )  # fmt: skip
    assert set(caught.value.fields) == {
        "title", "source", "root_cause", "owner", "due_on", "category",
        "actions[0].title", "actions[0].due_on",
    }  # fmt: skip
    with pytest.raises(NotAllowed):
        services.capa_open(
            actor=agent, title="x", source="manual", root_cause="y", owner=agent,
            due_on=clock.local_today(), channel="hotline",
        )  # fmt: skip
    assert not CorrectiveAction.objects.exists()


def test_only_the_owners_or_managers_record_actions(
    open_capa: Callable[..., CorrectiveAction], outsider: Any, handler: Any
) -> None:
    capa = open_capa()
    action = capa.actions.get()
    with pytest.raises(NotAllowed):
        services.capa_action_done(action=action, actor=outsider)
    action.refresh_from_db()
    assert action.done_at is None


def test_an_overdue_action_tells_its_owner_then_the_supervisors_once(
    open_capa: Callable[..., CorrectiveAction], handler: Any, supervisor: Any, dept_head: Any
) -> None:
    capa = open_capa()
    due = capa.actions.get().due_on
    with at(due):
        assert jobs.run("quality.capa_overdue") == {"owners_told": 0, "escalated": 0}
    with at(due + dt.timedelta(days=1)):
        assert jobs.run("quality.capa_overdue") == {"owners_told": 1, "escalated": 0}
        assert jobs.run("quality.capa_overdue") == {"owners_told": 0, "escalated": 0}
    with at(due + dt.timedelta(days=3)):
        assert jobs.run("quality.capa_overdue") == {"owners_told": 0, "escalated": 1}
        assert jobs.run("quality.capa_overdue") == {"owners_told": 0, "escalated": 0}
    notices = list(Notification.objects.order_by("pk"))
    assert notices[0].user == handler
    assert {n.user for n in notices[1:]} == {supervisor, dept_head}
    assert [(n.message or {}).get("code") for n in notices] == [
        "notice.capa_action_overdue",
        *["notice.capa_action_escalated"] * 2,
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_escalate_once(
    open_capa: Callable[..., CorrectiveAction], handler: Any, supervisor: Any
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the claim is what PostgreSQL workers race on")
    capa = open_capa()
    due = capa.actions.get().due_on

    def run() -> Any:
        try:
            with at(due + dt.timedelta(days=5)):
                return jobs.run("quality.capa_overdue")
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: run(), range(2)))
    assert sum(r["owners_told"] for r in results) == 1
    assert sum(r["escalated"] for r in results) == 1
    assert Notification.objects.filter(user=handler).count() == 1
    assert CapaAction.objects.get().escalated_at is not None


def test_the_clause_list_counts_complaints_and_links_the_clause_s_open_action(
    quality: Any, handler: Any, register: Callable[..., Any]
) -> None:
    """The CAPA list's clauses with flags: how many flags on how many complaints (two flags of
    one complaint are one complaint), and a clause already under an open corrective action
    links to it instead of offering a second one."""
    from tousu.quality.selectors import clause_flag_counts
    from tousu.quality.tests.test_views import login

    billing = Category.objects.get(code="billing")
    clauses = [
        StandardClause.objects.create(
            code=code, title=code, text="…", category=billing, effective_from=dt.date(2026, 1, 1)
        )
        for code in ("BILL-01", "BILL-02")
    ]
    complaint = register()
    ConsistencyFlag.objects.bulk_create(
        ConsistencyFlag(
            complaint=complaint, clause=clause, kind=kind, reason={}, created_at=clock.now()
        )
        for clause in clauses
        for kind in ("type_not_prescribed", "amount_below")
    )
    with clock.frozen(OPENED):
        capa = services.capa_open(
            actor=quality, title="退费标准执行不一", source="clause", clause_code="BILL-01",
            root_cause="一线对条款理解不一", owner=handler, due_on=dt.date(2026, 9, 20),
            actions=[services.ActionDraft("条款培训", handler, dt.date(2026, 9, 3))],
        )  # fmt: skip
    rows = {r["code"]: r for r in clause_flag_counts(quality)}
    assert rows["BILL-01"] == {"code": "BILL-01", "flags": 2, "complaints": 1, "capa": capa.pk}
    assert rows["BILL-02"]["capa"] is None
    page = login(quality).get("/quality/capa/").content.decode()
    bill01 = page.split('data-clause="BILL-01"')[1].split("</li>")[0]
    assert f"/quality/capa/{capa.pk}/" in bill01
    assert "source=clause" not in bill01
    assert "source=clause&amp;clause=BILL-02" in page

"""Identification from each source, one case per customer, the idempotent job, the plan, and
every transition and permission of a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.callbacks.signals import surveys_imported
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.customers.models import Customer
from tousu.desk.work import work_queue
from tousu.repair import jobs, services
from tousu.repair.models import RepairCase, RepairFact
from tousu.sla.services import complaint_reopen

Make = Callable[..., CallbackTask]


def only_case(customer_id: int) -> RepairCase:
    (case,) = RepairCase.objects.filter(customer=customer_id)
    return case


@pytest.mark.parametrize("action", ["repair", "reopen"])
def test_every_dissatisfied_callback_opens_a_case_with_its_plan(
    dissatisfied: Make, action: str
) -> None:
    task = dissatisfied(action=action)
    case = only_case(task.complaint.customer_id)
    # A billing complaint about an unexplained charge: a tariff repair, owned by billing.
    assert (case.type, case.source, case.status) == ("tariff", "callback", "open")
    assert case.department.code == "billing"
    assert case.complaint == task.complaint
    assert case.callback == task
    assert [a.step for a in case.actions.all()] == ["contact", "bill_check", "refund", "follow_up"]
    assert all(a.department.code == "billing" and a.done_at is None for a in case.actions.all())
    assert case.satisfaction_before == 2  # the mean of the callback's factor scores
    events = list(task.complaint.events.values_list("type", flat=True))
    assert events[-1] == "repair_opened"
    assert RepairFact.objects.get(case=case).repaired is False


def test_the_agents_coded_reason_types_the_case(dissatisfied: Make) -> None:
    task = dissatisfied(reasons=["network"], overall=1)
    case = only_case(task.complaint.customer_id)
    assert (case.type, case.department.code, case.satisfaction_before) == ("network", "network", 1)
    assert "network_test" in [a.step for a in case.actions.all()]  # the follow-up test


def test_a_low_overall_score_finds_a_basically_satisfied_customer(dissatisfied: Make) -> None:
    task = dissatisfied(result="basically_satisfied", overall=2)
    assert only_case(task.complaint.customer_id).source == "callback"


def test_an_unreachable_customer_is_found_too(dissatisfied: Make) -> None:
    task = dissatisfied(result="unreachable")
    case = only_case(task.complaint.customer_id)
    assert case.source == "unreachable"
    assert case.satisfaction_before is None


def test_a_satisfied_callback_finds_nobody(dissatisfied: Make) -> None:
    dissatisfied(result="satisfied", overall=4)
    assert not RepairCase.objects.exists()


def test_a_second_source_joins_the_customers_open_case(dissatisfied: Make) -> None:
    first = dissatisfied()
    second = dissatisfied(reasons=["network"])  # same customer (the builder's phone)
    case = only_case(first.complaint.customer_id)
    assert second.complaint.customer_id == first.complaint.customer_id
    assert sorted(case.sources.values_list("key", flat=True)) == sorted(
        [f"callback:{first.pk}", f"callback:{second.pk}"]
    )
    assert case.type == "tariff"  # the case keeps the type it was opened with


def test_the_job_catches_what_the_signal_missed_and_a_second_run_opens_nothing(
    complaint_in: Callable[..., Complaint], agent: Any
) -> None:
    from tousu.callbacks.services import complaint_callback_record

    complaint = complaint_in("closed")
    # Recorded without running the after-commit signal: as if the worker died.
    complaint_callback_record(
        complaint=complaint, actor=agent, result="dissatisfied", scores={}, comment=""
    )
    assert not RepairCase.objects.exists()
    # The callback and the reopening it caused: two records, one customer, one case.
    assert jobs.identify() == {"found": 2}
    assert jobs.identify() == {"found": 0}
    case = only_case(complaint.customer_id)
    assert sorted(case.sources.values_list("source", flat=True)) == ["callback", "reopened"]


def test_reopened_and_repeat_complaints_are_found_by_the_job(
    complaint_in: Callable[..., Complaint], handler: Any
) -> None:
    reopened = complaint_in("resolved", customer_phone="13900000001")
    complaint_reopen(complaint=reopened, actor=handler, reason="客户不认可答复")
    first = complaint_in("closed", customer_phone="13900000002")
    repeat = complaint_in("in_progress", customer_phone="13900000002", repeat_of=first)
    jobs.identify()
    assert only_case(reopened.customer_id).source == "reopened"
    case = only_case(repeat.customer_id)
    assert (case.source, case.type) == ("repeat", "tariff")


def test_a_survey_import_finds_the_customers_who_never_complained(
    reference: None, django_capture_on_commit_callbacks: Any
) -> None:
    low = Customer.objects.create(phone="13700000001")
    fine = Customer.objects.create(phone="13700000002")
    now = clock.now()
    for row, (customer, overall, scores) in enumerate(
        [(low, 2, {"network": 4, "data_usage": 1}), (fine, 5, {"network": 5})]
    ):
        SurveyResponse.objects.create(
            customer=customer, surveyed_at=now, overall=overall, scores=scores,
            batch="b1", row=row, created_at=now,
        )  # fmt: skip
    surveys_imported.send(sender=SurveyResponse, batch="b1", count=2)
    case = only_case(low.pk)
    assert (case.source, case.type, case.complaint) == ("survey", "data_usage", None)
    assert not RepairCase.objects.filter(customer=fine).exists()
    assert jobs.identify() == {"found": 0}


def test_a_record_older_than_the_customers_finished_repair_opens_nothing(
    dissatisfied: Make, handler: Any
) -> None:
    task = dissatisfied()
    case = only_case(task.complaint.customer_id)
    services.repair_case_close(case=case, actor=handler, satisfaction_after=4)
    old = dissatisfied()  # recorded now, but say it was recorded before the repair closed
    CallbackTask.objects.filter(pk=old.pk).update(done_at=clock.now() - dt.timedelta(days=1))
    RepairCase.objects.filter(pk=case.pk).update(closed_at=clock.now())
    from tousu.repair.models import RepairCaseSource

    RepairCaseSource.objects.filter(key=f"callback:{old.pk}").delete()
    RepairCase.objects.exclude(pk=case.pk).delete()
    assert jobs.identify() == {"found": 0}


# ---- transitions ------------------------------------------------------------------------------


def test_doing_a_step_takes_the_case_and_logs_the_contact(dissatisfied: Make, handler: Any) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    services.repair_action_record(
        case=case, actor=handler, step="contact", note="已致电客户", contact_outcome="reached"
    )
    case.refresh_from_db()
    assert (case.status, case.owner) == ("in_progress", handler)
    action = case.actions.get(step="contact")
    assert action.done_by == handler
    assert action.note == "已致电客户"
    assert case.contacts.get().outcome == "reached"


def test_a_contact_without_a_step_goes_to_the_log(dissatisfied: Make, handler: Any) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    services.repair_action_record(case=case, actor=handler, contact_outcome="unreachable")
    assert case.contacts.get().action is None
    assert not case.actions.filter(done_at__isnull=False).exists()


@pytest.mark.parametrize(
    "kw",
    [
        {"step": "no_such_step"},
        {},
        {"contact_outcome": "maybe"},
        {"step": "contact", "note": "长" * 2001},
    ],
)
def test_a_bad_action_changes_nothing(dissatisfied: Make, handler: Any, kw: dict[str, str]) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    with pytest.raises(ValidationFailed):
        services.repair_action_record(case=case, actor=handler, **kw)
    case.refresh_from_db()
    assert case.status == "open"
    assert case.owner is None
    assert not case.contacts.exists()
    assert not case.actions.filter(done_at__isnull=False).exists()


def test_a_step_is_done_once(dissatisfied: Make, handler: Any) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    services.repair_action_record(case=case, actor=handler, step="contact")
    with pytest.raises(ValidationFailed):
        services.repair_action_record(case=case, actor=handler, step="contact")


def test_closing_records_the_new_satisfaction_and_the_fact(
    dissatisfied: Make, handler: Any
) -> None:
    task = dissatisfied()
    case = only_case(task.complaint.customer_id)
    services.repair_case_close(case=case, actor=handler, satisfaction_after=5, outcome="已改套餐")
    case.refresh_from_db()
    assert (case.status, case.satisfaction_after, case.outcome) == ("closed", 5, "已改套餐")
    fact = RepairFact.objects.get(case=case)
    assert (fact.repaired, fact.before, fact.after) == (True, 2, 5)
    assert task.complaint.events.latest("seq").type == "repair_closed"


@pytest.mark.parametrize("score", [0, 6, None, "4", True, 3.5])
def test_a_score_outside_1_to_5_is_refused(dissatisfied: Make, handler: Any, score: Any) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    with pytest.raises(ValidationFailed):
        services.repair_case_close(case=case, actor=handler, satisfaction_after=score)
    case.refresh_from_db()
    assert case.status == "open"
    assert case.satisfaction_after is None


def test_a_closed_case_takes_no_action_and_no_second_close(
    dissatisfied: Make, handler: Any
) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    services.repair_case_close(case=case, actor=handler, satisfaction_after=4)
    with pytest.raises(InvalidTransition):
        services.repair_action_record(case=case, actor=handler, step="contact")
    with pytest.raises(InvalidTransition):
        services.repair_case_close(case=case, actor=handler, satisfaction_after=5)
    with pytest.raises(InvalidTransition):
        services.repair_case_cancel(case=case, actor=handler, reason="x")
    case.refresh_from_db()
    assert case.satisfaction_after == 4
    assert not case.contacts.exists()


def test_a_cancelled_case_frees_the_customer_for_a_new_one(
    dissatisfied: Make, handler: Any
) -> None:
    first = dissatisfied()
    case = only_case(first.complaint.customer_id)
    services.repair_case_cancel(case=case, actor=handler, reason="客户已表示满意")
    dissatisfied()
    assert RepairCase.objects.filter(customer=case.customer, status="open").count() == 1


def test_open_by_hand_one_per_customer(reference: None, supervisor: Any, handler: Any) -> None:
    customer = Customer.objects.create(phone="13700000009")
    with pytest.raises(NotAllowed):
        services.repair_case_open(actor=handler, customer=customer, type="network")
    with pytest.raises(ValidationFailed):
        services.repair_case_open(actor=supervisor, customer=customer, type="weather")
    case = services.repair_case_open(actor=supervisor, customer=customer, type="network")
    assert (case.source, case.department.code) == ("manual", "network")
    with pytest.raises(InvalidTransition):
        services.repair_case_open(actor=supervisor, customer=customer, type="tariff")


# ---- permissions and the work queue -----------------------------------------------------------


def test_an_outsider_may_not_act(dissatisfied: Make, outsider: Any, agent: Any) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    for who in (outsider, agent):
        with pytest.raises(NotAllowed):
            services.repair_action_record(case=case, actor=who, contact_outcome="reached")
        with pytest.raises(NotAllowed):
            services.repair_case_close(case=case, actor=who, satisfaction_after=5)


def test_the_case_is_in_the_owner_departments_queue_only(
    dissatisfied: Make, handler: Any, outsider: Any, agent: Any
) -> None:
    task = dissatisfied()
    case = only_case(task.complaint.customer_id)
    items = [i for i in work_queue(handler).items if i.kind == "repair"]
    assert [i.repair for i in items] == [case]
    assert items[0].due_at == case.actions.get(step="contact").due_at
    assert work_queue(handler).counts["repair"] == 1
    for other in (outsider, agent):
        assert not [i for i in work_queue(other).items if i.kind == "repair"]


def test_once_taken_the_case_leaves_the_colleagues_queue(
    dissatisfied: Make, handler: Any, handler2: Any
) -> None:
    case = only_case(dissatisfied().complaint.customer_id)
    assert [i.repair for i in work_queue(handler2).items if i.repair] == [case]
    services.repair_action_record(case=case, actor=handler, step="contact")
    assert not [i for i in work_queue(handler2).items if i.repair]
    assert [i.repair for i in work_queue(handler).items if i.repair] == [case]
    services.repair_case_close(case=case, actor=handler, satisfaction_after=4)
    assert not [i for i in work_queue(handler).items if i.repair]


def test_a_department_with_a_step_sees_the_case(dissatisfied: Make, outsider: Any) -> None:
    from tousu.accounts.models import Department
    from tousu.repair.models import RepairAction
    from tousu.repair.selectors import case_list

    case = only_case(dissatisfied().complaint.customer_id)
    assert list(case_list(outsider)) == []
    network = Department.objects.get(code="network")
    RepairAction.objects.create(
        case=case, step="site_test", title="上门测试", department=network, due_at=clock.now()
    )
    assert list(case_list(outsider)) == [case]
    assert [i.repair for i in work_queue(outsider).items if i.repair] == [case]


# ---- the facts job --------------------------------------------------------------------------


def test_the_facts_job_settles_repeats_after_90_days_once(
    dissatisfied: Make, handler: Any, complaint_in: Callable[..., Complaint]
) -> None:
    task = dissatisfied()
    case = only_case(task.complaint.customer_id)
    services.repair_case_close(case=case, actor=handler, satisfaction_after=4)
    assert jobs.facts()["repeat_settled"] == 0  # the 90 days have not passed
    later = clock.now() + dt.timedelta(days=91)
    complaint_in("dispatched", received_at=clock.now() + dt.timedelta(days=10))
    with clock.frozen(later):
        assert jobs.facts()["repeat_settled"] == 1
        assert jobs.facts()["repeat_settled"] == 0
    assert RepairFact.objects.get(case=case).repeat_90d is True

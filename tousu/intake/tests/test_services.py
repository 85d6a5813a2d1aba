"""`complaint_register`: numbering, customers, classification, levels, dispatch, validation,
concurrency and idempotency."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from tousu.accounts.models import User
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.selectors import timeline_verify
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import Conflict, NotAllowed, ValidationFailed
from tousu.customers.models import Customer
from tousu.intake.services import (
    Registration,
    complaint_register,
    complaint_register_idempotent,
)

# 01:00 in Shanghai is still the previous day in UTC: numbers follow the local date.
EARLY_MORNING = dt.datetime(2026, 11, 20, 1, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at_early_morning() -> Iterator[dt.datetime]:
    with clock.frozen(EARLY_MORNING):
        yield EARLY_MORNING


def counts() -> tuple[int, int, int]:
    return Complaint.objects.count(), Customer.objects.count(), ComplaintEvent.objects.count()


def events(complaint: Complaint) -> list[str]:
    return list(complaint.events.order_by("seq").values_list("type", flat=True))


# ---- numbering ---------------------------------------------------------------------------


def test_numbers_are_ts_local_date_and_a_daily_sequence(
    register: Callable[..., Complaint], at_early_morning: dt.datetime
) -> None:
    first, second, third = register(), register(), register()
    assert [first.number, second.number, third.number] == [
        "TS202611200001",
        "TS202611200002",
        "TS202611200003",
    ]


def test_the_sequence_starts_again_on_the_next_local_day(
    register: Callable[..., Complaint],
) -> None:
    with clock.frozen(dt.datetime(2026, 11, 20, 23, 59, tzinfo=SHANGHAI)):
        late = register()
    with clock.frozen(dt.datetime(2026, 11, 21, 0, 1, tzinfo=SHANGHAI)):
        next_day = register()
    assert late.number == "TS202611200001"
    assert next_day.number == "TS202611210001"


def test_numbers_grow_past_9999_on_a_busy_day(
    register: Callable[..., Complaint], at_early_morning: dt.datetime
) -> None:
    from tousu.complaints.models import DailySequence

    DailySequence.objects.create(day=EARLY_MORNING.date(), last=9999)
    complaint = register()
    assert complaint.number == "TS2026112010000"
    assert Complaint.objects.get(number="TS2026112010000").pk == complaint.pk


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_under_concurrency(reference: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs row locks across connections; {connection.vendor} serialises writes")
    threads, per_thread = 8, 5
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    moment = clock.now()

    def work(index: int) -> None:
        try:
            start.wait()
            with clock.frozen(moment):
                for i in range(per_thread):
                    complaint = complaint_register(
                        registration=Registration(
                            channel="hotline",
                            content=f"话费多扣了，第 {index}-{i} 次反映",
                            customer_phone=f"139{index:04d}{i:04d}",
                        ),
                        actor=None,
                    )
                    with lock:
                        numbers.append(complaint.number)
        except BaseException as exc:  # collected and re-raised in the test thread
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not failures, failures
    assert len(numbers) == threads * per_thread
    assert len(set(numbers)) == threads * per_thread
    day = clock.local(moment).strftime("%Y%m%d")
    assert all(number.startswith("TS" + day) for number in numbers)
    assert sorted(int(number[10:]) for number in numbers) == list(range(1, 41))
    assert Complaint.objects.count() == 40
    assert timeline_verify()[1] == []


# ---- customers ---------------------------------------------------------------------------


def test_the_customer_is_created_on_first_contact_and_reused_by_phone(
    register: Callable[..., Complaint],
) -> None:
    first = register(customer_phone="13800138000", customer_name="张三")
    second = register(customer_phone="+86 138-0013-8000", customer_name="")
    third = register(customer_phone="１３８００１３８０００", channel="web")
    assert first.customer_id == second.customer_id == third.customer_id
    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert customer.phone == "13800138000"
    assert customer.name == "张三"


def test_a_later_complaint_fills_in_missing_customer_details_but_never_overwrites(
    register: Callable[..., Complaint],
) -> None:
    register(customer_name="")
    register(customer_name="张三", customer_account="025-88886666", region="nanjing")
    register(customer_name="李四", region="suzhou")
    customer = Customer.objects.get()
    assert customer.name == "张三"
    assert customer.account == "025-88886666"
    assert customer.region is not None
    assert customer.region.code == "nanjing"


def test_a_different_phone_is_a_different_customer(register: Callable[..., Complaint]) -> None:
    a = register(customer_phone="13800138000")
    b = register(customer_phone="13900139000")
    assert a.customer_id != b.customer_id


# ---- classification, level, dispatch -----------------------------------------------------


def test_keywords_classify_the_complaint(register: Callable[..., Complaint]) -> None:
    complaint = register(category="", content="这个月话费又多扣了，莫名其妙乱扣费")
    assert complaint.category is not None
    assert complaint.category.code == "billing.unexplained_charge"
    assert complaint.category_source == "model"
    assert complaint.category_confidence is not None
    assert 0 < complaint.category_confidence <= 1
    classified = complaint.events.get(type="classified")
    assert classified.actor_name == "system"
    assert classified.data["source"] == "model"
    assert classified.data["model_version"]


def test_a_given_category_is_not_second_guessed(register: Callable[..., Complaint]) -> None:
    complaint = register(category="billing.roaming", content="话费多扣了")
    assert complaint.category is not None
    assert complaint.category.code == "billing.roaming"
    assert complaint.category_source == "given"
    assert complaint.category_confidence is None


def test_without_keywords_there_is_no_category_and_the_complaint_office_takes_it(
    register: Callable[..., Complaint],
) -> None:
    complaint = register(category="", content="我要投诉，请尽快联系我")
    assert complaint.category is None
    assert complaint.category_source == ""
    assert complaint.department is not None
    assert complaint.department.code == "complaint_office"
    # ...and the customer is told it was received (issue 17).
    assert events(complaint) == ["registered", "dispatched", "message_out"]


def test_a_regulator_referral_is_over_level_with_a_24_hour_limit(
    register: Callable[..., Complaint],
) -> None:
    received = clock.now() - dt.timedelta(hours=2)
    complaint = register(channel="regulator", level="ordinary", received_at=received)
    assert complaint.level == "over_level"
    assert complaint.time_limit_policy == "regulator"
    assert complaint.resolution_due - complaint.received_at == dt.timedelta(hours=24)
    assert complaint.first_response_due - complaint.received_at == dt.timedelta(minutes=30)
    assert complaint.received_at == received


def test_an_ordinary_complaint_has_three_working_days(
    register: Callable[..., Complaint],
) -> None:
    friday = dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
    with clock.frozen(friday):
        complaint = register(received_at=friday)
    assert complaint.level == "ordinary"
    assert complaint.time_limit_policy == "ordinary"
    # 27 working hours (09:00–18:00) and 2 to the first response, over the weekend.
    assert complaint.resolution_due == dt.datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
    assert complaint.first_response_due == friday + dt.timedelta(hours=2)


def test_registration_dispatches_to_the_category_department_with_its_events(
    register: Callable[..., Complaint], agent: User
) -> None:
    complaint = register(actor=agent, category="", content="宽带天天断网掉线，报修也没人来")
    assert complaint.status == "dispatched"
    assert complaint.category is not None
    assert complaint.category.code == "network.broadband_outage"
    assert complaint.department is not None
    assert complaint.department.code == "broadband"
    assert complaint.handler is None
    assert complaint.registered_by == agent
    # The acknowledgement to the customer last, in the same transaction (issue 17).
    assert events(complaint) == ["registered", "classified", "dispatched", "message_out"]
    registered, _, dispatched, acknowledged = complaint.events.order_by("seq")
    assert acknowledged.data["kind"] == "acknowledgement"
    assert registered.actor == agent
    assert registered.data["channel"] == "hotline"
    assert dispatched.data["department"] == "broadband"
    assert dispatched.data["rule"]
    assert timeline_verify([complaint.number]) == (1, [])


def test_a_sub_category_without_its_own_route_uses_its_parent_route(
    register: Callable[..., Complaint],
) -> None:
    from tousu.classification.models import Category
    from tousu.routing.models import RoutingRule

    leaf = Category.objects.get(code="billing.roaming")
    RoutingRule.objects.filter(category=leaf).delete()
    complaint = register(category="billing.roaming")
    assert complaint.department is not None
    assert complaint.department.code == "billing"


def test_the_public_submission_is_recorded_as_the_customer(
    register: Callable[..., Complaint],
) -> None:
    complaint = complaint_register(
        registration=Registration(channel="web", content="多扣话费", customer_phone="13800138000"),
        actor=None,
        actor_name="customer",
    )
    assert complaint.registered_by is None
    assert complaint.events.get(type="registered").actor_name == "customer"


# ---- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"content": ""}, "content"),
        ({"content": " \x00\x07\r\n "}, "content"),
        ({"content": "多" * 10_001}, "content"),
        ({"demand": "退" * 2_001}, "demand"),
        ({"customer_phone": "12345"}, "customer.phone"),
        ({"customer_phone": "138001380001"}, "customer.phone"),
        ({"customer_name": "张" * 65}, "customer.name"),
        ({"customer_account": "1" * 33}, "customer.account"),
        ({"external_ref": "R" * 65}, "external_ref"),
        ({"region": "atlantis"}, "customer.region"),
        ({"category": "billing.nonsense"}, "category"),
        ({"level": "urgent"}, "level"),
        ({"received_at": dt.datetime(2026, 11, 20, 9, 30)}, "received_at"),
        ({"received_at": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}, "received_at"),
    ],
)
def test_invalid_registrations_name_the_field_and_leave_nothing_behind(
    register: Callable[..., Complaint], fields: dict[str, Any], field: str
) -> None:
    register(customer_phone="13900000000")  # something to compare against
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        register(**fields)
    assert field in info.value.fields
    assert info.value.fields[field]
    assert counts() == before


def test_every_invalid_field_is_reported_at_once(register: Callable[..., Complaint]) -> None:
    with pytest.raises(ValidationFailed) as info:
        register(channel="fax", content="", customer_phone="x")
    assert {"channel", "content", "customer.phone"} <= set(info.value.fields)
    assert counts() == (0, 0, 0)


def test_content_of_exactly_10000_characters_is_stored_whole(
    register: Callable[..., Complaint],
) -> None:
    text = "多扣" * 5_000
    complaint = register(content=text)
    assert Complaint.objects.get(pk=complaint.pk).content == text


def test_a_received_time_a_little_ahead_is_clock_drift_not_the_future(
    register: Callable[..., Complaint],
) -> None:
    complaint = register(received_at=clock.now() + dt.timedelta(minutes=2))
    assert complaint.pk


@pytest.mark.parametrize(
    "received_at",
    [
        dt.datetime(1, 1, 1, tzinfo=SHANGHAI),  # no UTC time: the arithmetic overflowed
        dt.datetime(1, 1, 1, 9, 30, tzinfo=SHANGHAI),  # was registered, overdue since year 1
        dt.datetime(1900, 1, 1, 9, 30, tzinfo=SHANGHAI),  # was registered, escalated at once
        dt.datetime(1999, 12, 31, 23, 59, tzinfo=SHANGHAI),
        dt.datetime(1999, 12, 31, 15, 59, tzinfo=dt.UTC),  # the same day, given in UTC
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
    ],
)
def test_a_received_time_out_of_range_is_refused_on_its_field(
    register: Callable[..., Complaint], received_at: dt.datetime
) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as info:
        register(received_at=received_at)
    assert list(info.value.fields) == ["received_at"]
    assert info.value.fields["received_at"][0] in (
        "受理时间不能早于 2000-01-01",
        "受理时间不能晚于当前时间",
    )
    assert counts() == (0, 0, 0)


def test_the_earliest_received_time_is_accepted_and_configurable(
    register: Callable[..., Complaint], settings: Any
) -> None:
    first = register(received_at=dt.datetime(2000, 1, 1, tzinfo=SHANGHAI))
    assert first.received_at == dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)
    settings.TOUSU_EARLIEST_RECEIVED = dt.date(2010, 1, 1)
    with translation.override("en"), pytest.raises(ValidationFailed) as info:
        register(received_at=dt.datetime(2009, 12, 31, 23, 59, tzinfo=SHANGHAI))
    assert info.value.fields == {
        "received_at": ["The time received cannot be earlier than 2010-01-01"]
    }


def test_roles_that_do_not_register_are_refused_and_nothing_is_written(
    register: Callable[..., Complaint], analyst: User, quality: User
) -> None:
    for user in (analyst, quality):
        with pytest.raises(NotAllowed):
            register(actor=user)
    assert counts() == (0, 0, 0)


def test_text_is_cleaned_but_kept_as_typed(register: Callable[..., Complaint]) -> None:
    complaint = register(
        content="\ufeff话费多扣😡，。！My bill 繁體字\x00\x07\r\n第二行  ",
        demand="退还\x00多扣费用",
        customer_name="张三\x07",
    )
    complaint.refresh_from_db()
    assert complaint.content == "话费多扣😡，。！My bill 繁體字\n第二行"
    assert complaint.demand == "退还多扣费用"
    assert complaint.customer.name == "张三"


# ---- idempotency ---------------------------------------------------------------------------


def _registration(**fields: Any) -> Registration:
    data: dict[str, Any] = {
        "channel": "hotline",
        "content": "上个月话费无故多扣了58元",
        "customer_phone": "13800138000",
    }
    data.update(fields)
    return Registration(**data)


def test_the_same_key_and_body_return_the_first_complaint(reference: None, agent: User) -> None:
    body = {"channel": "hotline", "content": "上个月话费无故多扣了58元"}
    first, created = complaint_register_idempotent(
        registration=_registration(), actor=agent, key="crm-42", body=body
    )
    again, created_again = complaint_register_idempotent(
        registration=_registration(), actor=agent, key="crm-42", body=dict(reversed(body.items()))
    )
    assert created is True
    assert created_again is False
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(reference: None, agent: User) -> None:
    complaint_register_idempotent(
        registration=_registration(), actor=agent, key="crm-42", body={"content": "a"}
    )
    before = counts()
    with pytest.raises(Conflict):
        complaint_register_idempotent(
            registration=_registration(content="另一件事"),
            actor=agent,
            key="crm-42",
            body={"content": "b"},
        )
    assert counts() == before


def test_the_key_belongs_to_the_user(reference: None, agent: User, handler: User) -> None:
    body = {"content": "a"}
    mine, _ = complaint_register_idempotent(
        registration=_registration(), actor=agent, key="k-1", body=body
    )
    theirs, created = complaint_register_idempotent(
        registration=_registration(), actor=handler, key="k-1", body=body
    )
    assert created is True
    assert theirs.pk != mine.pk
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize("key", ["", "   ", "k" * 129])
def test_an_unusable_key_is_a_validation_error(reference: None, agent: User, key: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        complaint_register_idempotent(registration=_registration(), actor=agent, key=key, body={})
    assert "Idempotency-Key" in info.value.fields
    assert Complaint.objects.count() == 0


def test_a_failed_registration_does_not_burn_the_key(reference: None, agent: User) -> None:
    with pytest.raises(ValidationFailed):
        complaint_register_idempotent(
            registration=_registration(customer_phone="bad"), actor=agent, key="k", body={"a": 1}
        )
    complaint, created = complaint_register_idempotent(
        registration=_registration(), actor=agent, key="k", body={"a": 2}
    )
    assert created is True
    assert complaint.pk


def test_a_retry_undoes_all_of_its_own_registration(
    reference: None, agent: User, handler: User
) -> None:
    """The key is checked by its INSERT, last: the retry's registration up to there (customer,
    number, handler's assignment, notifications) is rolled back, and the first one answers."""
    from tousu.complaints.models import DailySequence
    from tousu.notifications.models import Notification
    from tousu.routing.models import HandlerProfile

    body = {"content": "a"}
    first, _ = complaint_register_idempotent(
        registration=_registration(), actor=agent, key="k", body=body
    )
    assert first.handler == handler
    before = (
        counts(),
        Notification.objects.count(),
        list(HandlerProfile.objects.values_list("user", "last_assigned_at")),
        list(DailySequence.objects.values_list("day", "last")),
    )
    with clock.frozen(clock.now() + dt.timedelta(hours=1)):
        again, created = complaint_register_idempotent(
            registration=_registration(customer_phone="13900139000"),
            actor=agent,
            key="k",
            body=body,
        )
    assert (again.pk, created) == (first.pk, False)
    assert before == (
        counts(),
        Notification.objects.count(),
        list(HandlerProfile.objects.values_list("user", "last_assigned_at")),
        list(DailySequence.objects.values_list("day", "last")),
    )


def test_a_retry_gets_the_first_complaint_when_its_body_is_no_longer_valid(
    reference: None, agent: User
) -> None:
    from tousu.classification.models import Category

    registration = _registration(category="billing.unexplained_charge")
    first, _ = complaint_register_idempotent(
        registration=registration, actor=agent, key="k", body={"a": 1}
    )
    Category.objects.filter(code="billing.unexplained_charge").update(active=False)
    again, created = complaint_register_idempotent(
        registration=registration, actor=agent, key="k", body={"a": 1}
    )
    assert (again.pk, created) == (first.pk, False)


def test_the_same_key_with_another_invalid_body_is_still_a_conflict(
    reference: None, agent: User
) -> None:
    complaint_register_idempotent(registration=_registration(), actor=agent, key="k", body={"a": 1})
    with pytest.raises(Conflict):
        complaint_register_idempotent(
            registration=_registration(customer_phone="bad"), actor=agent, key="k", body={"a": 2}
        )


def _at_once(threads: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(index)` in `threads` threads started together, each on its own connection; the
    results, or the first failure re-raised."""
    results: list[Any] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(index: int) -> None:
        try:
            start.wait()
            result = work(index)
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and re-raised in the test thread
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not failures, failures
    return results


@pytest.mark.django_db(transaction=True)
def test_a_new_customer_complaining_on_two_channels_at_once_is_one_customer(
    reference: None,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs row locks across connections; {connection.vendor} serialises writes")
    complaints = _at_once(
        6,
        lambda n: complaint_register(
            registration=_registration(content=f"话费多扣了，第 {n} 次反映"), actor=None
        ),
    )
    assert len(complaints) == 6
    assert Customer.objects.count() == 1
    assert {c.customer_id for c in complaints} == {Customer.objects.get().pk}
    assert timeline_verify()[1] == []


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_registers_one_complaint(reference: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs row locks across connections; {connection.vendor} serialises writes")
    from tousu.accounts.services import user_create

    agent = user_create(
        username="agent", role="agent", password="Tousu-test-2026", department="customer_service"
    )
    results = _at_once(
        6,
        lambda n: complaint_register_idempotent(
            registration=_registration(), actor=agent, key="k", body={"a": 1}
        ),
    )
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert len({complaint.pk for complaint, _ in results}) == 1
    assert Complaint.objects.count() == 1

"""The archive (归档, R5.4, R12.2): closed complaints archived by an idempotent job after
TOUSU_ARCHIVE_DAYS, read-only from then on (one guard: complaint_lock), still listed, searched
and counted, and their timelines still verify."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import Department, User
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import ComplaintFilters, complaint_list, timeline_verify
from tousu.complaints.services import Archived, complaint_lock, complaints_archive
from tousu.core import clock

DAYS = dt.timedelta(days=1)


def later(days: int) -> dt.datetime:
    return clock.now() + days * DAYS


def state(complaint: Complaint) -> tuple[Any, ...]:
    fresh = Complaint.objects.get(pk=complaint.pk)
    return (fresh.status, fresh.event_seq, fresh.event_hash, fresh.department_id, fresh.reply)


def called_back(complaint: Complaint) -> Complaint:
    """The complaint's callback recorded (the builder leaves it pending, which holds a complaint
    back from the archive)."""
    complaint.callbacks.update(status="done", result="satisfied", done_at=clock.now())
    return complaint


@pytest.fixture
def closed(complaint_in: Callable[..., Complaint]) -> Complaint:
    return called_back(complaint_in("closed"))


def test_the_job_archives_closed_complaints_after_the_period_once(
    complaint_in: Callable[..., Complaint], closed: Complaint, settings: Any
) -> None:
    settings.TOUSU_ARCHIVE_DAYS = 180
    resolved = complaint_in("resolved")
    assert complaints_archive(now=later(179)) == 0  # not yet
    assert complaints_archive(now=later(181)) == 1
    assert complaints_archive(now=later(181)) == 0  # run twice: nothing twice
    assert complaints_archive(now=later(400)) == 0
    closed.refresh_from_db()
    assert closed.archived_at is not None
    assert closed.archived
    assert Complaint.objects.get(pk=resolved.pk).archived_at is None  # not closed: never
    events = list(closed.events.filter(type=EventType.ARCHIVED))
    assert len(events) == 1
    assert events[0].actor_name == "archive"
    assert events[0].data["days"] >= 180
    checked, broken = timeline_verify()
    assert checked == 2
    assert broken == []


def test_a_pending_callback_holds_the_complaint_back_until_recorded(
    closed: Complaint, agent: User
) -> None:
    from tousu.callbacks.services import callback_schedule, complaint_callback_record

    with transaction.atomic():
        callback_schedule(complaint=closed)
    assert closed.callbacks.filter(status="pending").exists()
    assert complaints_archive(now=later(200)) == 0
    complaint_callback_record(complaint=closed, actor=agent, result="satisfied", scores=None)
    assert complaints_archive(now=later(200)) == 1


def test_the_job_works_in_batches(complaint_in: Callable[..., Complaint]) -> None:
    for _ in range(5):
        called_back(complaint_in("closed"))
    assert complaints_archive(now=later(200), batch=2) == 5
    assert Complaint.objects.filter(archived_at__isnull=True).count() == 0
    assert timeline_verify()[1] == []


def test_every_write_service_refuses_an_archived_complaint_and_changes_nothing(
    closed: Complaint, handler: User, supervisor: User, agent: User, admin_user: User
) -> None:
    from tousu.callbacks.services import complaint_callback_record
    from tousu.complaints.services import complaint_close_duplicate, complaint_note_add
    from tousu.resolution.services import evidence_add
    from tousu.routing.services import complaint_dispatch
    from tousu.sla.services import complaint_reopen

    complaints_archive(now=later(200))
    closed.refresh_from_db()
    before = state(closed)
    department = Department.objects.get(code="network")
    writes: list[Callable[[], Any]] = [
        lambda: complaint_lock(closed),
        lambda: complaint_note_add(complaint=closed, actor=handler, text="补充说明"),
        lambda: complaint_reopen(complaint=closed, actor=supervisor, reason="客户又来电"),
        lambda: evidence_add(
            complaint=closed, actor=handler, name="a.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 64
        ),
        lambda: complaint_callback_record(
            complaint=closed, actor=agent, result="satisfied", scores=None
        ),
        lambda: complaint_dispatch(
            complaint=closed, actor=admin_user, department=department, reason="转派"
        ),
        lambda: complaint_close_duplicate(
            complaint=closed, actor=supervisor, original=closed, reason="重复"
        ),
    ]
    for write in writes:
        with pytest.raises(Archived) as refused, transaction.atomic():
            write()
        assert refused.value.status == 409
        assert refused.value.code == "archived"
        assert closed.number in refused.value.message
    assert state(closed) == before


def test_the_api_answers_409_archived_and_changes_nothing(
    api_as: Callable[[Any], Any], closed: Complaint, handler: User, supervisor: User
) -> None:
    complaints_archive(now=later(200))
    before = state(closed)
    path = f"/api/v1/complaints/{closed.number}"
    response = api_as(handler).post(f"{path}/notes", {"text": "补充说明"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "archived"
    response = api_as(supervisor).post(f"{path}/reopen", {"reason": "客户又来电"})
    assert response.status_code == 409
    assert state(closed) == before
    body = api_as(handler).get(path).json()
    assert body["archived_at"] is not None
    assert body["status"] == "closed"


def test_bulk_actions_report_the_archived_complaint_refused(
    closed: Complaint, supervisor: User, complaint_in: Callable[..., Complaint]
) -> None:
    from tousu.desk.bulk import BulkRequest, bulk_apply

    complaints_archive(now=later(200))
    other = complaint_in("in_progress")
    elsewhere = Department.objects.get(code="network")
    request = BulkRequest("transfer", department=elsewhere, reason="转派")
    before = state(closed)
    (result,) = bulk_apply(supervisor, [closed.number], request)
    assert not result.done
    assert "只读" in result.message
    assert state(closed) == before
    (result,) = bulk_apply(supervisor, [other.number], request)
    assert result.done  # the same request on a complaint not archived


def test_archived_complaints_stay_in_lists_and_search_with_a_filter(
    closed: Complaint, complaint_in: Callable[..., Complaint], supervisor: User, api_as: Any
) -> None:
    complaints_archive(now=later(200))
    recent = called_back(complaint_in("closed"))
    Complaint.objects.filter(pk=recent.pk).update(archived_at=None)

    def numbers(**filters: Any) -> set[str]:
        return {c.number for c in complaint_list(supervisor, ComplaintFilters(**filters))}

    assert numbers() == {closed.number, recent.number}  # default: included
    assert numbers(archived="only") == {closed.number}
    assert numbers(archived="exclude") == {recent.number}
    assert closed.number in numbers(q="话费")  # still found by search
    body = api_as(supervisor).get("/api/v1/complaints", archived="only").json()
    assert [c["number"] for c in body["items"]] == [closed.number]
    bad = api_as(supervisor).get("/api/v1/complaints", archived="yes")
    assert bad.status_code == 422
    assert "archived" in bad.json()["error"]["fields"]


def test_kpis_are_the_same_before_and_after_archiving(
    complaint_in: Callable[..., Complaint],
) -> None:
    from tousu.analytics import selectors as analytics
    from tousu.analytics.jobs import fill
    from tousu.analytics.services import complaints_recount

    for _ in range(3):
        called_back(complaint_in("closed", remedies=[("refund", Decimal("20"))]))
    complaint_in("in_progress")
    fill()
    start, end = clock.now() - 30 * DAYS, clock.now() + DAYS
    before = analytics.kpis(start, end, group_by="category")
    assert before["current"]["volume"] == 4
    complaints_archive(now=later(200))
    fill()
    assert analytics.kpis(start, end, group_by="category") == before
    complaints_recount(list(Complaint.objects.values_list("pk", flat=True)))
    assert analytics.kpis(start, end, group_by="category") == before


def test_the_page_says_archived_and_offers_no_action(closed: Complaint, supervisor: User) -> None:
    complaints_archive(now=later(200))
    closed.refresh_from_db()
    html = page(as_user(supervisor).get(reverse("desk:detail", args=[closed.number])))
    day = f"{clock.local(closed.archived_at):%Y-%m-%d}"  # type: ignore[arg-type]
    assert "已归档" in html
    assert day in html
    assert 'action="/complaints/' not in html  # no action form
    response = as_user(supervisor).post(
        reverse("desk:action", args=[closed.number, "reopen"]), {"reason": "客户又来电"}
    )
    assert response.status_code == 409
    assert Complaint.objects.get(pk=closed.pk).status == "closed"


def _at_once(threads: int, work: Callable[[], Any]) -> list[Any]:
    """`work()` in `threads` threads started together, each on its own connection."""
    results: list[Any] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        try:
            start.wait()
            result = work()
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and re-raised in the test thread
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not failures, failures
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_archive_each_complaint_once(complaint_in: Callable[..., Complaint]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs row locks across connections; {connection.vendor} serialises writes")
    complaints = [called_back(complaint_in("closed")) for _ in range(12)]
    moment = later(200)
    counts = _at_once(3, lambda: complaints_archive(now=moment, batch=4))
    assert sum(counts) == 12
    for complaint in complaints:
        assert complaint.events.filter(type=EventType.ARCHIVED).count() == 1
    assert timeline_verify()[1] == []

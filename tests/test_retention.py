"""Retention (R12.2, D10): a customer past the retention period is anonymised — no personal data
left on any page, API answer, export or search that shows their complaints — with an audit
record that holds none; the complaints, their counts and KPIs stay; the timelines still verify,
and tampering with a redacted event is still found."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tests.pages import as_user, page
from tests.test_pii_in_text import RAW, TEXT, Written, as_text, masked, written  # noqa: F401
from tousu.accounts.choices import AuditAction
from tousu.accounts.models import AuditEntry, User
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.retention import (
    AlreadyAnonymised,
    anonymous_phone,
    customer_anonymise,
    customers_anonymise_due,
    customers_due,
)
from tousu.complaints.selectors import ComplaintFilters, complaint_list, timeline_verify
from tousu.complaints.services import complaints_archive
from tousu.complaints.timeline import REDACTED_KEY
from tousu.core import clock
from tousu.core.errors import Conflict, NotAllowed
from tousu.customers.models import Customer
from tousu.notifications.models import Delivery, Notification
from tousu.resolution.models import Evidence

YEARS_4 = dt.timedelta(days=4 * 365)
NAME = "张三丰"


def close_the_others(written: Written) -> None:  # noqa: F811
    """The fixture leaves two of the customer's complaints open: closed, as by a person (the
    status and closing time are not registration facts)."""
    Complaint.objects.filter(pk__in=[written.paused.pk, written.front.pk]).update(
        status="closed", closed_at=clock.now(), paused_at=None
    )


@pytest.fixture
def anonymised(written: Written, django_capture_on_commit_callbacks: Any) -> Written:  # noqa: F811
    customer = written.closed.customer
    Customer.objects.filter(pk=customer.pk).update(
        name=NAME, id_number="320102199001011234", address="南京市玄武区中山路100号3栋501室"
    )
    close_the_others(written)
    # A notice quoting the customer, about the complaint.
    user = User.objects.get(username="handler")
    Notification.objects.create(
        user=user,
        complaint=written.closed,
        kind="note",
        text=f"客户留言：{TEXT}",
        created_at=clock.now(),
    )
    # An e-mail of the outbox quoting the customer, and one about another complaint.
    for number in (written.closed.number, "TS202601010001"):
        Delivery.objects.create(
            channel="email",
            recipient="handler@example.com",
            event="note",
            subject=f"[Tousu] {number} 客户留言：13812345678",
            payload={"text": f"客户留言：{TEXT}", "complaint": number},
            next_attempt_at=clock.now(),
            created_at=clock.now(),
        )
    complaints_archive(now=clock.now() + YEARS_4)
    stored = Evidence.objects.get(complaint=written.closed).file
    assert stored.storage.exists(stored.name)  # until the anonymisation commits
    assert list(Path(settings.MEDIA_ROOT).rglob(f"{Path(stored.name).name}"))
    with django_capture_on_commit_callbacks(execute=True):
        assert customers_anonymise_due(now=clock.now() + YEARS_4).anonymised == 1
    return written


def exported(user: User) -> str:
    response = as_user(user).get(reverse("desk:export") + "?format=csv&reveal=1")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return str(body.decode("utf-8-sig"))


def test_no_personal_data_is_left_where_the_system_shows_it(
    anonymised: Written, handler: User, supervisor: User, api_as: Any
) -> None:
    c = anonymised.closed
    customer = Customer.objects.get(pk=c.customer_id)
    assert customer.phone == anonymous_phone(customer.pk)
    assert customer.anonymised_at
    assert (customer.name, customer.id_number, customer.address, customer.special_note) == (
        ("",) * 4
    )
    # The handler may see personal data whole: what they are shown holds none left.
    shown = [
        page(as_user(handler).get(reverse("desk:detail", args=[c.number]))),
        page(as_user(handler).get(reverse("customers:detail", args=[c.customer_id]))),
        page(as_user(handler).post(reverse("customers:reveal", args=[c.customer_id]))),
        as_text(api_as(handler).get(f"/api/v1/complaints/{c.number}")),
        as_text(api_as(handler).get(f"/api/v1/complaints/{c.number}/timeline")),
        "\n".join(line for line in exported(supervisor).splitlines() if c.number in line),
    ]
    for text in shown:
        masked(text)
        for raw in (NAME, "320102199001011234", "中山路100号", "13812345678"):
            assert raw not in text
    assert "话费多扣了58元" in shown[0]  # the complaint itself stays readable
    # The evidence file (a bill shows who it is) is deleted; its row, without a file, stays.
    (evidence,) = Evidence.objects.filter(complaint=c)
    assert not evidence.file
    assert evidence.sha256
    assert evidence.size
    assert not list(Path(settings.MEDIA_ROOT).rglob(f"{evidence.sha256}*"))
    url = reverse("desk:evidence", args=[c.number, evidence.pk])
    assert as_user(handler).get(url).status_code == 404
    assert "保留期满后删除" in shown[0]
    assert "保留期限作业" in shown[0]  # the anonymised event, by the job
    assert "已匿名化" in shown[1]
    # Searching by what was personal data finds nothing; by the matter, it is still found.
    assert not list(complaint_list(handler, ComplaintFilters(q="13812345678")))
    assert not list(complaint_list(handler, ComplaintFilters(q="zhangsan")))
    assert c.number in {x.number for x in complaint_list(handler, ComplaintFilters(q="话费"))}
    # Stored: nowhere in the complaint's texts, timeline or notices.
    stored = json.dumps(
        [
            list(Complaint.objects.filter(pk=c.pk).values("content", "demand", "reply")),
            list(ComplaintEvent.objects.filter(complaint=c).values_list("data", flat=True)),
            list(Notification.objects.filter(complaint=c).values_list("text", "message")),
            list(Delivery.objects.filter(payload__complaint=c.number).values("subject", "payload")),
        ],
        ensure_ascii=False,
    )
    for raw in RAW:
        assert raw not in stored
    assert "[电话]" in stored
    other = Delivery.objects.get(payload__complaint="TS202601010001")
    assert "13812345678" in other.subject  # another complaint's: left as it is


def test_the_timeline_still_verifies_and_tampering_with_a_redaction_is_found(
    anonymised: Written,
) -> None:
    c = anonymised.closed
    assert timeline_verify() == (3, [])
    redacted = ComplaintEvent.objects.filter(complaint=c, data__has_key=REDACTED_KEY)
    assert redacted.count() >= 5  # note, steps, evidence, pause, reply …
    event = redacted.order_by("seq").first()
    assert event is not None
    original = dict(event.data)
    ComplaintEvent.objects.filter(pk=event.pk).update(data={**original, "text": "改过的"})
    assert timeline_verify([c.number])[1] == [
        (c.number, event.seq, "redacted event changed since its redaction")
    ]
    # Dropping the marker to pass the redacted data off as the original: the hash fails.
    data = {k: v for k, v in original.items() if k != REDACTED_KEY}
    ComplaintEvent.objects.filter(pk=event.pk).update(data=data)
    assert timeline_verify([c.number])[1][0][:2] == (c.number, event.seq)
    ComplaintEvent.objects.filter(pk=event.pk).update(data=original)
    Complaint.objects.filter(pk=c.pk).update(content="另一段话")
    assert timeline_verify([c.number])[1][0][2].startswith("registration facts changed")


def test_the_audit_record_says_who_when_which_customer_and_fields_without_personal_data(
    anonymised: Written,
) -> None:
    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISE)
    assert entry.actor is None
    assert entry.actor_name == "retention"
    assert entry.object_id == str(anonymised.closed.customer_id)
    fields = entry.changes["fields"]
    for name in ("customer.name", "customer.phone", "customer.id_number", "complaint.content"):
        assert name in fields
    assert "resolution.evidence" in fields
    assert "callbacks.callbacktask" in fields
    assert entry.changes["complaints"] == 3
    assert entry.changes["texts"] > 10
    text = json.dumps([entry.object_repr, entry.changes], ensure_ascii=False)
    for raw in (*RAW, NAME):
        assert raw not in text


def test_counts_and_kpis_are_the_same_after_anonymisation(
    written: Written,  # noqa: F811
) -> None:
    from tousu.analytics import selectors as analytics
    from tousu.analytics.jobs import fill
    from tousu.analytics.services import complaints_recount

    customer = written.closed.customer
    close_the_others(written)
    fill()
    start, end = clock.now() - dt.timedelta(days=30), clock.now() + dt.timedelta(days=1)
    before = analytics.kpis(start, end, group_by="category")
    customer_anonymise(customer=customer, actor=None)
    fill()
    complaints_recount(list(Complaint.objects.values_list("pk", flat=True)))
    assert analytics.kpis(start, end, group_by="category") == before
    assert Complaint.objects.count() == 3


def test_who_is_due_and_the_job_runs_once(
    complaint_in: Callable[..., Complaint], settings: Any
) -> None:
    settings.TOUSU_RETENTION_DAYS = 1095
    old = complaint_in("closed")
    still_open = complaint_in("in_progress")
    Complaint.objects.filter(pk=still_open.pk).update(customer=old.customer)
    recent = complaint_in("closed", customer=Customer.objects.create(phone="13900000001"))
    soon, late = clock.now() + dt.timedelta(days=1000), clock.now() + YEARS_4
    assert list(customers_due(soon)) == []
    assert list(customers_due(late)) == [recent.customer]  # the other has an open complaint
    run = customers_anonymise_due(now=late)
    assert (run.anonymised, run.skipped) == (1, [])
    assert customers_anonymise_due(now=late).anonymised == 0  # run twice: nothing twice
    with pytest.raises(AlreadyAnonymised):
        customer_anonymise(customer=recent.customer, actor=None)
    with pytest.raises(Conflict):  # an open complaint: refused, nothing changed
        customer_anonymise(customer=old.customer, actor=None)
    assert Customer.objects.get(pk=old.customer_id).anonymised_at is None
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISE).count() == 1


def test_a_broken_chain_is_not_anonymised_and_a_person_must_be_an_administrator(
    complaint_in: Callable[..., Complaint], handler: User, admin_user: User
) -> None:
    c = complaint_in("closed")
    with pytest.raises(NotAllowed):
        customer_anonymise(customer=c.customer, actor=handler)
    ComplaintEvent.objects.filter(complaint=c, seq=1).update(actor_name="someone else")
    with pytest.raises(Conflict):
        customer_anonymise(customer=c.customer, actor=admin_user)
    assert Customer.objects.get(pk=c.customer_id).anonymised_at is None
    run = customers_anonymise_due(now=clock.now() + YEARS_4)
    assert run.skipped == [c.customer_id]


def test_the_dry_run_counts_without_changing_anything(
    complaint_in: Callable[..., Complaint], tousu_cli: Any
) -> None:
    complaint_in("closed").callbacks.update(status="done", result="satisfied")
    day = clock.local(clock.now() + YEARS_4).date().isoformat()
    code, out, _err = tousu_cli("retention", "--dry-run", "--as-of", day)
    assert code == 0
    assert out.splitlines() == ["would archive: 1 complaints", "would anonymise: 1 customers"]
    assert not Complaint.objects.filter(archived_at__isnull=False).exists()
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_anonymise_each_customer_once(
    complaint_in: Callable[..., Complaint],
) -> None:
    from django.db import connection

    from tousu.complaints.tests.test_archive import _at_once

    if connection.vendor != "postgresql":
        pytest.skip(f"needs row locks across connections; {connection.vendor} serialises writes")
    for n in range(4):
        complaint_in("closed", customer=Customer.objects.create(phone=f"1390000000{n}"))
    moment = clock.now() + YEARS_4
    runs = _at_once(2, lambda: customers_anonymise_due(now=moment))
    assert sum(run.anonymised for run in runs) == 4
    assert all(run.skipped == [] for run in runs)
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISE).count() == 4
    anonymised = ComplaintEvent.objects.filter(type="anonymised")
    assert anonymised.count() == 4
    assert timeline_verify()[1] == []


def test_the_admin_does_not_let_an_anonymised_customer_be_edited(
    anonymised: Written, admin_user: User
) -> None:
    url = reverse("admin:customers_customer_change", args=[anonymised.closed.customer_id])
    client = as_user(admin_user)
    assert client.get(url).status_code == 200  # shown, read-only
    other = Customer.objects.create(phone="13900000009")
    change = reverse("admin:customers_customer_change", args=[other.pk])
    assert 'name="phone"' in page(client.get(change))  # another customer: editable
    response = client.post(url, {"phone": "13812345678", "name": NAME})
    assert response.status_code == 403
    customer = Customer.objects.get(pk=anonymised.closed.customer_id)
    assert (customer.phone, customer.name) == (anonymous_phone(customer.pk), "")


def test_an_anonymised_customer_takes_no_special_note_again(
    anonymised: Written, supervisor: User
) -> None:
    from tousu.customers.services import customer_special_set

    customer = Customer.objects.get(pk=anonymised.closed.customer_id)
    with pytest.raises(Conflict):
        customer_special_set(customer=customer, actor=supervisor, special_type="", note=NAME)
    html = page(as_user(supervisor).get(reverse("customers:detail", args=[customer.pk])))
    assert reverse("customers:special", args=[customer.pk]) not in html  # no form
    as_user(supervisor).post(
        reverse("customers:special", args=[customer.pk]), {"special_type": "", "special_note": NAME}
    )
    assert Customer.objects.get(pk=customer.pk).special_note == ""

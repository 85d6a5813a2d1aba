"""A channel's reference (a regulator's case number) is registered once: the same referral sent
again answers 409 with the number of the complaint registered before, on the API, the register
page and in an import — also when two arrive at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.services import token_create
from tousu.complaints.models import Complaint
from tousu.intake import services
from tousu.intake.services import Registration

URL = "/api/v1/complaints"
REF = "GXB2026112012345"

Api = Callable[[Any], Any]


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "regulator",
        "content": "工信部转来：用户反映话费无故多扣58元",
        "customer": {"phone": "13800138000", "name": "张三"},
        "external_ref": REF,
    }
    data.update(changes)
    return data


def test_the_same_reference_of_the_same_channel_is_409_with_the_first_number(
    api_as: Api, agent: Any
) -> None:
    client = api_as(agent)
    first = client.post(URL, body())
    again = client.post(
        URL, body(content="工信部再次转来同一件投诉", customer={"phone": "13900139000"})
    )
    assert first.status_code == 201
    assert again.status_code == 409
    number = first.json()["number"]
    error = again.json()["error"]
    assert error["code"] == "duplicate"
    assert error["existing"] == number
    assert number in error["message"]
    assert number in error["fields"]["external_ref"][0]
    assert Complaint.objects.count() == 1


def test_another_channel_or_no_reference_registers(api_as: Api, agent: Any) -> None:
    client = api_as(agent)
    assert client.post(URL, body()).status_code == 201
    assert client.post(URL, body(channel="consumer_association")).status_code == 201
    assert client.post(URL, body(external_ref="")).status_code == 201
    assert client.post(URL, body(external_ref="")).status_code == 201
    # Blanks around a reference are not another reference.
    assert client.post(URL, body(external_ref=f" {REF} ")).status_code == 409


def test_an_idempotent_retry_still_answers_200_with_the_first_result(
    api_as: Api, agent: Any
) -> None:
    client = api_as(agent)
    first = client.post(URL, body(), HTTP_IDEMPOTENCY_KEY="referral-1")
    retry = client.post(URL, body(), HTTP_IDEMPOTENCY_KEY="referral-1")
    other_key = client.post(URL, body(), HTTP_IDEMPOTENCY_KEY="referral-2")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["number"] == first.json()["number"]
    assert other_key.status_code == 409
    assert other_key.json()["error"]["existing"] == first.json()["number"]


def test_the_database_refuses_a_second_row_of_one_reference(
    register: Callable[..., Complaint],
) -> None:
    first = register(channel="regulator", external_ref=REF)
    first.pk = None
    first.number = "TS209901010001"
    with pytest.raises(IntegrityError):
        first.save()


def test_a_registration_that_loses_the_race_is_the_duplicate(
    register: Callable[..., Complaint], agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrations of one reference at once both find none registered; the one that
    commits second hits the unique constraint and is answered as the duplicate, not a 500.
    The check is made to find nothing, as it does when the other has not committed yet."""
    winner = register(channel="regulator", external_ref=REF)
    check = services._refuse_duplicate
    calls: list[object] = []

    def first_check_misses(data: Any) -> None:
        calls.append(data)
        if len(calls) > 1:
            check(data)

    monkeypatch.setattr(services, "_refuse_duplicate", first_check_misses)
    registration = Registration(
        channel="regulator", content="同一件转办", customer_phone="13900139000", external_ref=REF
    )
    with pytest.raises(services.Duplicate) as refused:
        services.complaint_register(registration=registration, actor=agent)
    assert refused.value.existing == winner.number
    assert Complaint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_reference_give_one_201_and_409s(
    reference: None, make_user: Callable[..., Any]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs concurrent transactions; {connection.vendor} serialises writes")
    token = token_create(user=make_user("agent", "agent", department="customer_service"))
    threads = 6
    start = threading.Barrier(threads)
    answers: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            start.wait()
            response = Client().post(
                URL,
                body(customer={"phone": f"139{index:08d}"}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (threads - 1)
    (number,) = Complaint.objects.values_list("number", flat=True)
    assert all(b["error"]["existing"] == number for s, b in answers if s == 409)


def test_the_register_page_shows_the_duplicate_with_a_link(
    register: Callable[..., Complaint], agent: Any
) -> None:
    first = register(channel="regulator", external_ref=REF)
    response = as_user(agent).post(
        reverse("desk:register"),
        {
            "channel": "regulator",
            "customer_phone": "13900139000",
            "content": "工信部再次转来同一件投诉",
            "received_at": "2026-01-05T09:30",
            "external_ref": REF,
        },
    )
    assert response.status_code == 409
    html = page(response)
    assert f"已登记为 {first.number}" in html
    assert f'href="{reverse("desk:detail", args=[first.number])}"' in html
    assert Complaint.objects.count() == 1


def test_an_import_reports_the_row_of_a_registered_reference(
    register: Callable[..., Complaint],
    tousu_cli: Callable[..., tuple[int, str, str]],
    tmp_path: Path,
) -> None:
    first = register(channel="regulator", external_ref=REF)
    source = tmp_path / "referrals.csv"
    source.write_text(
        "渠道,客户电话,投诉内容,外部编号\n"
        f"regulator,13900139000,工信部转来同一件投诉,{REF}\n"
        "regulator,13900139001,另一件转办投诉,GXB2026112099999\n",
        encoding="utf-8",
    )
    _code, out, _err = tousu_cli("import", str(source))
    assert Complaint.objects.count() == 2
    assert "imported 1, failed 1 of 2 rows" in out
    report = (tmp_path / "referrals.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert first.number in report
    assert REF in report

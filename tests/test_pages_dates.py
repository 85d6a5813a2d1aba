"""Every page with a date input answers a date it cannot use (year 1, 1900, year 9999, not a
date, 30 February) with a form error on that input, never a 500: year 1 and 9999 overflowed
the period arithmetic (the day after, a previous period, UTC) on the complaint list, its export,
the dashboard, its root causes, the consistency report and the register page.

The API's date inputs have their walk in tousu/config/tests/test_api_dates.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

BAD_DATES = ["0001-01-01", "1900-01-01", "9999-12-31", "notadate", "2026-02-30"]
VALID_DAY = "2026-01-01"
REGISTER = {
    "channel": "hotline",
    "customer_phone": "13800138000",
    "content": "上个月话费无故多扣了58元",
}
WORDING_VERSION = {"body": "不明扣费核实属实的，全额退还多扣费用。", "effective_from": VALID_DAY}
WORDING_ARTICLE = {
    **WORDING_VERSION,
    "topic": "policy",
    "title": "不明扣费退费口径",
    "key": "unexplained-charge",
    "category": "",
}


@dataclass(frozen=True)
class DateInput:
    """A date input of a page: its URL name, method, field as sent and as the form calls it,
    the status a refused input answers, and the other fields it needs."""

    url: str
    name: str
    method: str = "GET"
    form_field: str = ""
    status: int = 200
    others: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()

    @property
    def field(self) -> str:
        return self.form_field or self.name


DATE_INPUTS = [
    DateInput("desk:list", "received_from"),
    DateInput("desk:list", "received_to"),
    # The export is a file: a refused filter is a 400 with the reason, as the export says.
    DateInput("desk:export", "received_from", status=400, others={"format": "csv"}),
    DateInput("desk:export", "received_to", status=400, others={"format": "csv"}),
    DateInput("analytics:dashboard", "from", others={"to": VALID_DAY}),
    DateInput("analytics:dashboard", "to", others={"from": VALID_DAY}),
    DateInput("analytics:dashboard", "from"),
    DateInput("analytics:dashboard", "to"),
    DateInput("analytics:causes", "from", others={"to": VALID_DAY}),
    DateInput("analytics:causes", "to", others={"from": VALID_DAY}),
    DateInput("resolution:consistency", "from", form_field="from_", others={"to": VALID_DAY}),
    DateInput("resolution:consistency", "to", others={"from": VALID_DAY}),
    DateInput("resolution:consistency", "from", form_field="from_"),
    DateInput("quality:scores", "from", others={"to": VALID_DAY}),
    DateInput("quality:scores", "to", others={"from": VALID_DAY}),
    DateInput("desk:register", "received_at", "POST", status=422, others=REGISTER),
    DateInput(
        "knowledge:wording_article_new",
        "effective_from",
        "POST",
        status=422,
        others=WORDING_ARTICLE,
    ),
    DateInput(
        "knowledge:wording_article_new", "valid_until", "POST", status=422, others=WORDING_ARTICLE
    ),
    DateInput(
        "knowledge:wording_version_new",
        "effective_from",
        "POST",
        status=422,
        others=WORDING_VERSION,
        args=("unexplained-charge",),
    ),
    DateInput(
        "knowledge:wording_version_new",
        "valid_until",
        "POST",
        status=422,
        others=WORDING_VERSION,
        args=("unexplained-charge",),
    ),
]


def _values(date_input: DateInput) -> list[str]:
    if date_input.name != "received_at":
        return BAD_DATES
    # A time of day, as the datetime-local input sends it, and a bare date, which it takes too.
    return [*BAD_DATES, "0001-01-01T09:30", "1900-01-01T09:30", "9999-12-31T23:59"]


def _walk() -> Iterator[tuple[DateInput, str]]:
    for date_input in DATE_INPUTS:
        for value in _values(date_input):
            yield date_input, value


@pytest.fixture
def wording_article(admin_user: Any) -> None:
    from tousu.knowledge import services

    services.wording_article_create(
        actor=admin_user,
        key="unexplained-charge",
        title="不明扣费退费口径",
        topic="policy",
        first_version=services.WordingVersionInput(
            body="不明扣费核实属实的，全额退还。",
            effective_from=dt.date(2026, 1, 1),
        ),
    )


@pytest.mark.parametrize(
    ("date_input", "value"),
    list(_walk()),
    ids=[f"{d.url}-{d.method}-{d.name}={v}{'+' if d.others else ''}" for d, v in _walk()],
)
def test_a_date_out_of_range_or_unparseable_is_a_form_error_not_a_500(
    admin_user: Any, date_input: DateInput, value: str, wording_article: None
) -> None:
    client = as_user(admin_user)
    client.raise_request_exception = False  # a 500 is a failure to report, not raise
    url = reverse(date_input.url, args=date_input.args)
    data = {**date_input.others, date_input.name: value}
    complaints = Complaint.objects.count()

    send = client.get if date_input.method == "GET" else client.post
    response = send(url, data)

    assert response.status_code == date_input.status, page(response)[:2000]
    if response.status_code == 400:  # the export: the reason as text, naming the filter
        assert page(response).startswith("筛选条件有误：受理时间")
        return
    errors = response.context["form"].errors
    assert date_input.field in errors, errors
    for message in errors[date_input.field]:
        assert message in page(response)
    assert Complaint.objects.count() == complaints


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("desk:list", {"received_from": "2000-01-01", "received_to": "2099-12-31"}),
        ("analytics:dashboard", {"from": "2099-12-01", "to": "2099-12-31"}),
        ("analytics:causes", {"from": "2000-01-01", "to": "2000-01-31"}),
        ("resolution:consistency", {"from": "2000-01-01", "to": "2000-01-31"}),
        ("quality:scores", {"from": "2000-01-01", "to": "2000-01-31"}),
    ],
)
def test_the_ends_of_the_range_are_accepted(
    admin_user: Any, url: str, data: dict[str, str]
) -> None:
    response = as_user(admin_user).get(reverse(url), data)
    assert response.status_code == 200
    assert not response.context["form"].errors


def test_the_form_error_names_the_range(admin_user: Any) -> None:
    response = as_user(admin_user).get(reverse("desk:list"), {"received_to": "9999-12-31"})
    assert "请使用 2000-01-01 至 2099-12-31 之间的日期" in page(response)
    response = as_user(admin_user).post(
        reverse("desk:register"), {**REGISTER, "received_at": "1900-01-01T09:30"}
    )
    assert response.context["form"].errors["received_at"] == ["受理时间不能早于 2000-01-01"]

"""Exporting a complaint list (issue 6): the filtered rows within the user's scope, personal
data masked unless the role may see it and asked for it, every export logged."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.pages import as_user, page
from tousu.accounts.models import PiiAccess, User
from tousu.complaints.models import Complaint, ExportLog

Register = Callable[..., Complaint]
URL = reverse("desk:export")
TEXT = "我的手机13912345678，上个月话费无故多扣了58元"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def listed(register: Register) -> list[Complaint]:
    return [
        register(content=TEXT),
        register(
            content='=HYPERLINK("http://evil.example") 宽带断网三天', customer_phone="13700001111"
        ),
        register(content="套餐变更没有生效还在扣费", channel="web", customer_phone="13600002222"),
    ]


def test_an_analyst_exports_the_filtered_list_masked_and_logged(
    analyst: User, listed: list[Complaint]
) -> None:
    response = as_user(analyst).get(URL, {"format": "csv", "channel": "hotline"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="complaints-')
    header, *rows = csv_rows(response)
    assert header[0] == "编号"
    assert sorted(r[0] for r in rows) == sorted(c.number for c in listed[:2])
    first = next(r for r in rows if r[0] == listed[0].number)
    assert first[9] == "138****8000"  # phone
    assert first[8] == "张*"  # name
    assert "139****5678" in first[10]
    assert "13912345678" not in first[10]
    formula = next(r for r in rows if r[0] == listed[1].number)
    assert formula[10].startswith("'=")  # a spreadsheet will not run the customer's text

    log = ExportLog.objects.get()
    assert (log.user, log.format, log.rows, log.revealed) == (analyst, "csv", 2, False)
    assert log.filters == {"channel": "hotline"}
    assert not PiiAccess.objects.exists()


def test_a_supervisor_may_export_personal_data_and_it_is_logged(
    supervisor: User, listed: list[Complaint]
) -> None:
    response = as_user(supervisor).get(URL, {"format": "xlsx", "reveal": "1"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(body(response)), read_only=True)
    _header, *rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert len(rows) == 3
    row = next(r for r in rows if r[0] == listed[0].number)
    assert (row[8], row[9]) == ("张三", "13800138000")
    assert "13912345678" in row[10]
    formula = next(r for r in rows if r[0] == listed[1].number)
    assert formula[10].startswith("'=")  # stored as text, not as a formula
    access = PiiAccess.objects.get()
    assert (access.user, access.via, access.count) == (supervisor, "export", 3)
    assert ExportLog.objects.get().revealed is True


def test_the_export_keeps_to_the_users_scope(
    register: Register, make_user: Callable[..., User], listed: list[Complaint]
) -> None:
    network_supervisor = make_user("net_sup", "supervisor", department="network")
    network = register(category="network.coverage", content="家里手机信号很差，经常打不通电话")
    assert network.department is not None
    assert network.department.code == "network"
    response = as_user(network_supervisor).get(URL, {"format": "csv"})
    assert [r[0] for r in csv_rows(response)[1:]] == [network.number]
    assert ExportLog.objects.get().rows == 1


@pytest.mark.parametrize(
    ("who", "params", "status"),
    [
        ("agent", {"format": "csv"}, 403),  # the front line does not export lists
        ("handler", {"format": "csv"}, 403),
        ("analyst", {"format": "csv", "reveal": "1"}, 403),  # may not see personal data
        ("analyst", {"format": "pdf"}, 400),
        ("analyst", {"format": "csv", "customer_phone": "12ab"}, 400),
    ],
)
def test_refused_exports_send_nothing_and_log_nothing(
    request: pytest.FixtureRequest,
    listed: list[Complaint],
    who: str,
    params: dict[str, str],
    status: int,
) -> None:
    user = request.getfixturevalue(who)
    response = as_user(user).get(URL, params)
    assert response.status_code == status
    assert not ExportLog.objects.exists()
    assert not PiiAccess.objects.exists()
    if status == 400:
        assert response.content.decode()  # says why


def test_the_list_page_offers_the_export_to_those_who_may(
    analyst: User, agent: User, listed: list[Complaint]
) -> None:
    list_url = reverse("desk:list")
    html = page(as_user(analyst).get(list_url, {"channel": "web"}))
    assert URL in html
    assert 'name="channel" value="web"' in html  # the export keeps the list's filters
    assert 'name="reveal"' not in html  # analysts cannot ask for personal data
    assert URL not in page(as_user(agent).get(list_url))

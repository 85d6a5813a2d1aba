"""`tousu import-survey FILE` (R8.3, R9.1): survey answers for customers who complained and who
never did; a file with bad rows imports nothing and says what is wrong, row by row; the same
file twice adds nothing; the repair programme hears of an import after it commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from tousu.callbacks.models import SurveyResponse
from tousu.callbacks.services import survey_import
from tousu.callbacks.signals import surveys_imported
from tousu.customers.models import Customer

GOOD = (
    "phone,surveyed_at,overall,network,tariff,attitude,name,region\n"
    "13800138000,2026-11-20 09:30,2,1,3,,张三,nanjing\n"
    "139 0013 9001,2026/11/21 14:00,5,5,4,5,,\n"
    "\n"
    "+86 137 0013 7002,2026-11-22,4,,,,李四,苏州\n"
)
CLI = Callable[..., tuple[int, str, str]]


@pytest.fixture
def heard() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kw: Any) -> None:
        calls.append(kw)

    surveys_imported.connect(receiver)
    yield calls
    surveys_imported.disconnect(receiver)


def test_a_good_file_imports_every_row_and_new_customers(
    reference: None, django_capture_on_commit_callbacks: Any, heard: list[dict[str, Any]]
) -> None:
    Customer.objects.create(phone="13800138000", name="张三丰")
    with django_capture_on_commit_callbacks(execute=True):
        result = survey_import(data=GOOD.encode())
        assert heard == []
    assert not result.errors
    assert (result.rows, result.added, result.customers_created) == (3, 3, 2)
    rows = {r.customer.phone: r for r in SurveyResponse.objects.select_related("customer")}
    assert set(rows) == {"13800138000", "13900139001", "13700137002"}
    first = rows["13800138000"]
    assert (first.overall, first.scores, first.row) == (2, {"network": 1, "tariff": 3}, 2)
    # The known customer is left as the CRM has them.
    assert first.customer.name == "张三丰"
    region = rows["13700137002"].customer.region
    assert region is not None
    assert region.code == "suzhou"
    assert rows["13700137002"].row == 5
    # Times without an offset are Shanghai time.
    assert rows["13800138000"].surveyed_at.isoformat() == "2026-11-20T01:30:00+00:00"
    assert heard == [{"signal": surveys_imported, "batch": result.batch, "count": 3}]


def test_the_same_file_twice_adds_nothing(reference: None) -> None:
    survey_import(data=GOOD.encode())
    again = survey_import(data=GOOD.encode())
    assert again.repeated
    assert again.added == 0
    assert SurveyResponse.objects.count() == 3


def test_a_file_with_bad_rows_imports_nothing_and_reports_each(reference: None) -> None:
    bad = (
        "phone,surveyed_at,overall,network,price\n"
        "12345,2026-11-20 09:30,3,2,\n"
        "13800138000,yesterday,6,0,\n"
        "13900139001,2026-11-21 10:00,,3,\n"
        "13700137002,2026-11-21 10:00,4,4,\n"
    )
    result = survey_import(data=bad.encode())
    assert result.added == 0
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (1, "price"),
        (2, "phone"),
        (3, "surveyed_at"),
        (3, "overall"),
        (3, "network"),
        (4, "overall"),
    }
    assert not SurveyResponse.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("data", "row", "column"),
    [
        (b"phone,overall\n13800138000,3\n", 1, "surveyed_at"),
        (b"\xff\xfephone", 0, ""),
        (b"", 1, ""),
        (b"phone,surveyed_at,overall\n", 2, ""),
        (b"phone,surveyed_at,overall\n13800138000,2999-01-01,3\n", 2, "surveyed_at"),
        (b"phone,surveyed_at,overall,region\n13800138000,2026-11-01,3,atlantis\n", 2, "region"),
        (b"phone,surveyed_at,overall\n13800138000,2026-11-01,3,9\n", 2, ""),
    ],
)
def test_bad_files(reference: None, data: bytes, row: int, column: str) -> None:
    result = survey_import(data=data)
    assert (row, column) in {(e.row, e.column) for e in result.errors}
    assert not SurveyResponse.objects.exists()


def test_no_signal_when_the_import_rolls_back(
    reference: None, django_capture_on_commit_callbacks: Any, heard: list[dict[str, Any]]
) -> None:
    def import_then_fail() -> None:
        with transaction.atomic():
            survey_import(data=GOOD.encode())
            raise RuntimeError("the caller's transaction fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        import_then_fail()
    assert heard == []
    assert not SurveyResponse.objects.exists()


def test_the_command(reference: None, tousu_cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(GOOD, encoding="utf-8")
    code, out, _err = tousu_cli("import-survey", str(path))
    assert code == 0
    assert "imported 3 survey responses (3 new customers)" in out
    code, out, _err = tousu_cli("import-survey", str(path))
    assert code == 0
    assert "nothing added" in out
    assert SurveyResponse.objects.count() == 3


def test_the_command_prints_the_errors_and_fails(
    reference: None, tousu_cli: CLI, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("phone,surveyed_at,overall\n13800138000,2026-11-20,3\n123,2026-11-20,7\n")
    code, out, err = tousu_cli("import-survey", str(path))
    assert code != 0
    lines = out.splitlines()
    assert lines[0] == "row\tcolumn\tmessage"
    assert any(line.startswith("3\tphone\t") for line in lines)
    assert any(line.startswith("3\toverall\t") for line in lines)
    assert "nothing was imported" in err
    assert not SurveyResponse.objects.exists()

"""Importing complaints from a file uploaded on the web (issue 17): checked at upload, run by
the `intake.import_run` job after commit, each row registered once, the bad rows in an error
file in the upload's format."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.intake import imports
from tousu.intake.choices import ImportFailureCause, ImportStatus
from tousu.intake.models import ImportRowError, ImportRun

HEADERS = ["受理时间", "渠道", "客户姓名", "联系电话", "投诉内容", "诉求", "工单号"]
GOOD = [
    ["2026-11-20 09:30", "热线", "张三", "13800138000", "上月话费多扣了58元", "退费", "W-1"],
    ["2026-11-20 10:05", "营业厅", "李四", "13900139000", "宽带断网三天没人修", "", "W-2"],
    ["2026-11-20 11:00", "热线", "王五", "13700137000", "流量包办了没生效", "", ""],
]
BAD = [
    ["2026-11-20 11:30", "热线", "赵六", "12345", "号码写错了的投诉", "", "W-4"],
    ["2026-11-20 12:00", "热线", "钱七", "13600136000", "", "", "W-5"],
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value).data_type = "s"  # text, as typed
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Client, name: str, data: bytes, *, run_jobs: Any, channel: str = "") -> Any:
    """Post the file; the job runs when the upload commits, as after a real request."""
    with run_jobs(execute=True):
        return client.post(
            "/imports/", {"file": SimpleUploadedFile(name, data), "default_channel": channel}
        )


def error_file_rows(response: Any) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel reads the Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def as_supervisor(client: Client, supervisor: Any) -> Client:
    client.force_login(supervisor)
    return client


def test_upload_registers_the_good_rows_and_the_error_file_lists_the_bad_ones(
    as_supervisor: Client, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = csv_bytes([HEADERS, *GOOD, *BAD])
    response = upload(
        as_supervisor, "十一月投诉.csv", data, run_jobs=django_capture_on_commit_callbacks
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{run.pk}/"
    assert (run.status, run.total, run.cursor) == (ImportStatus.DONE, 5, 5)
    assert (run.registered, run.duplicates, run.errors) == (3, 0, 2)
    registered = Complaint.objects.filter(external_ref__in=["W-1", "W-2"])
    assert registered.count() == 2
    assert set(registered.values_list("registered_by", flat=True)) == {supervisor.pk}
    assert Complaint.objects.filter(content="流量包办了没生效").count() == 1
    assert not Complaint.objects.filter(external_ref__in=["W-4", "W-5"]).exists()

    page = as_supervisor.get(f"/imports/{run.pk}/").content.decode()
    assert "5 / 5" in page
    assert f'href="/imports/{run.pk}/errors/"' in page
    assert 'hx-trigger="every 2s"' not in page  # finished: the page stops polling

    rows = error_file_rows(as_supervisor.get(f"/imports/{run.pk}/errors/"))
    assert rows[0] == ["row", "field", "message", *HEADERS]
    assert [r[0] for r in rows[1:]] == ["5", "6"]  # the sheet's row numbers (header is 1)
    assert rows[1][1] == "联系电话"
    assert rows[1][3:] == BAD[0]
    assert rows[2][1] == "投诉内容"
    assert rows[2][3:] == BAD[1]
    assert all(r[2] for r in rows[1:]), "every bad row says why"


def test_an_excel_upload_gets_an_excel_error_file_with_text_not_formulas(
    as_supervisor: Client, django_capture_on_commit_callbacks: Any
) -> None:
    bad = ["2026-11-20 12:00", "热线", "=HYPERLINK(1)", "1", "有公式的投诉", "", ""]
    data = xlsx_bytes([HEADERS, GOOD[0], bad])
    upload(as_supervisor, "投诉.xlsx", data, run_jobs=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert (run.registered, run.errors) == (1, 1)

    response = as_supervisor.get(f"/imports/{run.pk}/errors/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "errors.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1][0] == 3
    assert rows[1][3 + 2] == "=HYPERLINK(1)"
    assert sheet.cell(row=2, column=6).data_type == "s"  # stored as text, never evaluated


def test_the_same_file_again_registers_nothing_twice(
    as_supervisor: Client, django_capture_on_commit_callbacks: Any
) -> None:
    data = csv_bytes([HEADERS, GOOD[0], GOOD[1]])
    upload(as_supervisor, "a.csv", data, run_jobs=django_capture_on_commit_callbacks)
    jobs.run("intake.import_run")  # a finished run is not run again
    assert Complaint.objects.count() == 2

    upload(as_supervisor, "a.csv", data, run_jobs=django_capture_on_commit_callbacks)
    second = ImportRun.objects.order_by("pk").last()
    assert second is not None
    assert (second.registered, second.duplicates, second.errors) == (0, 2, 0)
    assert Complaint.objects.count() == 2
    rows = error_file_rows(as_supervisor.get(f"/imports/{second.pk}/errors/"))
    assert len(rows) == 3
    assert "已" in rows[1][2]


def _queued_run(supervisor: Any, rows: list[list[str]]) -> ImportRun:
    checked = imports.import_file_check(name="batch.csv", data=csv_bytes([HEADERS, *rows]))
    return imports.import_run_create(actor=supervisor, checked=checked)


def test_a_run_that_crashed_midway_resumes_after_its_lease_without_registering_twice(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows without an external reference: only the run's cursor keeps them from a second
    # registration.
    rows = [[*r[:6], ""] for r in GOOD] + [[*GOOD[0][:4], "第四条：短信扣费", "", ""]]
    run = _queued_run(supervisor, rows)
    monkeypatch.setattr(imports, "CHUNK", 2)
    real = imports._chunk_import
    calls = {"n": 0}

    def crash_on_second_chunk(*args: Any) -> int | None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args)

    monkeypatch.setattr(imports, "_chunk_import", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        imports.import_runs_process()
    run.refresh_from_db()
    assert (run.status, run.cursor, run.registered) == (ImportStatus.RUNNING, 2, 2)
    assert Complaint.objects.count() == 2

    monkeypatch.setattr(imports, "_chunk_import", real)
    assert imports.import_runs_process()["done"] == 0  # still leased to the dead worker
    with clock.frozen(clock.now() + imports.LEASE + dt.timedelta(seconds=1)):
        assert imports.import_runs_process()["done"] == 1
    run.refresh_from_db()
    assert (run.status, run.cursor, run.registered) == (ImportStatus.DONE, 4, 4)
    assert Complaint.objects.count() == 4
    assert sorted(Complaint.objects.values_list("content", flat=True)) == sorted(r[4] for r in rows)


def test_one_run_is_claimed_by_one_worker(supervisor: Any) -> None:
    run = _queued_run(supervisor, GOOD[:1])
    assert imports._claim_next() == run.pk
    assert imports._claim_next() is None  # the second worker finds it taken
    assert imports.import_run_execute(run.pk) == (ImportStatus.DONE, 1)
    # A worker holding a stale cursor does nothing: the run has moved on.
    assert imports._chunk_import(run, imports._table(run), imports.Lookups(), 0) is None
    assert Complaint.objects.count() == 1


def test_a_run_whose_file_is_gone_fails_with_its_cause(supervisor: Any) -> None:
    run = _queued_run(supervisor, GOOD[:1])
    Path(run.file.path).unlink()
    assert imports.import_runs_process()["failed"] == 1
    run.refresh_from_db()
    assert (run.status, run.failure) == (ImportStatus.FAILED, ImportFailureCause.FILE_MISSING)
    assert Complaint.objects.count() == 0


def test_progress_is_polled_until_the_run_is_finished(
    as_supervisor: Client, supervisor: Any
) -> None:
    run = _queued_run(supervisor, GOOD)
    partial = as_supervisor.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in partial
    assert "0 / 3" in partial
    assert "<html" not in partial
    imports.import_runs_process()
    partial = as_supervisor.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert "3 / 3" in partial


Refusal = Callable[[Client], Any]


def nothing_written(media_root: Path) -> bool:
    return not ImportRun.objects.exists() and not list(media_root.glob("imports/*"))


@pytest.mark.parametrize(
    ("name", "data", "channel", "field", "words"),
    [
        ("投诉.pdf", b"%PDF-1.4", "", "file", "Only .csv and .xlsx"),
        ("投诉.xlsx", b"not a zip", "", "file", "not an Excel .xlsx"),
        ("投诉.csv", b"\xff\xfe\x00\x00garbage\x81\x30", "", "file", "cannot be read"),
        ("投诉.csv", csv_bytes([["日期", "备注"], ["2026-11-20", "x"]]), "", "file", "No column"),
        ("投诉.csv", csv_bytes([HEADERS]), "", "file", "no rows"),
        (
            "投诉.csv",
            csv_bytes([["电话", "投诉内容"], ["13800138000", "x"]]),
            "",
            "default_channel",
            "no channel column",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_at_once_and_nothing_is_written(
    client: Client,
    supervisor: Any,
    settings: Any,
    name: str,
    data: bytes,
    channel: str,
    field: str,
    words: str,
) -> None:
    client.force_login(supervisor)
    response = client.post(
        "/imports/",
        {"file": SimpleUploadedFile(name, data), "default_channel": channel},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert words in " ".join(str(e) for e in response.context["form"].errors[field])
    assert nothing_written(Path(settings.MEDIA_ROOT))


def test_the_missing_columns_are_named(client: Client, supervisor: Any) -> None:
    client.force_login(supervisor)
    data = csv_bytes([["渠道", "电话", "问题"], ["热线", "13800138000", "x"]])
    response = client.post(
        "/imports/", {"file": SimpleUploadedFile("a.csv", data)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    message = " ".join(response.context["form"].errors["file"])
    assert "complaint content (投诉内容)" in message
    assert "phone" not in message


def test_oversized_and_too_long_files_are_refused(
    client: Client, supervisor: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(supervisor)
    big = csv_bytes([HEADERS, *GOOD]) + b"x" * imports.IMPORT_MAX_BYTES
    response = client.post("/imports/", {"file": SimpleUploadedFile("big.csv", big)})
    assert response.status_code == 422
    assert "10 MB" in " ".join(response.context["form"].errors["file"])

    monkeypatch.setattr(imports, "IMPORT_MAX_ROWS", 2)
    data = csv_bytes([HEADERS, *GOOD])
    response = client.post("/imports/", {"file": SimpleUploadedFile("long.csv", data)})
    assert response.status_code == 422
    assert "3" in " ".join(response.context["form"].errors["file"])
    assert nothing_written(Path(settings.MEDIA_ROOT))


def test_only_managers_may_import(
    client: Client, agent: Any, handler: Any, supervisor: Any, settings: Any
) -> None:
    data = csv_bytes([HEADERS, *GOOD])
    for user in (agent, handler):
        client.force_login(user)
        assert client.get("/imports/").status_code == 403
        response = client.post("/imports/", {"file": SimpleUploadedFile("a.csv", data)})
        assert response.status_code == 403
        assert "/imports/" not in client.get("/complaints/").content.decode()
    assert nothing_written(Path(settings.MEDIA_ROOT))
    assert not Complaint.objects.exists()
    client.force_login(supervisor)
    assert 'href="/imports/"' in client.get("/complaints/").content.decode()


def test_a_run_is_seen_by_its_uploader_and_the_administrators_only(
    client: Client, supervisor: Any, dept_head: Any, admin_user: Any
) -> None:
    run = _queued_run(supervisor, GOOD[:1])
    imports.import_runs_process()
    ImportRowError.objects.create(run=run, row=9, errors=[["电话", "x"]], values=["138"])
    client.force_login(dept_head)
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    assert client.get(f"/imports/{run.pk}/errors/").status_code == 404
    assert "batch.csv" not in client.get("/imports/").content.decode()
    client.force_login(admin_user)
    assert client.get(f"/imports/{run.pk}/errors/").status_code == 200
    assert "batch.csv" in client.get("/imports/").content.decode()

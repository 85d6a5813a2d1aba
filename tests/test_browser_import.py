"""Import from the web in a real Chromium (issue 17, Done when: "the web import reports its bad
rows"): a supervisor goes from the complaint list to the import page, uploads a CSV with good
and bad rows, lands on the run, and downloads the error file listing the bad rows; a queued
run's page follows its progress by itself (HTMX polling) until it is done.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["受理时间", "渠道", "客户姓名", "联系电话", "投诉内容", "工单号"]
ROWS = [
    ["2026-11-20 09:30", "热线", "张三", "13800138000", "上月话费多扣了58元", "B-1"],
    ["2026-11-20 10:05", "热线", "李四", "139001390", "宽带断网三天没人修", "B-2"],
    ["2026-11-20 11:00", "营业厅", "王五", "13700137000", "流量包办了没生效", "B-3"],
]


def csv_file(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([HEADERS, *rows])
    return path


def test_upload_shows_the_run_done_and_its_error_file_and_a_queued_run_is_followed(
    browser_page: Any, live_server: Any, page_problems: list[str], tmp_path: Path, settings: Any
) -> None:
    from tousu.accounts.services import user_create
    from tousu.complaints.models import Complaint
    from tousu.intake import imports
    from tousu.setup.services import reference_data_load

    reference_data_load()
    supervisor = user_create(
        username="zhang", role="supervisor", password=PASSWORD, department="billing"
    )
    page, base = browser_page, live_server.url
    log_in(page, base, "zhang")
    page.goto(f"{base}/complaints/")
    page.click("a[href='/imports/']")

    page.set_input_files("input[name=file]", str(csv_file(tmp_path / "十一月.csv", ROWS)))
    page.click("#import-form button[type=submit]")
    # Without a job runner the job ran as the upload committed; with one, the page polls.
    page.wait_for_selector("#import-progress[data-status=done]", timeout=20_000)
    assert "3 / 3" in page.inner_text("#import-progress")
    assert page.inner_text(".import-registered").strip() == "2"
    assert page.inner_text(".import-errors").strip() == "1"
    assert "139001390" not in page.inner_text("table.import-row-errors")  # no data on screen
    assert page.locator("table.import-row-errors tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("#import-error-file")
    body = Path(download.value.path()).read_bytes()
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["3"]
    assert lines[1][3:] == ROWS[1]
    assert Complaint.objects.filter(external_ref__in=["B-1", "B-3"]).count() == 2

    # A run still queued (a busy job runner has not got to it: the enqueue goes nowhere): its
    # page follows the job's progress without a reload.
    data = io.StringIO()
    csv.writer(data).writerows([HEADERS, [*ROWS[0][:5], "B-9"]])
    checked = imports.import_file_check(name="补录.csv", data=data.getvalue().encode())
    settings.TOUSU_JOB_ENQUEUE = "builtins.len"
    run = imports.import_run_create(actor=supervisor, checked=checked)
    page.goto(f"{base}/imports/{run.pk}/")
    assert page.get_attribute("#import-progress", "data-status") == "queued"
    imports.import_runs_process()
    page.wait_for_selector("#import-progress[data-status=done]", timeout=10_000)
    assert "1 / 1" in page.inner_text("#import-progress")
    assert page_problems == []

"""Importing complaints from CSV and Excel: parsing (no database) and `tousu import`."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tousu.complaints.models import Complaint
from tousu.core.clock import SHANGHAI
from tousu.intake.importer import (
    ImportSetupError,
    Lookups,
    cell_text,
    csv_rows,
    decode_csv,
    header_key,
    map_columns,
    parse_map,
    parse_received_at,
    registration_from_row,
    table_from_rows,
)

Cli = Callable[..., tuple[int, str, str]]

HEADERS = ["受理时间", "渠道", "客户姓名", "联系电话", "地区", "投诉内容", "诉求", "工单号"]
GOOD = [
    ["2026/11/20 9:30:00", "热线", "张三", "138 0013 8000", "南京", "多扣了58元", "退费", "A1"],
    ["2026-11-20 10:05", "工信部", "李四", "13900139000", "苏州市", "宽带断网三天了", "", "A2"],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------------------------
# Parsing, without a database
# ---------------------------------------------------------------------------------------------


def test_headers_are_recognised_in_chinese_and_english() -> None:
    columns = map_columns(["投诉内容*", "Phone Number", "客户姓名", "外部编号", "备注"])
    assert columns == {"content": 0, "phone": 1, "name": 2, "external_ref": 3}
    assert header_key("联系电话（必填）") == header_key("联系电话")
    assert map_columns(["description", "mobile", "received_at"])["received_at"] == 2


def test_map_names_columns_and_rejects_unknown_fields() -> None:
    overrides = parse_map(["content=问题详情", "phone=客户号码"])
    assert map_columns(["客户号码", "问题详情"], overrides) == {"content": 1, "phone": 0}
    with pytest.raises(ImportSetupError, match="unknown field 'complaint'"):
        parse_map(["complaint=问题详情"])
    with pytest.raises(ImportSetupError, match="no column"):
        map_columns(["投诉内容", "电话"], {"content": "问题详情"})
    with pytest.raises(ImportSetupError, match="missing column for phone"):
        map_columns(["投诉内容", "姓名"])


def test_csv_is_read_as_utf8_with_or_without_bom_or_else_gbk() -> None:
    text = "投诉内容,电话\n信号差,13800138000\n"
    assert decode_csv(text.encode("utf-8")) == text
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_csv(text.encode("gbk")) == text
    assert csv_rows("投诉内容\t电话\n信号差\t13800138000\n")[1] == ["信号差", "13800138000"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20 09:30", dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)),
        ("2026/11/20 9:30:00", dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)),
        ("2026年11月20日 9:30", dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)),
        ("2026-11-20T01:30:00Z", dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)),
        ("2026-11-20T09:30:00+08:00", dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)),
        (dt.datetime(2026, 11, 20, 9, 30), dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)),
        (46346.396, dt.datetime(2026, 11, 20, 9, 30, 14, 400000, tzinfo=SHANGHAI)),
    ],
)
def test_received_times(value: Any, expected: dt.datetime) -> None:
    assert parse_received_at(value) == expected


def test_an_unreadable_time_is_a_message_for_people() -> None:
    with pytest.raises(ValueError, match="无法识别的时间「下周一」"):
        parse_received_at("下周一")


def test_excel_numbers_become_the_digits_people_typed() -> None:
    assert cell_text(13800138000.0) == "13800138000"
    assert cell_text(None) == ""
    assert cell_text(" 58.5 ") == "58.5"


def test_header_below_a_title_line_and_row_numbers_as_in_the_sheet() -> None:
    rows: list[list[Any]] = [
        ["2026年11月投诉清单", None],
        [None, None],
        ["投诉内容", "电话"],
        ["信号差", "13800138000"],
        ["", ""],
        ["网速慢", "13900139000"],
    ]
    table = table_from_rows(rows)
    assert table.header_row == 3
    assert [number for number, _ in table.rows] == [4, 6]


def test_registration_from_a_row_maps_names_to_codes() -> None:
    lookups = Lookups.build(
        [("suzhou", "苏州", "Suzhou")],
        [("billing", "资费计费", "Billing"), ("billing.roaming", "漫游计费", "Roaming")],
    )
    headers = ["渠道", "内容", "手机号", "地区", "类别", "级别", "时间"]
    columns = map_columns(headers)
    row = ["消协", "漫游费太贵", "13800138000", "苏州市", "资费计费 > 漫游计费", "重要", "明天"]
    registration = registration_from_row(row, columns, default_channel="hotline", lookups=lookups)
    assert registration.channel == "consumer_association"
    assert registration.region == "suzhou"
    assert registration.category == "billing.roaming"
    assert registration.level == "important"
    assert registration.extra_errors["received_at"][0].startswith("无法识别的时间")

    row[0] = ""
    assert registration_from_row(row, columns, default_channel="app", lookups=lookups).channel == (
        "app"
    )


# ---------------------------------------------------------------------------------------------
# `tousu import`
# ---------------------------------------------------------------------------------------------


def test_import_csv_with_chinese_headers_and_bom(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "十一月.csv", [HEADERS, *GOOD])

    code, out, _ = tousu_cli("import", str(path))

    assert code == 0
    assert "imported 2, failed 0 of 2 rows" in out
    first = Complaint.objects.select_related("customer", "region").get(external_ref="A1")
    assert first.channel == "hotline"
    assert first.customer.phone == "13800138000"
    assert first.customer.name == "张三"
    assert first.region is not None
    assert first.region.code == "nanjing"
    assert first.received_at == dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
    assert first.demand == "退费"
    registered = first.events.get(seq=1)
    assert registered.actor_name == "import:十一月.csv"
    second = Complaint.objects.get(external_ref="A2")
    assert (second.channel, second.level) == ("regulator", "over_level")
    assert not (tmp_path / "十一月.csv.errors.csv").exists()


def test_import_gbk_csv(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [HEADERS, *GOOD], encoding="gbk")
    code, out, _ = tousu_cli("import", str(path))
    assert code == 0, out
    assert Complaint.objects.get(external_ref="A2").content == "宽带断网三天了"


def test_import_xlsx(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["投诉内容", "手机号", "受理时间", "渠道"])
    # Excel keeps phone numbers as numbers and times as date cells.
    sheet.append(["5G信号时有时无", 13800138000, dt.datetime(2026, 11, 18, 14, 5), "营业厅"])
    sheet.append(["套餐被改了", "13900139000", "2026-11-19 08:00", "app"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    code, out, _ = tousu_cli("import", str(path))

    assert code == 0, out
    assert "imported 2, failed 0 of 2 rows" in out
    complaint = Complaint.objects.select_related("customer").get(customer__phone="13800138000")
    assert complaint.channel == "store"
    assert complaint.received_at == dt.datetime(2026, 11, 18, 14, 5, tzinfo=SHANGHAI)


def test_bad_rows_are_reported_and_good_rows_kept(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    future = (timezone.now() + dt.timedelta(days=10)).astimezone(SHANGHAI)
    rows = [
        HEADERS,
        GOOD[0],  # row 2
        ["2026-11-20 11:00", "热线", "王五", "13700137000", "", "", "退费", "B3"],  # 3: content
        ["2026-11-20 11:00", "热线", "赵六", "12345", "", "信号差", "", "B4"],  # 4: phone
        ["2026-11-20 11:00", "飞鸽传书", "钱七", "13600136000", "", "网速慢", "", "B5"],  # 5
        [f"{future:%Y-%m-%d %H:%M}", "热线", "孙八", "13500135000", "", "扣费", "", "B6"],  # 6
        GOOD[1],  # row 7
    ]
    path = write_csv(tmp_path / "mixed.csv", rows)

    code, out, _ = tousu_cli("import", str(path))

    assert code == 0
    assert "imported 2, failed 4 of 6 rows" in out
    assert Complaint.objects.count() == 2
    assert set(Complaint.objects.values_list("external_ref", flat=True)) == {"A1", "A2"}
    report = report_rows(tmp_path / "mixed.csv.errors.csv")
    assert [(r["row"], r["field"]) for r in report] == [
        ("3", "投诉内容"),
        ("4", "联系电话"),
        ("5", "渠道"),
        ("6", "受理时间"),
    ]
    assert "不能为空" in report[0]["message"]
    assert "飞鸽传书" in report[2]["message"]
    assert report[1]["联系电话"] == "12345"  # the row as it was, to correct and import again


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_rows_with_times_out_of_range_are_reported_and_the_others_kept(
    tousu_cli: Cli, reference: None, tmp_path: Path, suffix: str
) -> None:
    """Year 1 overflowed the time arithmetic and aborted the whole import with a traceback and
    no errors file; 1900 was registered, overdue at once."""
    from openpyxl import Workbook

    bad = [
        ("0001-01-01", "受理时间不能早于 2000-01-01"),
        ("0001-01-01 09:30", "受理时间不能早于 2000-01-01"),
        ("00010101", "受理时间不能早于 2000-01-01"),
        ("1900-01-01", "受理时间不能早于 2000-01-01"),
        ("1999-12-31 23:59", "受理时间不能早于 2000-01-01"),
        ("9999-12-31 23:59", "受理时间不能晚于当前时间"),
        ("2026-02-30", "无法识别的时间「2026-02-30」"),
        ("10000-01-01", "无法识别的时间「10000-01-01」"),
    ]
    rows: list[list[Any]] = [HEADERS, GOOD[0]]
    for i, (when, _message) in enumerate(bad):
        rows.append([when, "热线", "王五", "13700137000", "", "信号差", "", f"D{i}"])
    rows.append(GOOD[1])
    if suffix == "csv":
        path = write_csv(tmp_path / "dates.csv", rows)
    else:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        # Excel's own date cells: its calendar starts in 1900.
        excel_day = dt.datetime(1900, 1, 1)
        sheet.append([excel_day, "热线", "赵六", "13600136000", "", "网速慢", "", "E"])
        bad.append(("1900-01-01 00:00:00", "受理时间不能早于 2000-01-01"))
        path = tmp_path / "dates.xlsx"
        workbook.save(path)

    code, out, err = tousu_cli("import", str(path))

    assert code == 0, err
    assert "Traceback" not in err
    assert f"imported 2, failed {len(bad)} of {len(bad) + 2} rows" in out
    assert set(Complaint.objects.values_list("external_ref", flat=True)) == {"A1", "A2"}
    report = report_rows(tmp_path / f"dates.{suffix}.errors.csv")
    assert [r["field"] for r in report] == ["受理时间"] * len(bad)
    assert [r["受理时间"] for r in report] == [when for when, _message in bad]
    for line, (_when, message) in zip(report, bad, strict=True):
        assert line["message"].startswith(f"受理时间: {message}"), line["message"]


def test_a_report_can_be_corrected_and_imported_again(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    rows = [HEADERS, GOOD[0], ["2026-11-20 11:00", "热线", "赵六", "12345", "", "信号差", "", "C"]]
    path = write_csv(tmp_path / "a.csv", rows)
    assert tousu_cli("import", str(path), "--errors", str(tmp_path / "fix.csv"))[0] == 0

    report = (tmp_path / "fix.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "fix.csv").write_text(report.replace(",12345,", ",13700137000,"), "utf-8-sig")
    code, out, _ = tousu_cli("import", str(tmp_path / "fix.csv"))
    assert code == 0
    assert "imported 1, failed 0 of 1 rows" in out

    # The original file again: its rows are already registered and are not duplicated.
    code, out, _ = tousu_cli("import", str(path))
    assert code == 1
    assert "imported 0, failed 2 of 2 rows" in out
    assert Complaint.objects.count() == 2


def test_all_rows_failing_exits_1(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [["投诉内容", "电话", "渠道"], ["", "1", "热线"]])
    code, out, err = tousu_cli("import", str(path))
    assert code == 1
    assert "imported 0, failed 1 of 1 rows" in out
    assert "all 1 rows failed" in err


def test_map_and_default_channel(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    rows = [["客户号码", "问题详情"], ["13800138000", "营业员态度很差"]]
    path = write_csv(tmp_path / "custom.csv", rows)

    code, out, err = tousu_cli("import", str(path), "--map", "content=问题详情")
    assert code == 1
    assert "missing column for phone" in err

    mapped = [str(path), "--map", "content=问题详情", "--map", "phone=客户号码"]
    code, out, err = tousu_cli("import", *mapped)
    assert code == 1
    assert "--channel" in err

    code, out, _ = tousu_cli("import", *mapped, "--channel", "营业厅")
    assert code == 0, out
    assert Complaint.objects.get().channel == "store"


def test_dry_run_writes_nothing(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dry.csv", [HEADERS, *GOOD])
    code, out, _ = tousu_cli("import", str(path), "--dry-run")
    assert code == 0
    assert "would import 2, failed 0 of 2 rows" in out
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--map", "complaint=投诉内容"], "unknown field 'complaint'"),
        (["--map", "content=不存在的列"], "no column"),
        (["--channel", "飞鸽传书"], "unknown channel"),
    ],
)
def test_setup_errors_write_nothing(
    tousu_cli: Cli, reference: None, tmp_path: Path, options: list[str], message: str
) -> None:
    path = write_csv(tmp_path / "x.csv", [HEADERS, GOOD[0], ["", "", "", "1", "", "", "", ""]])
    code, _, err = tousu_cli("import", str(path), *options)
    assert code == 1
    assert message in err
    assert Complaint.objects.count() == 0
    assert not (tmp_path / "x.csv.errors.csv").exists()


def test_unsupported_files(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save the sheet as .xlsx" in tousu_cli("import", str(tmp_path / "old.xls"))[2]
    assert "no such file" in tousu_cli("import", str(tmp_path / "missing.csv"))[2]

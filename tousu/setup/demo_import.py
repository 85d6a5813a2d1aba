"""The demo's web import (issue 17): the complaint office's supervisor uploads yesterday's list
of regulator referrals (工信部转办清单) as Excel. Three referrals are registered; one is listed
twice in the sheet and is not registered again; two rows come back in the error file — a phone
number one digit short and a referral whose content was left blank."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from tousu.accounts.models import User
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.intake import imports
from tousu.intake.models import ImportRun

FILE_NAME = "工信部转办清单.xlsx"
HEADERS = [
    "申诉编号",
    "受理时间",
    "渠道",
    "客户姓名",
    "联系电话",
    "地区",
    "类别",
    "级别",
    "投诉内容",
    "诉求",
]
UPLOADER = "supervisor_cs"


def _rows(day: dt.datetime) -> list[list[str]]:
    stamp = f"{day:%Y%m%d}"

    def at(hour: int, minute: int) -> str:
        return f"{day.replace(hour=hour, minute=minute):%Y-%m-%d %H:%M}"

    first = [
        f"GXB{stamp}-JS031",
        at(9, 12),
        "工信部",
        "周建华",
        "13951234567",
        "南京",
        "不明扣费",
        "重要",
        "连续三个月每月被扣10元彩铃费，我从没开通过，营业厅说查不到订购记录，要求查明并退费。",
        "退还全部不明扣费",
    ]
    return [
        first,
        [
            f"GXB{stamp}-JS034",
            at(10, 40),
            "工信部",
            "陈晓梅",
            "13861237788",
            "无锡",
            "套餐资费争议",
            "重要",
            "办理副卡时营业员说不收月费，结果账单每月多出20元副卡功能费，投诉两次都没有结果。",
            "按办理时的承诺取消功能费",
        ],
        [
            f"GXB{stamp}-JS037",
            at(14, 5),
            "工信部",
            "王立新",
            "15005196543",
            "南京",
            "漫游计费",
            "重要",
            "出差香港三天，已订国际漫游包，账单仍按标准资费收了三百多元流量费。",
            "按漫游包重新计费并退还差额",
        ],
        # The list holds the first referral twice: the second is not registered again.
        [*first[:1], at(9, 12), *first[2:]],
        [
            f"GXB{stamp}-JS039",
            at(15, 30),
            "工信部",
            "刘芳",
            "1395123456",  # a digit short: back in the error file
            "苏州",
            "不明扣费",
            "重要",
            "手机每月被扣5元的游戏包月费，本人从未订购。",
            "退费",
        ],
        [
            f"GXB{stamp}-JS040",
            at(16, 2),
            "工信部",
            "赵强",
            "13770012345",
            "常州",
            "信号覆盖",
            "重要",
            "",  # content left blank in the regulator's export
            "",
        ],
    ]


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "转办清单"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_demo_load(now: dt.datetime) -> ImportRun | None:
    """The supervisor's upload at 08:40 this morning (or yesterday's, before 08:40), run by
    the job as it would have been at once."""
    uploader = User.objects.filter(username=UPLOADER).first()
    if uploader is None:
        return None
    local = now.astimezone(SHANGHAI)
    uploaded = local.replace(hour=8, minute=40, second=0, microsecond=0)
    if uploaded > local:
        uploaded -= dt.timedelta(days=1)
    referred = uploaded - dt.timedelta(days=1)
    with clock.frozen(uploaded):
        checked = imports.import_file_check(name=FILE_NAME, data=_xlsx(_rows(referred)))
        run = imports.import_run_create(actor=uploader, checked=checked)
    with clock.frozen(uploaded + dt.timedelta(seconds=20)):
        imports.import_runs_process()
    run.refresh_from_db()
    return run

"""Reading a file of known faults (`tousu import-faults FILE`): network faults or billing errors,
one per row, from CSV (UTF-8 or GBK) or Excel, with Chinese or English column names.

The file reading, header finding, cell and time parsing and the error report are the
complaint import's (tousu.intake.importer); what differs is the columns and that the file is
taken whole or not at all: `fault_rows` checks every row and reports each problem with its row
number and column, and the service writes only a file without any (`faults_import`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tousu.core.templatetags.tousu_ui import listed
from tousu.early_warning.choices import FaultKind
from tousu.intake.importer import (
    Lookups,
    RowFailure,
    Table,
    cell_text,
    header_key,
    lookup,
    parse_received_at,
    table_from_rows,
)

FAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("故障编号", "编号", "外部编号", "工单号", "externalid", "faultid", "id"),
    "kind": ("类型", "故障类型", "kind", "type"),
    "title": ("标题", "故障名称", "名称", "故障标题", "title", "name"),
    "description": ("描述", "故障描述", "说明", "原因", "description", "details"),
    "region": ("地区", "地市", "区域", "城市", "影响区域", "region", "area", "city"),
    "start": ("开始时间", "故障开始时间", "开始", "发生时间", "start", "startedat", "from"),
    "end": ("结束时间", "恢复时间", "故障结束时间", "结束", "end", "endedat", "to"),
    "accounts": (
        "影响账号",
        "受影响账号",
        "账号",
        "账号列表",
        "影响用户",
        "accounts",
        "affectedaccounts",
    ),
}
REQUIRED = ("kind", "title", "start")

KIND_ALIASES: dict[str, str] = {
    **{header_key(code): code for code in FaultKind.values},
    **{header_key(str(label)): code for code, label in FaultKind.choices},
    **{header_key(a): FaultKind.NETWORK for a in ("网络", "网络故障", "断网", "宽带故障", "基站")},
    **{header_key(a): FaultKind.BILLING for a in ("计费", "计费差错", "账务", "计费错误", "扣费")},
}
# Accounts are separated by ; or | (either width), commas or blanks.
_ACCOUNT_SPLIT = re.compile(r"[;；|｜,，\s]+")
_ACCOUNT = re.compile(r"^[0-9A-Za-z-]{1,32}$")


@dataclass
class FaultInput:
    """One valid row: what a Fault is made of, and its key (the external id when the file has
    one, else kind + region + start + title), which makes importing it twice a no-op."""

    row: int
    kind: str
    title: str
    description: str
    region: str  # code, "" = none
    started_at: Any
    ended_at: Any
    accounts: list[str] = field(default_factory=list)
    external_id: str = ""

    @property
    def key(self) -> str:
        if self.external_id:
            return f"id:{self.external_id}"
        return f"{self.kind}|{self.region}|{self.started_at.isoformat()}|{self.title}"[:200]


def fault_table(rows: list[list[Any]]) -> Table:
    return table_from_rows(rows, aliases=FAULT_ALIASES, required=REQUIRED)


def _label(table: Table, name: str) -> str:
    index = table.columns.get(name)
    return table.headers[index] if index is not None else name


def fault_from_row(
    number: int, row: list[Any], table: Table, regions: Lookups
) -> tuple[FaultInput | None, list[tuple[str, str]]]:
    """The row as a FaultInput, or None and its errors as (column, message)."""

    def raw(name: str) -> Any:
        index = table.columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    def text(name: str) -> str:
        return cell_text(raw(name))

    errors: list[tuple[str, str]] = []

    def error(name: str, message: str) -> None:
        errors.append((_label(table, name), message))

    kind = KIND_ALIASES.get(header_key(text("kind")), "")
    if not kind:
        error(
            "kind",
            _("Unknown fault kind “%(value)s”: network or billing") % {"value": text("kind")},
        )
    title = text("title")
    if not title:
        error("title", _("A title is required"))
    elif len(title) > 200:
        error("title", _("At most 200 characters"))
    region = ""
    if text("region"):
        region = lookup(text("region"), regions.regions)
        if region not in regions.regions.values():
            error("region", _("Unknown region “%(value)s”") % {"value": text("region")})
    times: dict[str, Any] = {"start": None, "end": None}
    for name in times:
        if text(name):
            try:
                times[name] = parse_received_at(raw(name))
            except ValueError as exc:
                error(name, str(exc))
    if not text("start"):
        error("start", _("The start time is required"))
    if times["start"] and times["end"] and times["end"] < times["start"]:
        error("end", _("The end is before the start"))
    accounts = [a for a in _ACCOUNT_SPLIT.split(text("accounts")) if a]
    bad = [a for a in accounts if not _ACCOUNT.match(a)]
    if bad:
        error("accounts", _("Not an account number: %(values)s") % {"values": listed(bad[:5])})
    if not region and not accounts:
        error("region", _("Give the region or the affected accounts"))
    external_id = text("external_id")
    if len(external_id) > 64:
        error("external_id", _("At most 64 characters"))
    if errors:
        return None, errors
    return (
        FaultInput(
            row=number,
            kind=kind,
            title=title,
            description=text("description"),
            region=region,
            started_at=times["start"],
            ended_at=times["end"],
            accounts=list(dict.fromkeys(accounts)),
            external_id=external_id,
        ),
        [],
    )


def fault_rows(table: Table, regions: Lookups) -> tuple[list[FaultInput], list[RowFailure]]:
    """Every row checked: the valid ones and each failed row with all its errors. A row that
    repeats an earlier row's fault (same key) is an error: the file says one thing twice."""
    faults: list[FaultInput] = []
    failures: list[RowFailure] = []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        fault, errors = fault_from_row(number, row, table, regions)
        if fault is not None and fault.key in seen:
            message = _("The same fault as row %(row)s") % {"row": seen[fault.key]}
            errors = [(_label(table, "external_id" if fault.external_id else "title"), message)]
            fault = None
        if fault is None:
            failures.append(RowFailure(row=number, errors=errors, values=_values(row)))
        else:
            seen[fault.key] = number
            faults.append(fault)
    return faults, failures


def _values(row: Iterable[Any]) -> list[str]:
    return [cell_text(v) for v in row]

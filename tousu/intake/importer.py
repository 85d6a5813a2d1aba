"""Importing complaints from CSV and Excel files.

Reading and parsing are pure functions (no database): decoding (UTF-8 with or without BOM,
else GB18030, the superset of the GBK that Chinese Excel writes), finding the header row,
mapping Chinese or English column names to fields, and turning cells into a `Registration`.
`import_rows` then registers each row through `complaint_register`, each in its own
transaction, so a bad row changes nothing and the good rows are kept.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from tousu.complaints.choices import Channel, Level
from tousu.core.clock import SHANGHAI
from tousu.core.errors import DomainError
from tousu.core.text import clean_text
from tousu.intake.services import Registration, complaint_register

if TYPE_CHECKING:
    from tousu.accounts.models import User

# Field → the column names people use for it (compared after `header_key`).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("渠道", "受理渠道", "投诉渠道", "来源", "投诉来源", "channel", "source"),
    "content": (
        "投诉内容",
        "内容",
        "问题描述",
        "投诉描述",
        "描述",
        "详细内容",
        "content",
        "description",
        "text",
    ),
    "phone": (
        "电话",
        "手机号",
        "手机",
        "手机号码",
        "联系电话",
        "电话号码",
        "客户电话",
        "用户号码",
        "号码",
        "phone",
        "mobile",
        "phonenumber",
        "customerphone",
    ),
    "name": ("姓名", "客户姓名", "客户名称", "联系人", "name", "customername"),
    "account": ("账号", "帐号", "客户账号", "账户", "account", "customeraccount"),
    "region": ("地区", "地市", "区域", "城市", "region", "city"),
    "received_at": (
        "受理时间",
        "时间",
        "投诉时间",
        "来电时间",
        "登记时间",
        "日期",
        "receivedat",
        "received",
        "date",
        "time",
    ),
    "demand": ("诉求", "客户诉求", "要求", "demand"),
    "category": ("类别", "投诉类别", "分类", "category"),
    "level": ("级别", "投诉级别", "等级", "level"),
    # The customer's plan as it was when they complained (R10.1): an old complaint's product,
    # which the customer's plan today may no longer be.
    "product": ("产品", "套餐", "资费套餐", "业务套餐", "product", "plan"),
    "external_ref": (
        "外部编号",
        "工单号",
        "外部工单号",
        "申诉编号",
        "外部单号",
        "externalref",
        "ref",
        "reference",
    ),
}
FIELDS = tuple(FIELD_ALIASES)
REQUIRED = ("content", "phone")

# What the registration service calls a field → the import field.
SERVICE_FIELDS = {
    "customer.phone": "phone",
    "customer.name": "name",
    "customer.account": "account",
    "customer.region": "region",
}

CHANNEL_ALIASES: dict[str, str] = {
    **{code: code for code in Channel.values},
    **{str(label): code for code, label in Channel.choices},
    **{
        alias: Channel.HOTLINE
        for alias in ("热线", "客服热线", "电话", "10086", "10000", "10010", "语音")
    },
    **{alias: Channel.STORE for alias in ("营业厅", "门店", "实体厅", "线下")},
    **{alias: Channel.WEB for alias in ("网站", "网厅", "网上营业厅", "官网", "网页")},
    **{alias: Channel.APP for alias in ("手机营业厅", "客户端", "掌厅")},
    **{alias: Channel.EMAIL for alias in ("邮件", "电子邮件", "e-mail", "邮箱")},
    **{alias: Channel.WECHAT for alias in ("微信", "公众号", "微信公众号")},
    **{alias: Channel.SMS for alias in ("短信",)},
    **{alias: Channel.LETTER for alias in ("信函", "来信", "信件")},
    **{alias: Channel.REGULATOR for alias in ("工信部", "工信部申诉", "管局", "通管局", "监管")},
    **{alias: Channel.CONSUMER_ASSOCIATION for alias in ("消协", "消费者协会", "12315")},
    **{alias: Channel.MEDIA for alias in ("媒体", "媒体曝光")},
}
LEVEL_ALIASES: dict[str, str] = {
    **{code: code for code in Level.values},
    "普通": Level.ORDINARY,
    "一般": Level.ORDINARY,
    "重要": Level.IMPORTANT,
    "重大": Level.MAJOR,
    "越级": Level.OVER_LEVEL,
}

# Tried in order after ISO 8601 (which also covers "2026-11-20 09:30" and offsets).
_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
# Excel stores dates as days since 1899-12-30; a plausible complaint date is in this range.
_EXCEL_SERIALS = (30000.0, 80000.0)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
HEADER_SEARCH_ROWS = 10  # title lines above the header are skipped


class ImportSetupError(ValueError):
    """The file or the options cannot be imported at all; nothing has been written."""


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------


def header_key(name: str) -> str:
    """A column name as compared: full-width → ASCII, no blanks, underscores or required-marks,
    lower case. "联系电话*", "Phone Number" and "phone_number" compare as one would expect."""
    key = unicodedata.normalize("NFKC", clean_text(str(name))).lower()
    for mark in ("(必填)", "(选填)", "*"):
        key = key.replace(mark, "")
    return "".join(ch for ch in key if not ch.isspace() and ch not in "_-")


_ALIAS_FIELD = {header_key(alias): f for f, aliases in FIELD_ALIASES.items() for alias in aliases}


def parse_map(items: Iterable[str]) -> dict[str, str]:
    """`--map field=Column` options → {field: column}; an unknown field is a setup error."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, column = item.partition("=")
        name = name.strip()
        if not sep or not column.strip():
            raise ImportSetupError(f"--map needs field=Column, got {item!r}")
        if name not in FIELD_ALIASES:
            raise ImportSetupError(f"--map: unknown field {name!r}; fields: {', '.join(FIELDS)}")
        out[name] = column.strip()
    return out


def map_columns(
    headers: list[str],
    overrides: Mapping[str, str] | None = None,
    *,
    aliases: Mapping[str, tuple[str, ...]] = FIELD_ALIASES,
    required: tuple[str, ...] = REQUIRED,
) -> dict[str, int]:
    """{field: column index}. `overrides` (from --map) name the column for a field exactly;
    the other columns are recognised by their aliases (the complaint fields', or another
    file's: `aliases`, `required`). Raises ImportSetupError when a mapped column is absent or
    a required field has no column."""
    alias_field = (
        _ALIAS_FIELD
        if aliases is FIELD_ALIASES
        else {header_key(a): f for f, names in aliases.items() for a in names}
    )
    keys = [header_key(h) for h in headers]
    columns: dict[str, int] = {}
    for index, key in enumerate(keys):
        name = alias_field.get(key)
        if name is not None and name not in columns:
            columns[name] = index
    for name, column in (overrides or {}).items():
        wanted = header_key(column)
        if wanted not in keys:
            raise ImportSetupError(f"--map {name}={column}: no column {column!r} in the file")
        columns[name] = keys.index(wanted)
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportSetupError(
            f"missing column for {', '.join(missing)}: "
            f"name the column (e.g. {aliases[missing[0]][0]}) or use --map"
        )
    return columns


# ---------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A sheet: its header and data rows, each with the row number the user sees."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]
    columns: dict[str, int]


def decode_csv(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 — which reads GBK and GB2312 too."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportSetupError("the file is neither UTF-8 nor GBK/GB18030 text") from exc


def csv_rows(text: str) -> list[list[str]]:
    """Records of a CSV text; the delimiter is whichever of , tab ; appears most in line 1."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    return [list(record) for record in csv.reader(io.StringIO(text), delimiter=delimiter)]


def xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or mislabelled file
        raise ImportSetupError(f"cannot read {path.name} as an Excel .xlsx file: {exc}") from exc
    try:
        sheet = workbook.active
        if sheet is None or not hasattr(sheet, "reset_dimensions"):
            raise ImportSetupError(f"the first sheet of {path.name} is not a worksheet")
        # Files from other programs often carry a wrong size; read what is really there.
        sheet.reset_dimensions()
        return [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()


def read_rows(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return xlsx_rows(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return csv_rows(decode_csv(path.read_bytes()))
    if suffix == ".xls":
        raise ImportSetupError("old .xls files are not supported: save the sheet as .xlsx or .csv")
    raise ImportSetupError(f"unsupported file type {suffix or path.name!r}: use .csv or .xlsx")


def _blank(row: list[Any]) -> bool:
    return all(cell_text(value) == "" for value in row)


def table_from_rows(
    rows: list[list[Any]],
    overrides: Mapping[str, str] | None = None,
    *,
    aliases: Mapping[str, tuple[str, ...]] = FIELD_ALIASES,
    required: tuple[str, ...] = REQUIRED,
) -> Table:
    """Find the header (the first row, among the first few non-blank ones, that names the
    required columns: exports often put a title line above it) and number the data rows as the
    sheet does, from 1 at the top."""
    candidates = [(i, row) for i, row in enumerate(rows) if not _blank(row)][:HEADER_SEARCH_ROWS]
    if not candidates:
        raise ImportSetupError("the file is empty")
    first_error: ImportSetupError | None = None
    for index, row in candidates:
        headers = [cell_text(value) for value in row]
        try:
            columns = map_columns(headers, overrides, aliases=aliases, required=required)
        except ImportSetupError as exc:
            first_error = first_error or exc
            continue
        data = [(i + 1, r) for i, r in enumerate(rows) if i > index and not _blank(r)]
        return Table(headers=headers, header_row=index + 1, rows=data, columns=columns)
    assert first_error is not None
    raise first_error


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text. Excel turns phone numbers into numbers (13800138000.0): whole floats
    lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return clean_text(str(value))


def parse_received_at(value: Any) -> dt.datetime:
    """An aware time from a cell: Excel date cells or serial numbers, ISO 8601 with or without
    an offset, and the usual Chinese spellings. Times without an offset are Asia/Shanghai.
    Raises ValueError with a message for people."""
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float) and _EXCEL_SERIALS[0] < value < _EXCEL_SERIALS[1]:
        moment = _EXCEL_EPOCH + dt.timedelta(days=float(value))
    else:
        text = unicodedata.normalize("NFKC", cell_text(value)).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValueError(
                _("Unrecognised time “%(text)s”; for example 2026-11-20 09:30") % {"text": text}
            )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def lookup(value: str, table: Mapping[str, str]) -> str:
    """The code for a value written as a code or a name (keys compared as `header_key`); the
    value itself when unknown, so that the registration service reports it with its message."""
    return table.get(header_key(value), value)


_CHANNELS = {header_key(alias): code for alias, code in CHANNEL_ALIASES.items()}
_LEVELS = {header_key(alias): code for alias, code in LEVEL_ALIASES.items()}


@dataclass
class Lookups:
    """Names → codes for the values that live in the database (from the command)."""

    regions: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        regions: Iterable[tuple[str, str, str]],
        categories: Iterable[tuple[str, str, str]],
    ) -> Lookups:
        """From (code, name, English name) rows. Category full names ("资费计费 > 不明扣费")
        are accepted as well as the leaf name; a leaf name shared by two parents is ambiguous
        and left out."""
        out = cls()
        for code, name, name_en in regions:
            for alias in (code, name, name + "市", name_en):
                if alias:
                    out.regions[header_key(alias)] = code
        rows = list(categories)
        names = {code: name for code, name, _ in rows}
        leaf_count: dict[str, int] = {}
        for name in names.values():
            leaf_count[name] = leaf_count.get(name, 0) + 1
        for code, name, name_en in rows:
            parent = code.rpartition(".")[0]
            aliases = [code, name_en]
            if leaf_count[name] == 1:
                aliases.append(name)
            if parent in names:
                aliases += [f"{names[parent]}>{name}", f"{names[parent]}/{name}"]
            for alias in aliases:
                if alias:
                    out.categories[header_key(alias)] = code
        return out


def registration_from_row(
    row: list[Any], columns: Mapping[str, int], *, default_channel: str, lookups: Lookups
) -> Registration:
    """A Registration from one row. Unparseable times go into `extra_errors`, so that the
    service reports them together with everything else that is wrong with the row."""

    def raw(name: str) -> Any:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    def text(name: str) -> str:
        return cell_text(raw(name))

    errors: dict[str, list[str]] = {}
    received_at = None
    if text("received_at"):
        try:
            received_at = parse_received_at(raw("received_at"))
        except ValueError as exc:
            errors["received_at"] = [str(exc)]
    channel = text("channel")
    return Registration(
        channel=lookup(channel, _CHANNELS) if channel else default_channel,
        content=text("content"),
        customer_phone=text("phone"),
        customer_name=text("name"),
        customer_account=text("account"),
        region=lookup(text("region"), lookups.regions) if text("region") else "",
        received_at=received_at,
        demand=text("demand"),
        external_ref=text("external_ref"),
        category=lookup(text("category"), lookups.categories) if text("category") else "",
        level=lookup(text("level"), _LEVELS) if text("level") else "",
        product=text("product"),
        extra_errors=errors,
    )


def channel_code(value: str) -> str | None:
    """The channel code for an option value such as "热线" or "hotline"; None if unknown."""
    code = lookup(value, _CHANNELS)
    return code if code in Channel.values else None


# ---------------------------------------------------------------------------------------------
# Registering
# ---------------------------------------------------------------------------------------------


@dataclass
class RowFailure:
    row: int
    errors: list[tuple[str, str]]  # (field as the user knows it: the column name, message)
    values: list[str]
    # Refused only because its external reference is registered already (an export imported
    # twice): counted apart from the rows that need correcting.
    duplicate: bool = False


@dataclass
class ImportResult:
    total: int
    imported: list[str] = field(default_factory=list)  # complaint numbers
    failures: list[RowFailure] = field(default_factory=list)


def _column_label(table: Table, name: str) -> str:
    index = table.columns.get(name)
    return table.headers[index] if index is not None else name


def _duplicate(registration: Registration) -> str | None:
    """The number of a complaint already registered with this external reference: importing
    the same export twice must not register its complaints twice."""
    from tousu.complaints.models import Complaint

    ref = clean_text(registration.external_ref or "")
    if not ref:
        return None
    return Complaint.objects.filter(external_ref=ref).values_list("number", flat=True).first()


def import_rows(
    table: Table,
    *,
    default_channel: str,
    lookups: Lookups,
    actor_name: str,
    actor: User | None = None,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Register every data row, each in its own transaction. With `dry_run` everything is
    validated and registered, then rolled back. `actor` is the member of staff importing
    (the web import's uploader, whose right to register is checked per row); None for the
    command line."""
    result = ImportResult(total=len(table.rows))
    # A real import commits row by row; a dry run holds everything in one transaction that
    # is rolled back at the end.
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        rows = tqdm(table.rows, desc="import", unit="row", disable=not progress, leave=False)
        for number, row in rows:
            registration = registration_from_row(
                row, table.columns, default_channel=default_channel, lookups=lookups
            )
            errors: list[tuple[str, str]] = []
            duplicate = False
            try:
                with transaction.atomic():
                    if existing := _duplicate(registration):
                        label = _column_label(table, "external_ref")
                        message = _(
                            "The external reference is already registered as %(number)s; "
                            "not imported again"
                        ) % {"number": existing}
                        errors.append((label, message))
                        duplicate = True
                    else:
                        complaint = complaint_register(
                            registration=registration, actor=actor, actor_name=actor_name
                        )
                        result.imported.append(complaint.number)
            except DomainError as exc:
                for name, messages in (exc.fields or {"": [exc.message]}).items():
                    label = _column_label(table, SERVICE_FIELDS.get(name, name))
                    errors += [(label, message) for message in messages]
            if errors:
                values = [cell_text(v) for v in row]
                result.failures.append(
                    RowFailure(row=number, errors=errors, values=values, duplicate=duplicate)
                )
        if dry_run:
            transaction.set_rollback(True)
    return result


def error_rows(table: Table, failures: list[RowFailure]) -> list[list[Any]]:
    """The error report as rows: a header — row, field(s), message(s), then the file's own
    headers — and one line per failed row with the row as it was, so that the report can be
    corrected and imported again."""
    width = len(table.headers)
    out: list[list[Any]] = [["row", "field", "message", *table.headers]]
    for failure in failures:
        fields = "; ".join(dict.fromkeys(name for name, _message in failure.errors))
        messages = "; ".join(f"{name}: {message}" for name, message in failure.errors)
        values = (failure.values + [""] * width)[:width]
        out.append([failure.row, fields, messages, *values])
    return out


def error_report(table: Table, failures: list[RowFailure]) -> str:
    """The error report (`error_rows`) as CSV text."""
    out = io.StringIO()
    csv.writer(out).writerows(error_rows(table, failures))
    return out.getvalue()

"""Reference data of the organisation: departments, regions and the default department.

Plain tuples so that the loader (`tousu init`), the demo and tests share one source. Codes are
stable identifiers used by the API and routing; names are what users read.
"""

from __future__ import annotations

from typing import NamedTuple


class DepartmentRow(NamedTuple):
    code: str
    name: str
    name_en: str


class RegionRow(NamedTuple):
    code: str
    name: str
    name_en: str
    customers: int  # subscriber count, the denominator of 万投比


DEPARTMENTS: tuple[DepartmentRow, ...] = (
    DepartmentRow("complaint_office", "投诉管理办公室", "Complaint office"),
    DepartmentRow("customer_service", "客户服务中心", "Customer service centre"),
    DepartmentRow("billing", "计费中心", "Billing centre"),
    DepartmentRow("network", "网络运维中心", "Network operations centre"),
    DepartmentRow("broadband", "家庭宽带中心", "Home broadband centre"),
    DepartmentRow("marketing", "市场部", "Marketing department"),
    DepartmentRow("store_ops", "渠道运营部", "Store operations"),
    DepartmentRow("terminal", "终端公司", "Devices company"),
    DepartmentRow("security", "信息安全部", "Information security"),
    DepartmentRow("legal", "法律事务部", "Legal affairs"),
)

# The department that receives what no category table row covers.
DEFAULT_DEPARTMENT = "complaint_office"

REGIONS: tuple[RegionRow, ...] = (
    RegionRow("nanjing", "南京", "Nanjing", 5_200_000),
    RegionRow("suzhou", "苏州", "Suzhou", 8_100_000),
    RegionRow("wuxi", "无锡", "Wuxi", 4_300_000),
    RegionRow("changzhou", "常州", "Changzhou", 3_100_000),
    RegionRow("nantong", "南通", "Nantong", 3_600_000),
    RegionRow("xuzhou", "徐州", "Xuzhou", 4_000_000),
    RegionRow("yangzhou", "扬州", "Yangzhou", 2_100_000),
    RegionRow("yancheng", "盐城", "Yancheng", 2_700_000),
)

"""Reference data loaded by `tousu init`: the telecom category tree. Departments and regions are
the organisation's own, in `tousu.accounts.reference`.

Plain tuples so that the loader, the demo and tests share one source. Codes are stable
identifiers used by the API and routing; names are what users read.
"""

from __future__ import annotations

from typing import NamedTuple


class CategoryRow(NamedTuple):
    code: str
    name: str
    name_en: str
    department: str  # responsible department code (simple category → department table)


# Parents come before children; a child's code is "<parent>.<leaf>".
CATEGORIES: tuple[CategoryRow, ...] = (
    CategoryRow("network", "网络质量", "Network quality", "network"),
    CategoryRow("network.coverage", "信号覆盖", "Signal coverage", "network"),
    CategoryRow("network.data_speed", "上网速度", "Mobile data speed", "network"),
    CategoryRow("network.call_quality", "通话质量", "Call quality", "network"),
    CategoryRow("network.broadband_outage", "宽带故障", "Broadband outage", "broadband"),
    CategoryRow("billing", "资费计费", "Tariffs and billing", "billing"),
    CategoryRow("billing.unexplained_charge", "不明扣费", "Unexplained charges", "billing"),
    CategoryRow("billing.tariff_dispute", "套餐资费争议", "Tariff dispute", "billing"),
    CategoryRow("billing.value_added", "增值业务扣费", "Value-added service charges", "billing"),
    CategoryRow("billing.roaming", "漫游计费", "Roaming charges", "billing"),
    CategoryRow("marketing", "营销宣传", "Marketing", "marketing"),
    CategoryRow("marketing.false_advertising", "虚假宣传", "Misleading advertising", "marketing"),
    CategoryRow("marketing.mis_sold", "误导办理", "Mis-sold package", "marketing"),
    CategoryRow(
        "marketing.promotion_not_honoured", "优惠未兑现", "Promotion not honoured", "marketing"
    ),
    CategoryRow("service", "服务质量", "Service quality", "customer_service"),
    CategoryRow("service.attitude", "服务态度", "Staff attitude", "customer_service"),
    CategoryRow("service.hotline_access", "热线接通", "Hotline access", "customer_service"),
    CategoryRow("service.store", "营业厅服务", "Store service", "store_ops"),
    CategoryRow("service.promise_broken", "承诺未兑现", "Promise not kept", "customer_service"),
    CategoryRow("business", "业务办理", "Service orders", "customer_service"),
    CategoryRow("business.broadband_install", "宽带装机", "Broadband installation", "broadband"),
    CategoryRow("business.number_porting", "携号转网", "Number portability", "customer_service"),
    CategoryRow("business.cancellation", "销户退订", "Cancellation", "customer_service"),
    CategoryRow("business.real_name", "实名登记", "Real-name registration", "store_ops"),
    CategoryRow("device", "终端与产品", "Devices and products", "terminal"),
    CategoryRow("device.handset", "手机终端故障", "Handset fault", "terminal"),
    CategoryRow("device.router", "光猫路由器", "Modem and router", "broadband"),
    CategoryRow("security", "信息安全", "Information security", "security"),
    CategoryRow("security.harassment", "骚扰电话短信", "Nuisance calls and spam", "security"),
    CategoryRow("security.fraud", "电信网络诈骗", "Telecom fraud", "security"),
    CategoryRow("security.privacy", "个人信息泄露", "Personal data leak", "security"),
)

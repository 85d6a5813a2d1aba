"""The product a complaint is about (R10.1): the customer's plan as it stood when the complaint
was registered, kept with the complaint — a later change of plan does not move it — or, for an
old complaint imported, the plan its row names."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tousu.complaints.models import Complaint
from tousu.core.errors import ValidationFailed
from tousu.customers.models import Customer
from tousu.intake.importer import map_columns

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def test_a_complaint_keeps_the_plan_it_was_registered_under(
    register: Callable[..., Any],
) -> None:
    Customer.objects.create(phone=PHONE, name="张三", plan="5G畅享套餐129元")
    first = register(customer_phone=PHONE)
    assert first.product == "5G畅享套餐129元"
    assert first.events.get(seq=1).data["product"] == "5G畅享套餐129元"

    Customer.objects.filter(phone=PHONE).update(plan="融合套餐169元（含千兆宽带）")
    second = register(customer_phone=PHONE, content="宽带又断网了，光猫红灯")

    assert second.product == "融合套餐169元（含千兆宽带）"
    first.refresh_from_db()
    assert first.product == "5G畅享套餐129元"


def test_a_customer_without_a_known_plan_gives_no_product(register: Callable[..., Any]) -> None:
    complaint = register(customer_phone="13900139000")  # a new customer: the CRM said nothing
    assert complaint.product == ""
    assert "product" not in complaint.events.get(seq=1).data


def test_a_product_given_by_the_channel_is_kept_over_today_s_plan(
    register: Callable[..., Any],
) -> None:
    Customer.objects.create(phone=PHONE, plan="5G智享套餐199元")
    complaint = register(customer_phone=PHONE, product="  5G畅享套餐129元 ")
    assert complaint.product == "5G畅享套餐129元"


def test_a_product_too_long_is_refused_and_nothing_registered(
    register: Callable[..., Any],
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(customer_phone=PHONE, product="套" * 65)
    assert "product" in refused.value.fields
    assert not Complaint.objects.exists()
    assert not Customer.objects.filter(phone=PHONE).exists()


def test_an_import_s_plan_column_is_the_complaint_s_product(
    tousu_cli: Callable[..., tuple[int, str, str]], reference: None, tmp_path: Path
) -> None:
    assert map_columns(["投诉内容", "电话", "套餐"])["product"] == 2
    assert map_columns(["content", "phone", "Product"])["product"] == 2
    Customer.objects.create(phone=PHONE, plan="5G智享套餐199元")  # the plan today
    path = tmp_path / "旧投诉.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(
            [
                ["受理时间", "渠道", "联系电话", "投诉内容", "资费套餐", "工单号"],
                ["2026-11-02 09:30", "热线", PHONE, "流量被改了", "5G畅享套餐129元", "B1"],
                ["2026-11-03 10:00", "热线", PHONE, "又多扣了10元", "", "B2"],
            ]
        )

    code, out, err = tousu_cli("import", str(path))

    assert code == 0, (out, err)
    assert Complaint.objects.get(external_ref="B1").product == "5G畅享套餐129元"
    assert Complaint.objects.get(external_ref="B2").product == "5G智享套餐199元"

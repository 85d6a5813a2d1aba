"""A spike by product (R10.1): one plan's customers complain together — about several matters,
from several cities and channels — and the hourly scan raises one alert naming that plan, which
the API, the alerts page (in Chinese and English) and its link to the complaint list follow.
The product counted is the plan when each complaint was registered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tousu.analytics import jobs as analytics_jobs
from tousu.core import clock
from tousu.customers.models import Customer
from tousu.early_warning.models import Alert
from tousu.early_warning.services import alert_scan

pytestmark = pytest.mark.django_db

# A Wednesday, 15:00 in Shanghai: the plan's wave comes between 09:00 and 15:00.
NOW = dt.datetime(2026, 11, 18, 15, 5, tzinfo=clock.SHANGHAI)
PRODUCT = "5G畅享套餐129元"
OTHER_PLANS = ("融合套餐169元（含千兆宽带）", "大流量卡39元", "校园卡29元", "4G飞享套餐38元")
USUAL = [
    ("上个月话费无故多扣了58元", "billing.unexplained_charge"),
    ("营业厅办理业务排队太久", "service.store"),
    ("家里信号一直只有一格", "network.coverage"),
    ("套餐变更后资费不对", "billing.tariff_dispute"),
]
# The plan's change, told three ways, from three cities and four channels: only the product
# holds the wave (a category, region or channel holds a third of it or less).
WAVE = [
    ("账单多了一笔10元的5G加速包，我从没订过", "billing.unexplained_charge"),
    ("套餐里的30G通用流量变成了20G加10G定向流量", "billing.tariff_dispute"),
    ("办理时承诺两年内套餐内容不变，现在流量被改了", "marketing.promotion_not_honoured"),
]
REGIONS = ("nanjing", "suzhou", "wuxi")
CHANNELS = ("hotline", "app", "wechat", "web")
WAVE_CALLS = 18


def _customer(phone: str, plan: str) -> None:
    Customer.objects.create(phone=phone, name="客户", plan=plan)


def _usual_days(register: Callable[..., Any]) -> None:
    """Two complaints a day over the 30 days before NOW, from customers on the other plans
    and, now and then, on the plan of the wave (so that it has a usual level of its own)."""
    for d in range(30, 0, -1):
        for i, hour in enumerate((10, 16)):
            phone = f"1380000{d:02d}{i:02d}"
            plan = PRODUCT if (d + i) % 7 == 0 else OTHER_PLANS[(d + i) % len(OTHER_PLANS)]
            _customer(phone, plan)
            content, category = USUAL[(d + i) % len(USUAL)]
            register(
                content=content,
                category=category,
                customer_phone=phone,
                region=REGIONS[(d + i) % len(REGIONS)],
                received_at=(NOW - dt.timedelta(days=d)).replace(hour=hour, minute=10 + i),
            )


def _product_wave(register: Callable[..., Any]) -> None:
    for i in range(WAVE_CALLS):
        phone = f"1391111{i:04d}"
        _customer(phone, PRODUCT)
        content, category = WAVE[i % len(WAVE)]
        register(
            content=content,
            category=category,
            customer_phone=phone,
            region=REGIONS[(i // 3) % len(REGIONS)],
            channel=CHANNELS[i % len(CHANNELS)],
            received_at=NOW.replace(hour=9 + i % 6, minute=2 * i),
        )


def _scan(at: dt.datetime) -> dict[str, int]:
    analytics_jobs.fill()
    with clock.frozen(at):
        return alert_scan(now=at)


@pytest.fixture
def product_alert(register: Callable[..., Any]) -> Alert:
    _usual_days(register)
    assert _scan(NOW.replace(hour=9))["raised"] == 0  # a normal morning
    _product_wave(register)
    assert _scan(NOW)["raised"] == 1
    return Alert.objects.get()


def test_a_wave_of_one_plan_s_complaints_raises_one_alert_naming_the_plan(
    product_alert: Alert,
) -> None:
    assert product_alert.slice == [["product", PRODUCT]]
    assert product_alert.observed >= WAVE_CALLS
    assert product_alert.observed > 4 * product_alert.expected
    terms = [t["term"] for t in product_alert.terms]
    assert {"流量", "套餐"} & set(terms[:5])
    assert len(product_alert.examples) == 5


def test_the_plan_counted_is_the_one_at_registration(product_alert: Alert) -> None:
    """The wave's customers move to another plan afterwards: counted again from scratch, their
    complaints stay under the plan they complained about, and the alert goes on while the
    wave does."""
    from tousu.analytics.services import counts_rebuild

    Customer.objects.filter(plan=PRODUCT).update(plan="5G智享套餐199元")
    counts_rebuild()
    later = NOW + dt.timedelta(hours=1)
    with clock.frozen(later):
        summary = alert_scan(now=later)
    assert (summary["raised"], summary["ended"], summary["ongoing"]) == (0, 0, 1)
    product_alert.refresh_from_db()
    assert product_alert.ongoing
    assert product_alert.last_seen_at == later


def test_the_api_and_the_alerts_page_name_the_product(
    api_as: Callable[[Any], Any], analyst: Any, client: Client, product_alert: Alert
) -> None:
    day = clock.local(NOW).date()
    with clock.frozen(NOW):
        body = api_as(analyst).get(f"/api/v1/alerts?from={day}&to={day}").json()
    item = body["items"][0]
    assert item["slice"] == {"product": PRODUCT}
    assert item["label"] == f"产品/套餐：{PRODUCT}"

    client.force_login(analyst)
    with clock.frozen(NOW):
        page = client.get("/alerts/").content.decode()
        english = client.get("/alerts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"产品/套餐：{PRODUCT}" in page
    assert f"Product: {PRODUCT}" in english


def test_the_alert_s_link_lists_the_plan_s_complaints_of_its_window(
    admin_user: Any, product_alert: Alert
) -> None:
    from tousu.complaints.models import Complaint
    from tousu.complaints.selectors import complaint_list
    from tousu.desk.forms import ComplaintFilterForm
    from tousu.early_warning import selectors
    from tousu.early_warning.views import with_links

    row = with_links(selectors.alert_rows([product_alert]))[0]
    query = {k: v[0] for k, v in parse_qs(urlsplit(row["list_url"]).query).items()}
    assert query["product"] == PRODUCT
    form = ComplaintFilterForm(data=query)
    assert form.is_valid(), form.errors
    listed = set(complaint_list(admin_user, form.filters()).values_list("number", flat=True))
    wave = Complaint.objects.filter(customer__phone__startswith="1391111")
    # The wave's complaints, not the plan's usual ones of the days before, nor other plans'.
    assert listed == set(wave.values_list("number", flat=True))
    assert len(listed) == WAVE_CALLS

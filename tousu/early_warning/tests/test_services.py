"""The hourly scan on the real count tables: a wave raises one alert with its terms, tells the
configured roles and the webhook receivers, is not raised again while it lasts, and ends when
the slice is back to normal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from tousu.analytics import jobs as analytics_jobs
from tousu.core import clock
from tousu.core.reasons import reason_text
from tousu.early_warning import jobs
from tousu.early_warning.models import Alert
from tousu.early_warning.services import alert_acknowledge, alert_scan
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint

pytestmark = pytest.mark.django_db

# A Wednesday, 15:00 in Shanghai: the wave comes between 13:00 and 15:00.
NOW = dt.datetime(2026, 11, 18, 15, 5, tzinfo=clock.SHANGHAI)
OUTAGE = [
    "家里宽带从中午开始断网，光猫红灯一直闪",
    "小区断网两个小时了，光猫重启也没用",
    "宽带突然断网，打客服排队很久",
]
USUAL = [
    "上个月话费无故多扣了58元",
    "套餐变更后资费不对",
    "账单里有一项不明扣费",
    "营业厅办理业务排队太久",
]


def _usual_days(register: Callable[..., Any], hours: tuple[int, ...] = (10, 16)) -> None:
    """A complaint at each of `hours` every day of the 30 days before NOW."""
    for d in range(30, 0, -1):
        for i, hour in enumerate(hours):
            at = (NOW - dt.timedelta(days=d)).replace(hour=hour, minute=10 + i)
            register(
                content=USUAL[(d + i) % len(USUAL)],
                customer_phone=f"1380000{d:02d}{i:02d}",
                received_at=at,
            )


def _outage(register: Callable[..., Any], n: int = 14) -> None:
    for i in range(n):
        register(
            content=OUTAGE[i % len(OUTAGE)],
            category="network.broadband_outage",
            customer_phone=f"1391111{i:04d}",
            received_at=NOW.replace(hour=13 + i % 2, minute=2 * i),
        )


def _scan(at: dt.datetime) -> dict[str, int]:
    analytics_jobs.fill()
    with clock.frozen(at):
        return alert_scan(now=at)


def test_a_wave_raises_one_alert_with_its_cause_and_tells_people(
    register: Callable[..., Any], supervisor: Any, analyst: Any, handler: Any
) -> None:
    WebhookEndpoint.objects.create(name="noc", url="http://127.0.0.1:9/hook", secret="s")
    _usual_days(register)
    assert _scan(NOW.replace(hour=12))["raised"] == 0  # a normal morning
    _outage(register)

    summary = _scan(NOW)

    assert summary["raised"] == 1
    alert = Alert.objects.get()
    assert alert.ongoing
    assert alert.observed >= 10
    assert alert.observed > 4 * alert.expected
    # The outage is in one category; the alert says which, not just "more complaints".
    assert ["category", str(_category_id("network.broadband_outage"))] in alert.slice
    terms = [t["term"] for t in alert.terms]
    assert terms[0] == "断网"
    assert "光猫" in terms[:3]
    assert not {"话费", "资费", "账单"} & set(terms)  # the usual complaints' words
    assert len(alert.examples) == 5
    told = set(Notification.objects.filter(kind="alert").values_list("user__username", flat=True))
    assert {supervisor.username, analyst.username} <= told
    assert handler.username not in told
    # The notice names the slice in each reader's language, not the scan's.
    notice = Notification.objects.filter(kind="alert").first()
    assert notice is not None
    with translation.override("en"):
        english = reason_text(notice.notice)
    with translation.override("zh-hans"):
        chinese = reason_text(notice.notice)
    assert english.startswith("Complaint spike: ")
    assert not re.search("[\u4e00-\u9fff]", english)
    assert "宽带" in chinese
    assert "宽带" in notice.text
    hook = Delivery.objects.get(event="alert")
    assert hook.payload["data"]["id"] == alert.pk
    assert "断网" in hook.payload["data"]["terms"]


def test_the_same_wave_is_not_raised_again_and_ends_when_it_is_over(
    register: Callable[..., Any], supervisor: Any
) -> None:
    _usual_days(register, hours=(14,))
    _outage(register)
    assert _scan(NOW)["raised"] == 1
    # The job again in the same hour, and an hour later while the wave goes on: nothing new.
    with clock.frozen(NOW):
        assert jobs.scan()["raised"] == 0
    assert _scan(NOW + dt.timedelta(hours=1))["raised"] == 0
    assert Alert.objects.count() == 1
    assert Alert.objects.get().ongoing
    assert Notification.objects.filter(kind="alert").count() == 1

    # Two days later the outage's complaints have left the latest 24 hours: the alert ends.
    later = NOW + dt.timedelta(days=2)
    summary = _scan(later)
    alert = Alert.objects.get()
    assert summary["ended"] == 1
    assert alert.ended_at == later


def test_acknowledging_twice_is_refused(register: Callable[..., Any], supervisor: Any) -> None:
    from tousu.core.errors import ValidationFailed

    _usual_days(register, hours=(14,))
    _outage(register)
    _scan(NOW)
    alert = alert_acknowledge(alert=Alert.objects.get(), actor=supervisor)
    assert alert.acknowledged_by == supervisor
    with pytest.raises(ValidationFailed):
        alert_acknowledge(alert=alert, actor=supervisor)


def _category_id(code: str) -> int:
    from tousu.classification.models import Category

    return int(Category.objects.get(code=code).pk)

"""The repair pages: list, case, a step, a contact, the close form; scope and masking; the
links from the complaint and the customer; the dashboard panel and the quarterly section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from tousu.callbacks.models import CallbackTask
from tousu.repair.models import RepairCase

Make = Callable[..., CallbackTask]


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def case(dissatisfied: Make) -> RepairCase:
    return RepairCase.objects.get(customer=dissatisfied().complaint.customer_id)


def test_the_list_and_the_case_page_masked(case: RepairCase, handler: Any) -> None:
    client = login(handler)
    page = client.get("/repair/").content.decode()
    assert f'href="/repair/{case.pk}/"' in page
    assert "138****8000" in page
    assert "13800138000" not in page
    detail = client.get(f"/repair/{case.pk}/").content.decode()
    assert "核查账单与计费" in detail  # the plan's step
    assert "13800138000" not in detail
    assert f'action="/repair/{case.pk}/close/"' in detail


def test_filters(case: RepairCase, handler: Any) -> None:
    client = login(handler)
    assert f"/repair/{case.pk}/" in client.get("/repair/", {"type": "tariff"}).content.decode()
    assert f"/repair/{case.pk}/" not in client.get("/repair/", {"type": "network"}).content.decode()
    assert (
        f"/repair/{case.pk}/" not in client.get("/repair/", {"status": "closed"}).content.decode()
    )


def test_out_of_scope_is_404_and_the_front_line_reads_only(
    case: RepairCase, outsider: Any, agent: Any, analyst: Any
) -> None:
    assert login(outsider).get(f"/repair/{case.pk}/").status_code == 404
    assert (
        login(outsider).post(f"/repair/{case.pk}/close/", {"satisfaction_after": "5"}).status_code
        == 404
    )
    page = login(agent).get(f"/repair/{case.pk}/").content.decode()
    assert "/close/" not in page  # no form for whom may not act
    assert (
        login(agent).post(f"/repair/{case.pk}/close/", {"satisfaction_after": "5"}).status_code
        == 422
    )
    case.refresh_from_db()
    assert case.status == "open"


def test_a_step_then_the_close_from_the_page(case: RepairCase, handler: Any) -> None:
    client = login(handler)
    answer = client.post(f"/repair/{case.pk}/action/", {"step": "contact", "note": "已联系"})
    assert answer.status_code == 302
    answer = client.post(
        f"/repair/{case.pk}/action/", {"contact_outcome": "accepted", "note": "客户同意改套餐"}
    )
    assert answer.status_code == 302
    bad = client.post(f"/repair/{case.pk}/close/", {"satisfaction_after": "9"})
    assert bad.status_code == 422
    answer = client.post(
        f"/repair/{case.pk}/close/", {"satisfaction_after": "4", "outcome": "已改"}
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.satisfaction_after, case.owner) == ("closed", 4, handler)
    assert case.contacts.count() == 1
    page = client.get(f"/repair/{case.pk}/").content.decode()
    assert "/close/" not in page


def test_the_complaint_and_the_customer_link_to_the_case(case: RepairCase, handler: Any) -> None:
    client = login(handler)
    assert case.complaint is not None
    page = client.get(f"/complaints/{case.complaint.number}/").content.decode()
    assert f'href="/repair/{case.pk}/"' in page
    page = client.get(f"/customers/{case.customer_id}/").content.decode()
    assert f'href="/repair/{case.pk}/"' in page


def test_the_complaint_timeline_says_what_found_the_customer_and_the_repair_type(
    dissatisfied: Make, handler: Any
) -> None:
    task = dissatisfied(result="unreachable")
    page = login(handler).get(f"/complaints/{task.complaint.number}/").content.decode()
    opened = page[page.index("已建立修复工单") :]
    assert "识别来源" in opened
    assert "回访未接通" in opened
    assert "分类来源" not in opened[:400]  # it read 分类来源 unreachable
    assert "unreachable" not in opened[:400]


def test_the_queue_page_shows_the_repair_item(case: RepairCase, handler: Any) -> None:
    page = login(handler).get("/").content.decode()
    assert f'data-repair="{case.pk}"' in page
    assert f'href="/repair/{case.pk}/"' in page


def test_the_dashboard_has_the_effect_panel(case: RepairCase, analyst: Any) -> None:
    page = login(analyst).get("/dashboard/").content.decode()
    assert 'data-panel="repair-effect"' in page


def test_the_quarterly_report_has_the_repair_section(case: RepairCase, handler: Any) -> None:
    from tousu.analytics.report import parse_quarter, quarterly_data
    from tousu.analytics.report_text import document
    from tousu.core import clock
    from tousu.repair.services import repair_case_close

    repair_case_close(case=case, actor=handler, satisfaction_after=5)
    today = clock.local_today()
    quarter = parse_quarter(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    doc = document(quarterly_data(quarter))
    section = doc.sections[-1]
    assert section.title == "九、不满意客户修复效果"
    assert "完成修复 1 名" in section.paragraphs[0]


def test_a_step_past_its_due_time_reads_overdue_in_words(case: RepairCase, handler: Any) -> None:
    """Not grey: a step past due and not done is marked overdue (red, and 已逾期 in words), on
    the case page and the list's due time; a done step or one not yet due is not."""
    import datetime as dt

    from tousu.core import clock

    past = clock.now() - dt.timedelta(hours=3)
    case.actions.filter(step__in=["contact", "bill_check"]).update(due_at=past)
    client = login(handler)
    client.post(f"/repair/{case.pk}/action/", {"step": "bill_check", "note": "已核查"})
    page = client.get(f"/repair/{case.pk}/").content.decode()

    def step(code: str) -> str:
        return (
            page.split(f'data-step="{code}"')[0].rsplit("<li", 1)[1]
            + page.split(f'data-step="{code}"')[1].split("</li>")[0]
        )

    assert 'class="overdue"' in step("contact")
    assert "已逾期" in step("contact")
    assert "已逾期" not in step("bill_check")  # done, late or not
    assert "已逾期" not in step("refund")  # not due yet
    RepairCase.objects.filter(pk=case.pk).update(due_at=past)
    row = client.get("/repair/").content.decode().split(f'data-case="{case.pk}"')[1]
    assert "已逾期" in row.split("</tr>")[0]

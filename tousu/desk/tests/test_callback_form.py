"""The callback form on the complaint page (R8.1): nothing preselected, the overall score and
coded reasons (required when dissatisfied), buttons for calls that failed, and the script from
the approved wording beside it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint
from tousu.knowledge.services import WordingVersionInput, wording_article_create

pytestmark = pytest.mark.django_db
Build = Callable[..., Complaint]


def detail(user: Any, complaint: Complaint) -> str:
    response = as_user(user).get(reverse("desk:detail", args=[complaint.number]))
    assert response.status_code == 200
    return page(response)


def callback_form(html: str) -> str:
    match = re.search(r'<details class="action action-callback".*?</details>', html, re.S)
    assert match, "no callback form on the page"
    return match.group(0)


def post(user: Any, complaint: Complaint, data: dict[str, Any]) -> Any:
    return as_user(user).post(reverse("desk:action", args=[complaint.number, "callback"]), data)


def test_no_result_is_preselected(complaint_in: Build, agent: Any) -> None:
    form = callback_form(detail(agent, complaint_in("closed")))
    results = re.findall(r'<input type="radio" name="result"[^>]*>', form)
    assert len(results) == 3  # satisfied, basically, dissatisfied: unreachable comes from calls
    assert not any("checked" in r for r in results)
    assert 'name="overall"' in form
    assert form.count('name="reasons"') == 10
    assert 'name="attempt" value="no_answer"' in form
    assert 'name="attempt" value="switched_off"' in form


def test_the_form_reads_in_chinese(complaint_in: Build, agent: Any) -> None:
    form = callback_form(detail(agent, complaint_in("closed")))
    for text in ("总体满意度", "不满意原因", "未接通", "关机", "拒绝回访", "回访话术"):
        assert text in form, text


def test_a_dissatisfied_result_needs_a_reason(complaint_in: Build, agent: Any) -> None:
    complaint = complaint_in("closed")
    response = post(agent, complaint, {"result": "dissatisfied", "action": "reopen"})
    assert response.status_code == 422
    assert CallbackTask.objects.get(complaint=complaint).status == "pending"
    response = post(agent, complaint, {"action": "reopen"})
    assert response.status_code == 422
    response = post(
        agent,
        complaint,
        {"result": "dissatisfied", "reasons": ["remedy"], "overall": "2", "action": "repair"},
    )
    assert response.status_code == 302
    task = CallbackTask.objects.get(complaint=complaint)
    assert (task.result, task.reasons, task.overall) == ("dissatisfied", ["remedy"], 2)


def test_an_attempt_button_records_a_call_without_a_result(complaint_in: Build, agent: Any) -> None:
    complaint = complaint_in("closed")
    # The button posts the form as it stands: a half-filled result is not recorded.
    response = post(
        agent, complaint, {"attempt": "busy", "result": "satisfied", "action": "reopen"}
    )
    assert response.status_code == 302
    task = CallbackTask.objects.get(complaint=complaint)
    assert (task.status, task.result, task.attempt_count) == ("pending", "", 1)
    assert task.next_attempt_at is not None
    form = callback_form(detail(agent, complaint))
    assert "已呼叫 1 次" in form
    assert (
        f"{task.next_attempt_at.astimezone(dt.timezone(dt.timedelta(hours=8))):%m-%d %H:%M}" in form
    )


def test_the_script_is_the_approved_wording_with_the_complaints_facts(
    complaint_in: Build, agent: Any, quality: Any, analyst: Any
) -> None:
    complaint = complaint_in("closed")
    wording_article_create(
        actor=quality,
        key="callback-script",
        title="投诉回访话术",
        topic="policy",
        first_version=WordingVersionInput(
            "{greeting}您反映的{category}问题（工单号 {number}），处理结果：{remedies}。",
            dt.date(2026, 1, 1),
        ),
    )
    form = callback_form(detail(agent, complaint))
    assert "投诉回访话术 v1" in form
    assert f"工单号 {complaint.number}" in form
    assert "退款 58.00 元" in form
    # The agent's role may not see names: masked.
    assert "尊敬的张*客户" in form
    assert "张三" not in form


def test_the_built_in_script_without_an_approved_wording(complaint_in: Build, agent: Any) -> None:
    complaint = complaint_in("closed")
    form = callback_form(detail(agent, complaint))
    assert "回访专员" in form
    assert complaint.number in form


def test_a_failed_call_keeps_a_short_note(complaint_in: Build, agent: Any) -> None:
    complaint = complaint_in("closed")
    response = post(
        agent, complaint, {"attempt": "busy", "comment": "忙" * 201, "action": "reopen"}
    )
    assert response.status_code == 422
    assert CallbackTask.objects.get(complaint=complaint).attempt_count == 0

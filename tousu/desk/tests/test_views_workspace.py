"""The complaint workspace (issue 12): the resolve form's remedy rows, its running total against
the user's authority, the letter's facts for reply templates, actions saved in place (HTMX), the
clocks on the page and in the lists."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import PiiAccess
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.resolution.models import Approval, Remedy, StandardClause

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
REPLY = "经核查系计费错误，已退还。"


def action_url(complaint: Complaint, action: str) -> str:
    return reverse("desk:action", args=[complaint.number, action])


def detail_url(complaint: Complaint) -> str:
    return reverse("desk:detail", args=[complaint.number])


def outcome(complaint: Complaint, **rows: str) -> dict[str, Any]:
    return {
        "finding": "true",
        "cause": "process_error",
        "responsible_department": complaint.department_id,
        "reply": REPLY,
        **rows,
    }


def resolve_data(text: str) -> dict[str, Any]:
    found = re.search(r'<script id="resolve-data" type="application/json">(.*?)</script>', text)
    assert found is not None
    return dict(json.loads(found.group(1)))


# ---- remedy rows ------------------------------------------------------------------------------


def test_the_rows_posted_are_the_remedies_whatever_their_numbers(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    """Rows added and removed on the page leave gaps in their numbers: each posted row counts."""
    complaint = complaint_in("in_progress")
    data = outcome(
        complaint,
        remedy_1_type="refund",
        remedy_1_amount="58",
        remedy_4_type="bill_credit",
        remedy_4_amount="20",
        remedy_4_note="致歉",
        remedy_9_type="apology",
    )
    response = as_user(handler).post(action_url(complaint, "resolve"), data)
    assert response.status_code == 302
    granted = sorted((r.type, r.amount, r.note) for r in Remedy.objects.filter(complaint=complaint))
    assert granted == [("apology", 0, ""), ("bill_credit", 20, "致歉"), ("refund", 58, "")]


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ({"remedy_2_amount": "58"}, "请选择这一行的补救措施"),
        ({"remedy_1_type": "refund", "remedy_1_amount": "-5"}, "remedy_1_amount"),
        ({"remedy_1_type": "cash", "remedy_1_amount": "5"}, "remedy_1_type"),
        ({f"remedy_{i}_type": "apology" for i in range(1, 22)}, "补救措施最多 20 项"),
    ],
)
def test_bad_remedy_rows_are_refused_with_the_reason_and_nothing_written(
    complaint_in: Callable[..., Any], handler: Any, rows: dict[str, str], error: str
) -> None:
    complaint = complaint_in("in_progress")
    response = as_user(handler).post(action_url(complaint, "resolve"), outcome(complaint, **rows))
    assert response.status_code == 422
    text = page(response)
    assert error in text
    assert Complaint.objects.get(pk=complaint.pk).status == "in_progress"
    assert not Remedy.objects.filter(complaint=complaint).exists()


def test_the_form_opens_with_the_remedies_of_a_rejected_outcome(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    complaint = complaint_in("in_progress")
    for kind, amount in (("refund", 58), ("bill_credit", 20)):
        Remedy.objects.create(
            complaint=complaint,
            type=kind,
            amount=amount,
            granted_by=handler,
            created_at=clock.now(),
        )
    text = page(as_user(handler).get(detail_url(complaint)))
    assert text.count("data-remedy-row>") == 2
    assert re.search(r'name="remedy_2_amount" value="20(\.00)?"', text)


# ---- authority and the approver ---------------------------------------------------------------


def test_the_running_total_names_who_approves_over_the_authority(
    complaint_in: Callable[..., Any], handler: Any, make_user: Callable[..., Any]
) -> None:
    """The handler's limit is 200 yuan; a supervisor of billing covers 1,000: the form says
    so before the outcome is recorded, as the service will decide it."""
    make_user("zhang", "supervisor", display_name="张三")
    make_user("li", "supervisor", department="network", display_name="李四")
    complaint = complaint_in("in_progress")
    text = page(as_user(handler).get(detail_url(complaint)))
    assert "在您的授权内（¥200.00）" in text
    authority = resolve_data(text)["authority"]
    assert authority["limits"][""] == ["200.00", None]
    first = authority["steps"][0]
    assert (first["role"], first["limit"], first["names"]) == ("supervisor", "1000.00", ["张三"])

    # A refused post (no reply) comes back with the total worked out and the approver named.
    data = outcome(complaint, remedy_1_type="refund", remedy_1_amount="300", reply="")
    refused = page(as_user(handler).post(action_url(complaint, "resolve"), data, headers=HTMX))
    assert "¥<span data-total>300.00</span>" in refused
    assert "超出授权，将提交 张三 审批" in refused

    done = as_user(handler).post(
        action_url(complaint, "resolve"), {**data, "reply": REPLY}, headers=HTMX
    )
    assert done.status_code == 200
    assert Complaint.objects.get(pk=complaint.pk).status == "awaiting_approval"
    assert Approval.objects.get(complaint=complaint).level == "supervisor"


# ---- the letter's facts and personal data -----------------------------------------------------


def test_the_letter_carries_the_real_name_to_the_handler_only_and_logs_it(
    complaint_in: Callable[..., Any], handler: Any, agent: Any
) -> None:
    complaint = complaint_in("in_progress", customer_name="唐小明")
    text = page(as_user(handler).get(detail_url(complaint)))
    letter = resolve_data(text)["letter"]
    assert letter["customer"] == "唐小明"
    assert letter["greeting"] == "尊敬的唐小明客户，您好："
    assert letter["remedy_labels"]["refund"] == "退款"
    # Only the letter: the page shows the customer masked.
    visible = text.replace(text[text.index('<script id="resolve-data"') :], "")
    assert "唐小明" not in visible
    assert "唐**" in visible
    access = PiiAccess.objects.get(user=handler)
    assert (access.subject, access.fields) == (complaint.number, "name")

    for_agent = page(as_user(agent).get(detail_url(complaint)))
    assert "resolve-data" not in for_agent
    assert "唐小明" not in for_agent
    assert not PiiAccess.objects.filter(user=agent).exists()


def test_the_stored_reply_reaches_the_public_status_page_as_written(
    complaint_in: Callable[..., Any], handler: Any, client: Any
) -> None:
    complaint = complaint_in("in_progress", customer_name="唐小明")
    letter = "尊敬的唐小明客户，您好：\n已为您办理退款 58.00 元，合计 58.00 元。"
    data = outcome(complaint, remedy_1_type="refund", remedy_1_amount="58", reply=letter)
    as_user(handler).post(action_url(complaint, "resolve"), data)
    assert Complaint.objects.get(pk=complaint.pk).reply == letter
    status = page(
        client.post(
            reverse("intake:public_status"),
            {"number": complaint.number, "phone": complaint.customer.phone},
        )
    )
    result = status[status.index(f"<h2>{complaint.number}") :]
    assert "尊敬的唐小明客户" in result
    assert "合计 58.00 元" in result
    # The letter is the customer's; nothing else personal is shown (the phone was typed above).
    assert complaint.customer.phone not in result


# ---- saving in place --------------------------------------------------------------------------


def test_an_action_posted_in_place_answers_with_the_workspace(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    complaint = complaint_in("in_progress")
    response = as_user(handler).post(
        action_url(complaint, "step"), {"step": "calm", "text": "客户情绪已平复"}, headers=HTMX
    )
    assert response.status_code == 200
    text = page(response)
    assert text.lstrip().startswith('<div id="workspace"')
    assert "<html" not in text
    assert "已记录步骤" in text or "Step recorded" in text
    assert "客户情绪已平复" in text


def test_a_refused_action_in_place_comes_back_with_its_errors(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    complaint = complaint_in("in_progress")
    response = as_user(handler).post(action_url(complaint, "note"), {"text": ""}, headers=HTMX)
    assert response.status_code == 422
    text = page(response)
    assert text.lstrip().startswith('<div id="workspace"')
    assert 'class="action action-note" open' in text
    assert "errorlist" in text


# ---- what the page shows first ----------------------------------------------------------------


def test_the_situation_fields_only_when_the_clause_uses_them(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    complaint = complaint_in("in_progress")
    assert 'name="disputed_amount"' not in page(as_user(handler).get(detail_url(complaint)))
    StandardClause.objects.create(
        code="BILL-T",
        version=1,
        title="不明扣费退还",
        text="全额退还争议金额。",
        category=complaint.category,
        effective_from=dt.date(2000, 1, 1),
    ).remedies.create(type="refund", basis="disputed_amount")
    text = page(as_user(handler).get(detail_url(complaint)))
    assert 'name="disputed_amount"' in text
    assert 'name="outage_days"' not in text


def test_the_current_step_s_form_is_open_first(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    text = page(as_user(handler).get(detail_url(complaint_in("in_progress"))))
    primary = text[text.index('class="ws-primary"') : text.index('class="ws-more"')]
    assert 'class="action action-resolve" open' in primary


# ---- clocks -----------------------------------------------------------------------------------


def test_a_late_first_response_is_marked_late(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    complaint = complaint_in("in_progress")
    Complaint.objects.filter(pk=complaint.pk).update(
        accepted_at=complaint.first_response_due + dt.timedelta(hours=2, minutes=5)
    )
    text = page(as_user(handler).get(detail_url(complaint)))
    assert re.search(r'<span class="due-over"[^>]*>超时 2小时5分 才响应', text) or re.search(
        r'<span class="due-over"[^>]*>超时 2h 5m', text
    ), text[text.index("首次响应") : text.index("首次响应") + 300]


def test_the_approval_deadline_on_the_page_and_in_the_list(
    complaint_in: Callable[..., Any], handler: Any, supervisor: Any
) -> None:
    complaint = complaint_in("in_progress")
    as_user(handler).post(
        action_url(complaint, "resolve"),
        outcome(complaint, remedy_1_type="refund", remedy_1_amount="300"),
    )
    approval = Approval.objects.get(complaint=complaint)
    assert approval.due_at is not None
    due = clock.local(approval.due_at).strftime("%Y-%m-%d %H:%M")
    text = page(as_user(supervisor).get(detail_url(complaint)))
    assert f"截止 {due}" in text
    listed = page(as_user(supervisor).get(reverse("desk:list")))
    row = listed[listed.index(complaint.number) :]
    row = row[: row.index("</tr>")]
    assert '<span class="due-label">审批</span>' in row
    assert f"截止 {due}" in row


def test_the_resolve_form_has_no_finding_until_the_handler_chooses_one(
    complaint_in: Any,
) -> None:
    """A verdict is never recorded by default: the finding starts blank, and a resolve posted
    without one is refused with the field's error."""
    from tousu.desk.actions.resolution import ResolveForm

    complaint = complaint_in("in_progress")
    form = ResolveForm(complaint=complaint)
    assert form["finding"].value() in ("", None)
    assert '<option value="" selected>' in str(form["finding"])
    posted = ResolveForm(
        {"finding": "", "reply": "经核实……", "responsible_department": complaint.department_id},
        complaint=complaint,
    )
    assert not posted.is_valid()
    assert "finding" in posted.errors

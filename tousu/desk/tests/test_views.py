"""The complaint pages as staff use them: queue, list, the complaint page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import reply_release
from tests.pages import as_user, page
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.resolution.models import Evidence, HandlingRecord, Remedy
from tousu.resolution.rules import EVIDENCE_MAX_BYTES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def action_url(complaint: Complaint, action: str) -> str:
    return reverse("desk:action", args=[complaint.number, action])


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


# ---- queue and list ---------------------------------------------------------------------------


def test_pages_need_login(client: Client, reference: None) -> None:
    for url in ("/", "/complaints/", "/complaints/TS202601010001/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_queue_shows_own_department_not_others(
    register: Callable[..., Any], handler: Any, outsider: Any
) -> None:
    billing = register()
    network = register(category="network.coverage", content="家里信号一格都没有，打电话总断线")

    mine = page(as_user(handler).get("/"))
    assert billing.number in mine
    assert network.number not in mine
    assert "138****8000" in mine
    assert "13800138000" not in mine
    theirs = page(as_user(outsider).get("/"))
    assert network.number in theirs
    assert billing.number not in theirs


def test_queue_puts_the_overdue_complaint_first(
    register: Callable[..., Any], handler: Any, agent: Any
) -> None:
    import datetime as dt

    from tousu.core import clock

    fresh = register()
    late = register(received_at=clock.now() - dt.timedelta(days=5))  # past its 72-hour limit
    response = as_user(handler).get("/")
    assert [item.complaint.number for item in response.context["work"].items] == [
        late.number,
        fresh.number,
    ]
    assert response.context["my_moves"] == 2
    assert "超时" in page(response)


def test_list_filters_and_search(register: Callable[..., Any], handler: Any, agent: Any) -> None:
    charge = register(content="话费无故多扣了58元")
    roaming = register(category="billing.roaming", content="出国漫游被收了天价流量费")
    client = as_user(handler)

    text = page(client.get("/complaints/", {"q": "漫游 流量"}))
    assert roaming.number in text
    assert charge.number not in text

    text = page(client.get("/complaints/", {"category": "billing.roaming"}))
    assert roaming.number in text
    assert charge.number not in text

    text = page(client.get("/complaints/", {"category": "billing"}))  # includes sub-categories
    assert roaming.number in text
    assert charge.number in text

    as_user(handler).post(action_url(charge, "accept"))
    text = page(client.get("/complaints/", {"status": "in_progress"}))
    assert charge.number in text
    assert roaming.number not in text

    text = page(client.get("/complaints/", {"customer_phone": "138 0013 8000"}))
    assert charge.number in text

    response = client.get("/complaints/", {"customer_phone": "12345"})
    assert "电话号码无效" in page(response)


def test_list_is_a_fixed_number_of_queries(
    register: Callable[..., Any],
    handler: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client = as_user(handler)
    register()
    client.get("/complaints/")  # warm up: session, content types
    # 14: the saved views menu and the bulk form's handlers are one query each (issue 13).
    with django_assert_max_num_queries(14) as one:
        assert client.get("/complaints/").status_code == 200
    for i in range(29):
        register(customer_phone=f"139{i:08d}")
    with django_assert_max_num_queries(14) as thirty:
        response = client.get("/complaints/")
    assert len(response.context["rows"]) == 30
    assert len(thirty.captured_queries) == len(one.captured_queries)


def test_list_pages_by_fifty_with_cursors(register: Callable[..., Any], agent: Any) -> None:
    """Newest first, fifty a page; "older" and "newer" follow cursors (keyset pagination), so
    a deep page costs what the first does; a forged cursor falls back to the first page."""
    for i in range(51):
        register(customer_phone=f"137{i:08d}")
    client = as_user(agent)
    first = client.get("/complaints/")
    keyset = first.context["keyset"]
    assert len(keyset.rows) == 50
    assert keyset.previous_cursor is None
    second = client.get("/complaints/", {"after": keyset.next_cursor})
    older = second.context["keyset"]
    assert len(older.rows) == 1
    assert older.next_cursor is None
    assert older.rows[0].pk not in {c.pk for c in keyset.rows}
    assert older.rows[0].received_at <= keyset.rows[-1].received_at
    back = client.get("/complaints/", {"before": older.previous_cursor}).context["keyset"]
    assert [c.pk for c in back.rows] == [c.pk for c in keyset.rows]
    assert back.previous_cursor is None

    forged = client.get("/complaints/", {"after": "yesterday_1"}, follow=True)
    assert forged.status_code == 200
    assert [c.pk for c in forged.context["keyset"].rows] == [c.pk for c in keyset.rows]
    assert "链接无效" in page(forged)


def test_list_pages_through_complaints_received_at_the_same_moment(
    register: Callable[..., Any], agent: Any
) -> None:
    """Ties on the received time are ordered by id: paging forward and back again shows
    every complaint once, in the same order."""
    import datetime as dt

    from tousu.complaints.selectors import complaint_keyset_page, complaint_list

    for i in range(7):
        register(customer_phone=f"137{i:08d}")
    moment = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    Complaint.objects.update(received_at=moment)
    qs = complaint_list(agent)
    pages, cursor = [], ""
    while True:
        keyset = complaint_keyset_page(qs, after=cursor, size=3)
        pages.append([c.pk for c in keyset.rows])
        if keyset.next_cursor is None:
            break
        cursor = keyset.next_cursor
    seen = [pk for page_ in pages for pk in page_]
    assert seen == sorted(Complaint.objects.values_list("pk", flat=True), reverse=True)
    assert [len(p) for p in pages] == [3, 3, 1]
    last = complaint_keyset_page(qs, after=cursor, size=3)
    back = complaint_keyset_page(qs, before=last.previous_cursor or "", size=3)
    assert [c.pk for c in back.rows] == pages[1]


def test_search_results_stay_numbered_by_relevance(
    register: Callable[..., Any], agent: Any
) -> None:
    for i in range(51):
        register(customer_phone=f"137{i:08d}", content=f"宽带第{i}次断网，维修人员一直不上门")
    client = as_user(agent)
    response = client.get("/complaints/", {"q": "宽带断网"})
    assert len(response.context["page"].object_list) == 50
    assert len(client.get("/complaints/", {"q": "宽带断网", "page": "2"}).context["rows"]) == 1


# ---- the complaint page ---------------------------------------------------------------------


def test_complaint_page_shows_record_and_timeline(
    register: Callable[..., Any], handler: Any
) -> None:
    complaint = register(demand="退还多扣的58元")
    text = page(as_user(handler).get(reverse("desk:detail", args=[complaint.number])))
    assert "上个月话费无故多扣了58元" in text
    assert "退还多扣的58元" in text
    assert "资费计费 &gt; 不明扣费" in text
    for step in ("受理", "安抚", "澄清", "调查", "协商方案", "确认责任", "解决", "致谢"):
        assert step in text
    assert "已登记" in text
    assert "已派单" in text
    assert "张*" in text
    assert "张三" not in text


def test_complaint_outside_scope_is_404(register: Callable[..., Any], outsider: Any) -> None:
    complaint = register()
    client = as_user(outsider)
    assert client.get(reverse("desk:detail", args=[complaint.number])).status_code == 404
    assert client.post(action_url(complaint, "accept")).status_code == 404
    assert fresh(complaint).status == "dispatched"


def test_only_allowed_actions_are_offered(
    register: Callable[..., Any], agent: Any, handler: Any
) -> None:
    complaint = register()
    url = reverse("desk:detail", args=[complaint.number])

    agent_page = page(as_user(agent).get(url))
    assert action_url(complaint, "resolve") not in agent_page
    assert action_url(complaint, "accept") not in agent_page
    assert action_url(complaint, "note") in agent_page

    handler_page = page(as_user(handler).get(url))
    assert action_url(complaint, "accept") in handler_page
    assert action_url(complaint, "resolve") not in handler_page  # not before accepting

    as_user(handler).post(action_url(complaint, "accept"))
    handler_page = page(as_user(handler).get(url))
    assert action_url(complaint, "resolve") in handler_page
    assert action_url(complaint, "step") in handler_page
    assert action_url(complaint, "accept") not in handler_page
    assert action_url(complaint, "close") not in handler_page


def test_whole_lifecycle_through_the_page(
    register: Callable[..., Any], handler: Any, supervisor: Any, agent: Any
) -> None:
    complaint = register()
    manager, worker, front = as_user(supervisor), as_user(handler), as_user(agent)
    billing = complaint.department

    response = manager.post(
        action_url(complaint, "dispatch"),
        {"department": billing.pk, "handler": "handler", "reason": ""},
        follow=True,
    )
    assert "已派至计费中心" in page(response)
    assert fresh(complaint).handler == handler

    worker.post(action_url(complaint, "accept"))
    assert fresh(complaint).status == "in_progress"

    worker.post(action_url(complaint, "step"), {"step": "calm", "text": "客户情绪激动，已耐心倾听"})
    worker.post(
        action_url(complaint, "step"),
        {
            "step": "investigate",
            "text": "调取计费记录",
            "is_true": "属实",
            "purpose": "退款",
            "reasonable": "合理",
            "demand_legitimate": "合法合理",
        },
    )
    steps = HandlingRecord.objects.get(complaint=complaint).steps
    assert steps["calm"]["text"] == "客户情绪激动，已耐心倾听"
    assert steps["investigate"]["answers"]["is_true"] == "属实"

    worker.post(action_url(complaint, "note"), {"text": "已联系计费中心核查"})

    response = worker.post(
        action_url(complaint, "resolve"),
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": billing.pk,
            "remedy_1_type": "refund",
            "remedy_1_amount": "58",
            "remedy_2_type": "bill_credit",
            "remedy_2_amount": "200",
            "remedy_2_note": "致歉补偿",
            "reply": "经核查系计费系统错误，已退还58元并赠送200元话费。",
        },
        follow=True,
    )
    assert "等待审批" in page(response)
    assert fresh(complaint).status == "awaiting_approval"
    assert Remedy.objects.filter(complaint=complaint).count() == 2

    # The handler cannot approve their own request: the form is not offered to them.
    assert action_url(complaint, "approve") not in page(
        worker.get(reverse("desk:detail", args=[complaint.number]))
    )
    manager.post(action_url(complaint, "approve"), {"approved": "1", "note": ""})
    assert fresh(complaint).status == "resolved"
    reply_release(complaint)  # the reply queued at the approval has gone out, as by day

    worker.post(action_url(complaint, "close"), {"customer_accepted": "1"})
    closed = fresh(complaint)
    assert closed.status == "closed"
    assert closed.customer_accepted is True
    assert CallbackTask.objects.get(complaint=complaint).status == "pending"

    response = front.post(
        action_url(complaint, "callback"),
        {
            "result": "satisfied",
            "timeliness": "5",
            "attitude": "4",
            "solution": "5",
            "simplicity": "",
            "comment": "满意",
            "action": "reopen",
        },
        follow=True,
    )
    assert "回访已记录" in page(response)
    task = CallbackTask.objects.get(complaint=complaint)
    assert (task.result, task.timeliness, task.attitude, task.simplicity) == (
        "satisfied",
        5,
        4,
        None,
    )
    types = list(ComplaintEvent.objects.filter(complaint=complaint).values_list("type", flat=True))
    for expected in ("dispatched", "accepted", "handling_step", "note", "resolved", "approved"):
        assert expected in types
    assert types[-1] == "callback"


def test_rejected_approval_needs_a_note(lifecycle: Callable[..., Any], supervisor: Any) -> None:
    complaint = lifecycle("awaiting_approval")
    client = as_user(supervisor)
    response = client.post(action_url(complaint, "approve"), {"approved": "0", "note": ""})
    assert response.status_code == 422
    assert fresh(complaint).status == "awaiting_approval"
    client.post(action_url(complaint, "approve"), {"approved": "0", "note": "补偿过高"})
    assert fresh(complaint).status == "in_progress"


def test_dissatisfied_callback_reopens(lifecycle: Callable[..., Any], agent: Any) -> None:
    complaint = lifecycle("closed")
    as_user(agent).post(
        action_url(complaint, "callback"),
        {
            "result": "dissatisfied",
            "reasons": ["not_solved"],
            "comment": "钱没到账",
            "action": "reopen",
        },
    )
    assert fresh(complaint).status == "in_progress"


def test_reopen_and_escalate(lifecycle: Callable[..., Any], handler: Any) -> None:
    complaint = lifecycle("resolved")
    client = as_user(handler)
    client.post(
        action_url(complaint, "escalate"), {"level": "major", "reason": "客户要投诉到工信部"}
    )
    assert fresh(complaint).level == "major"
    client.post(action_url(complaint, "reopen"), {"reason": "客户不认可答复"})
    assert fresh(complaint).status == "in_progress"


def test_disallowed_action_is_refused_and_changes_nothing(
    register: Callable[..., Any], agent: Any, handler: Any
) -> None:
    complaint = register()
    events = complaint.events.count()
    resolve = {
        "finding": "true",
        "cause": "process_error",
        "responsible_department": complaint.department_id,
        "remedy_1_type": "refund",
        "remedy_1_amount": "10",
        "reply": "已处理",
    }

    response = as_user(agent).post(action_url(complaint, "resolve"), resolve)
    assert response.status_code == 403
    assert "不允许此操作" in page(response)

    response = as_user(handler).post(action_url(complaint, "close"), {"customer_accepted": "1"})
    assert response.status_code == 409  # right person, wrong status

    response = as_user(handler).post(action_url(complaint, "resolve"), resolve)
    assert response.status_code == 409  # not accepted yet

    unchanged = fresh(complaint)
    assert unchanged.status == "dispatched"
    assert unchanged.events.count() == events
    assert not Remedy.objects.filter(complaint=complaint).exists()


def test_invalid_action_form_shows_errors(lifecycle: Callable[..., Any], handler: Any) -> None:
    complaint = lifecycle("in_progress")
    response = as_user(handler).post(
        action_url(complaint, "resolve"), {"finding": "true", "cause": "process_error"}
    )
    assert response.status_code == 422
    assert "errorlist" in page(response)
    assert fresh(complaint).status == "in_progress"


def test_unknown_action_is_404(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    assert as_user(handler).post(action_url(complaint, "delete")).status_code == 404


def test_actions_need_post(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    assert as_user(handler).get(action_url(complaint, "accept")).status_code == 405


# ---- evidence ---------------------------------------------------------------------------------


def upload(client: Client, complaint: Complaint, name: str, content: bytes) -> Any:
    return client.post(
        action_url(complaint, "evidence"),
        {"file": SimpleUploadedFile(name, content), "description": "账单截图"},
    )


def test_evidence_upload_and_download(lifecycle: Callable[..., Any], handler: Any) -> None:
    complaint = lifecycle("in_progress")
    client = as_user(handler)
    assert upload(client, complaint, "bill.png", PNG).status_code == 302
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.original_name == "bill.png"

    text = page(client.get(reverse("desk:detail", args=[complaint.number])))
    download = reverse("desk:evidence", args=[complaint.number, evidence.pk])
    assert download in text
    assert "10 MB" in text

    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert "attachment" in response["Content-Disposition"]


def test_evidence_says_what_it_shows(lifecycle: Callable[..., Any], handler: Any) -> None:
    """The kind checks a clause's required evidence off (R6.1); an unknown kind is refused."""
    complaint = lifecycle("in_progress")
    client = as_user(handler)
    bad = client.post(
        action_url(complaint, "evidence"),
        {"file": SimpleUploadedFile("bill.png", PNG), "kind": "selfie"},
    )
    assert bad.status_code == 422
    assert not Evidence.objects.filter(complaint=complaint).exists()
    response = client.post(
        action_url(complaint, "evidence"),
        {"file": SimpleUploadedFile("bill.png", PNG), "kind": "bill"},
    )
    assert response.status_code == 302
    assert Evidence.objects.get(complaint=complaint).kind == "bill"
    detail = page(client.get(reverse("desk:detail", args=[complaint.number])))
    assert "账单或扣费记录" in detail


def test_evidence_download_checks_permission(
    lifecycle: Callable[..., Any], handler: Any, outsider: Any
) -> None:
    complaint = lifecycle("in_progress")
    upload(as_user(handler), complaint, "bill.png", PNG)
    evidence = Evidence.objects.get(complaint=complaint)
    url = reverse("desk:evidence", args=[complaint.number, evidence.pk])
    assert as_user(outsider).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.png", PNG + b"\x00" * EVIDENCE_MAX_BYTES, "文件过大"),
        ("virus.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("bill.pdf", b"MZ\x90\x00 not a pdf", "不符"),  # an executable renamed .pdf
    ],
    ids=["too-big", "wrong-type", "spoofed-bytes"],
)
def test_evidence_refused(
    lifecycle: Callable[..., Any], handler: Any, name: str, content: bytes, message: str
) -> None:
    complaint = lifecycle("in_progress")
    response = upload(as_user(handler), complaint, name, content)
    assert response.status_code == 422
    assert message in page(response)
    assert not Evidence.objects.filter(complaint=complaint).exists()


# ---- language ---------------------------------------------------------------------------------


def test_chinese_by_default_english_on_request(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    client = as_user(handler)
    url = reverse("desk:detail", args=[complaint.number])
    chinese = page(client.get(url))
    assert "我的待办" in chinese
    assert "已派单" in chinese
    assert "处理记录" in chinese

    client.post("/i18n/setlang/", {"language": "en", "next": url})
    english = page(client.get(url))
    assert "My queue" in english
    assert "Dispatched" in english
    assert "Handling record" in english
    assert "Tariffs and billing &gt; Unexplained charges" in english  # category names too
    assert "我的待办" not in english

"""The customer's own page (issue 17): opened with the number, the phone and a code sent by
SMS; the customer reads the progress and our messages, adds information and files (the handler
is told), accepts the reply or asks to reopen it; the callback survey link records their own
satisfaction, once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.pages import page
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.messages import links
from tousu.messages.models import Message
from tousu.messages.rules import staff_text
from tousu.notifications.models import Notification
from tousu.resolution.models import Evidence

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LOGIN = "/public/mine/"


def code_ask(client: Client, number: str, phone: str = PHONE) -> Any:
    return client.post(LOGIN, {"step": "send", "number": number, "phone": phone})


def code_sent(complaint: Complaint) -> str:
    """The code in the last SMS to the customer, as the test SMS centre would have seen it."""
    message = Message.objects.filter(complaint=complaint, kind="code").latest("pk")
    found = re.search(r"(?<![0-9A-Z])\d{6}(?!\d)", message.text)
    assert found is not None
    return found.group()


def code_enter(client: Client, number: str, code: str, phone: str = PHONE) -> Any:
    data = {"step": "verify", "number": number, "phone": phone, "code": code}
    return client.post(LOGIN, data)


def signed_in(complaint: Complaint) -> Client:
    client = Client()
    code_ask(client, complaint.number)
    response = code_enter(client, complaint.number, code_sent(complaint))
    assert response.status_code == 302
    assert response["Location"] == f"/public/mine/{complaint.number}/"
    return client


def test_code_by_sms_opens_the_page_of_that_complaint(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("in_progress")
    client = Client()
    # 23:00 in Shanghai: the quiet hours hold SMS, but not the code the customer waits for.
    late = dt.datetime(2026, 12, 7, 23, 0, tzinfo=SHANGHAI)
    with clock.frozen(late):
        response = code_ask(client, complaint.number, "138 0013 8000")
    assert response.status_code == 200
    assert "138****8000" in page(response)
    sms = Message.objects.get(complaint=complaint, kind="code")
    assert (sms.channel, sms.address, sms.status) == ("sms", PHONE, "queued")
    assert sms.next_attempt_at == late
    assert staff_text(kind=sms.kind, text=sms.text) == "••••••"

    with clock.frozen(late + dt.timedelta(minutes=2)):
        response = code_enter(client, complaint.number, code_sent(complaint))
    assert response.status_code == 302
    text = page(client.get(response["Location"]))
    assert complaint.number in text
    assert "处理中" in text
    assert "我们已收到您的投诉" in text
    assert code_sent(complaint) not in text  # the code is no message to show


def test_wrong_code_then_too_many_tries_then_expired(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("in_progress")
    client = Client()
    code_ask(client, complaint.number)
    right = code_sent(complaint)
    wrong = "000000" if right != "000000" else "111111"

    response = code_enter(client, complaint.number, wrong)
    assert response.status_code == 422
    assert "验证码不正确" in page(response)
    for _try in range(4):
        code_enter(client, complaint.number, wrong)
    response = code_enter(client, complaint.number, right)
    assert response.status_code == 422
    assert "错误次数过多" in page(response)
    assert client.get(f"/public/mine/{complaint.number}/").status_code == 403

    code_ask(client, complaint.number)
    from tousu.intake.models import PageCode

    PageCode.objects.filter(complaint=complaint).update(expires_at=clock.now())
    response = code_enter(client, complaint.number, code_sent(complaint))
    assert response.status_code == 422
    assert "验证码已过期" in page(response)


def test_a_new_code_replaces_the_earlier_one(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("in_progress")
    client = Client()
    code_ask(client, complaint.number)
    first = code_sent(complaint)
    code_ask(client, complaint.number)
    second = code_sent(complaint)
    if first != second:
        assert code_enter(client, complaint.number, first).status_code == 422
    assert code_enter(client, complaint.number, second).status_code == 302


def test_codes_are_rate_limited_per_number(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("in_progress")
    for _n in range(5):
        assert code_ask(Client(REMOTE_ADDR="10.0.0.1"), complaint.number).status_code == 200
    response = code_ask(Client(REMOTE_ADDR="10.0.0.2"), complaint.number)
    assert response.status_code == 429
    assert Message.objects.filter(complaint=complaint, kind="code").count() == 5


def test_a_wrong_phone_learns_nothing(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("in_progress")
    wrong_phone = code_ask(Client(), complaint.number, "13900000000")
    no_such = code_ask(Client(), "TS209901010001")
    assert wrong_phone.status_code == no_such.status_code == 404
    assert "未找到" in page(wrong_phone)
    assert "未找到" in page(no_such)
    assert not Message.objects.filter(kind="code").exists()


def test_the_session_opens_one_complaint_only(lifecycle: Callable[..., Any]) -> None:
    mine = lifecycle("in_progress")
    other = lifecycle("in_progress", customer_phone="13911112222", customer_name="王五")
    client = signed_in(mine)
    assert client.get(f"/public/mine/{mine.number}/").status_code == 200
    refused = client.get(f"/public/mine/{other.number}/")
    assert refused.status_code == 403
    assert other.content not in page(refused)
    note = client.post(f"/public/mine/{other.number}/note/", {"text": "x", "key": "k"})
    assert note.status_code == 403
    assert not Message.objects.filter(complaint=other, direction="in").exists()
    # A forged cookie names no complaint.
    client.cookies["tousu_page"] = str(other.pk)
    assert client.get(f"/public/mine/{other.number}/").status_code == 403


def test_a_note_from_the_page_tells_the_handler_once(
    lifecycle: Callable[..., Any], handler: Any
) -> None:
    complaint = lifecycle("in_progress")
    client = signed_in(complaint)
    url = f"/public/mine/{complaint.number}/note/"
    data = {"text": "补充一下：多扣的58元是11月5日扣的，截图在附件。", "key": "form-1"}
    response = client.post(url, {**data, "files": _upload("账单.png", PNG)}, follow=True)
    assert response.status_code == 200
    assert "已转交处理人员" in page(response)
    client.post(url, data)  # the same form again (a double tap)

    note = Message.objects.get(complaint=complaint, direction="in")
    assert note.channel == "page"
    assert note.text.startswith("补充一下")
    assert "账单.png" in note.text
    told = Notification.objects.filter(user=handler, kind="customer_message", complaint=complaint)
    assert told.count() == 1
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.uploaded_by is None
    assert evidence.original_name == "账单.png"
    assert complaint.events.filter(type="evidence_added", actor_name="customer").exists()
    text = page(client.get(f"/public/mine/{complaint.number}/"))
    assert "补充一下" in text
    assert "账单.png" in text


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("run.exe", b"MZ" + b"\x00" * 64, "不支持的文件类型"),
        ("假图.png", b"MZ" + b"\x00" * 64, "不符"),
        ("大图.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "过大"),
    ],
)
def test_attachments_keep_to_the_evidence_limits(
    lifecycle: Callable[..., Any], name: str, content: bytes, says: str
) -> None:
    complaint = lifecycle("in_progress")
    client = signed_in(complaint)
    data = {"text": "附件", "key": "k1", "files": _upload(name, content)}
    response = client.post(f"/public/mine/{complaint.number}/note/", data)
    assert response.status_code == 422
    assert says in page(response)
    assert not Message.objects.filter(complaint=complaint, direction="in").exists()
    assert not Evidence.objects.filter(complaint=complaint).exists()


def test_notes_are_rate_limited(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("in_progress")
    client = signed_in(complaint)
    url = f"/public/mine/{complaint.number}/note/"
    for n in range(10):
        assert client.post(url, {"text": f"第{n}条", "key": f"k{n}"}).status_code == 302
    assert client.post(url, {"text": "再一条", "key": "k10"}).status_code == 429
    assert Message.objects.filter(complaint=complaint, direction="in").count() == 10


def test_the_customer_accepts_the_reply_once(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("resolved")
    client = signed_in(complaint)
    text = page(client.get(f"/public/mine/{complaint.number}/"))
    assert "已退还多扣的58元" in text
    assert "我接受" in text
    client.post(f"/public/mine/{complaint.number}/accept/")
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert complaint.customer_accepted is True
    assert complaint.events.filter(type="closed", actor_name="customer").count() == 1
    assert CallbackTask.objects.filter(complaint=complaint, status="pending").count() == 1
    again = client.post(f"/public/mine/{complaint.number}/accept/", follow=True)
    assert complaint.events.filter(type="closed").count() == 1
    assert "我接受" not in page(again)


def test_the_customer_asks_to_reopen_once(lifecycle: Callable[..., Any], handler: Any) -> None:
    from decimal import Decimal

    from tousu.accounts.models import Department
    from tousu.resolution.services import RemedyInput, complaint_resolve

    complaint = lifecycle("resolved")
    client = signed_in(complaint)
    url = f"/public/mine/{complaint.number}/reopen/"
    assert client.post(url, {"reason": ""}).status_code == 422
    client.post(url, {"reason": "钱还没到账"})
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    reopened = complaint.events.get(type="reopened")
    assert reopened.actor_name == "customer"
    assert Notification.objects.filter(user=handler, kind="reopened").exists()

    complaint_resolve(
        complaint=complaint,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", Decimal("58"))],
        reply="退款已于今日到账，请查收。",
    )
    text = page(client.get(f"/public/mine/{complaint.number}/"))
    assert "请重新处理" not in text
    response = client.post(url, {"reason": "还是不行"})
    assert response.status_code == 409
    assert complaint.events.filter(type="reopened").count() == 1


def survey_link(complaint: Complaint) -> str:
    task = CallbackTask.objects.get(complaint=complaint, status="pending")
    url = links.survey_url(task.pk)
    assert url.startswith("http://localhost:8000/public/survey/")
    return url.removeprefix("http://localhost:8000")


ANSWER = {
    "timeliness": "4",
    "attitude": "5",
    "solution": "5",
    "simplicity": "4",
    "overall": "5",
    "comment": "处理得很快，谢谢",
}


def test_the_survey_link_records_the_customers_own_scores_once(
    lifecycle: Callable[..., Any],
) -> None:
    complaint = lifecycle("closed")
    url = survey_link(complaint)
    form = Client().get(url)
    assert form.status_code == 200
    assert "总体" in page(form)
    assert Client().post(url, {**ANSWER, "overall": ""}).status_code == 422

    done = Client().post(url, ANSWER)
    assert done.status_code == 200
    assert "感谢" in page(done)
    task = CallbackTask.objects.get(complaint=complaint)
    assert (task.status, task.result, task.overall) == ("done", "satisfied", 5)
    assert (task.timeliness, task.attitude, task.solution, task.simplicity) == (4, 5, 5, 4)
    assert task.comment == "处理得很快，谢谢"
    assert task.done_by is None
    assert complaint.events.get(type="callback").actor_name == "customer"

    again = Client().post(url, {**ANSWER, "overall": "1"})
    assert again.status_code == 410
    assert "已经提交" in page(again)
    task.refresh_from_db()
    assert task.overall == 5


def test_a_dissatisfied_answer_reopens_the_complaint(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("closed")
    Client().post(survey_link(complaint), {**ANSWER, "overall": "2", "comment": "钱没到账"})
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    task = CallbackTask.objects.get(complaint=complaint)
    assert task.result == "dissatisfied"


def test_an_expired_or_forged_survey_link_says_so(
    lifecycle: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = lifecycle("closed")
    url = survey_link(complaint)
    forged = Client().get(url[:-3] + "xyz/")
    assert forged.status_code == 404
    assert "无效" in page(forged)
    monkeypatch.setattr(links, "SURVEY_LINK_MAX_AGE", dt.timedelta(seconds=-1))
    expired = Client().post(url, ANSWER)
    assert expired.status_code == 410
    assert "已过期" in page(expired)
    assert CallbackTask.objects.get(complaint=complaint).status == "pending"


def test_the_callback_result_follows_the_overall_score() -> None:
    from tousu.callbacks.rules import result_for_overall

    assert [result_for_overall(n) for n in (5, 4, 3, 2, 1)] == [
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "dissatisfied",
    ]

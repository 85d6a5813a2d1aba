"""Personal data written into free text (issue 11, D10), on every page and API answer that
shows such text: masked for roles that may not see personal data (agents, quality, analysts),
whole for those that may (handlers, managers), with one access-log row per page or answer, and
only when the text shown held some. What is stored is never changed.

One complaint carries the same six ways of writing personal data in each of its texts: the
content and the demand, a note, the handling steps, the evidence, the pause reason, the reply
and a remedy's note, the callback comment; another, open and paused, shows its pause reason in
the lists; the customer's special note; a notification that quotes a customer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import ApiClient, reply_release
from tests.pages import as_user, page
from tousu.accounts.models import PiiAccess, User
from tousu.complaints.models import Complaint
from tousu.core import clock

# The six ways, as a customer writes them, and what a reader without the right sees instead.
RAW = (
    "13812345678",
    "138 1234 5678",
    "１３８１２３４５６７８",
    "320102199001011234",
    "zhangsan@example.com",
    "6222 0212 3456 7890 123",
)
MASKED = (
    "138****5678",
    "138 **** 5678",
    "１３８****５６７８",
    "3201**********1234",
    "z***@example.com",
    "6222 **** **** ***0 123",
)
TEXT = (
    "请打13812345678或138 1234 5678，家人１３８１２３４５６７８；身份证320102199001011234，"
    "邮箱zhangsan@example.com，退款到6222 0212 3456 7890 123"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Api = Callable[[Any], ApiClient]


def masked(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} shown unmasked"


def whole(text: str) -> None:
    for raw in RAW:
        assert raw in text, f"{raw!r} not shown"


def as_text(response: Any) -> str:
    assert response.status_code in (200, 201), response.content[:500]
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return page(response)


def logged(user: User) -> list[tuple[str, str, str, int]]:
    return [
        (a.subject, a.fields, a.via, a.count)
        for a in PiiAccess.objects.filter(user=user).order_by("pk")
    ]


@dataclass
class Written:
    closed: Complaint  # every text of its life written with personal data
    paused: Complaint  # open in billing, paused for a reason that quotes the customer
    front: Complaint  # open and unclassified in the front line's queue, paused likewise


@pytest.fixture
def written(
    register: Callable[..., Complaint],
    complaint_in: Callable[..., Complaint],
    handler: User,
    supervisor: User,
    agent: User,
    quality: User,
) -> Written:
    from tousu.callbacks.services import complaint_callback_record
    from tousu.complaints.services import complaint_accept, complaint_note_add
    from tousu.customers.services import customer_special_set
    from tousu.knowledge.services import case_create, case_update
    from tousu.notifications.models import Notification
    from tousu.resolution.services import (
        RemedyInput,
        complaint_close,
        complaint_resolve,
        evidence_add,
        handling_step_record,
    )
    from tousu.sla.services import complaint_pause, complaint_resume

    c = register(content=f"话费多扣了58元。{TEXT}", demand=f"退钱。{TEXT}")
    c = complaint_accept(complaint=c, actor=handler)
    complaint_note_add(complaint=c, actor=handler, text=f"备注：{TEXT}")
    handling_step_record(complaint=c, actor=handler, step="calm", text=TEXT)
    handling_step_record(
        complaint=c, actor=handler, step="investigate", text=TEXT, answers={"is_true": TEXT}
    )
    evidence_add(
        complaint=c, actor=handler, name="账单13812345678.png", content=PNG, description=TEXT
    )
    c = complaint_pause(complaint=c, actor=handler, reason=TEXT)
    c = complaint_resume(complaint=c, actor=handler)
    c = complaint_resolve(
        complaint=c,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=handler.department,
        remedies=[RemedyInput("refund", Decimal("58"), note=TEXT)],
        reply=f"已退还58元。{TEXT}",
    )
    reply_release(c)
    c = complaint_close(complaint=c, actor=handler, customer_accepted=True)
    complaint_callback_record(
        complaint=c, actor=agent, result="satisfied", scores=None, comment=TEXT
    )
    case = case_create(complaint=c, actor=quality)
    case_update(
        case=case,
        actor=quality,
        title=case.title,
        summary=case.summary,
        tags=[],
        clauses=list(case.clauses.all()),
        for_training=False,
        status="published",
    )
    customer_special_set(
        customer=c.customer, actor=supervisor, special_type="talkative", note=f"备注：{TEXT}"
    )
    now = clock.now()
    paused = complaint_in(
        "in_progress",
        content=f"又多扣了话费。{TEXT}",
        paused_at=now,
        pause_reason=TEXT,
        risk_score=0.95,
    )
    front = complaint_in(
        "dispatched",
        department="customer_service",
        category=None,
        content=f"不知道算哪一类。{TEXT}",
        paused_at=now,
        pause_reason=TEXT,
        risk_score=0.95,
    )
    for user in (agent, handler):
        Notification.objects.create(
            user=user, complaint=paused, kind="note", text=f"客户留言：{TEXT}", created_at=now
        )
    PiiAccess.objects.all().delete()
    return Written(Complaint.objects.get(pk=c.pk), paused, front)


# ---- pages ----------------------------------------------------------------------------------


def pages(w: Written) -> dict[str, str]:
    return {
        "complaint": reverse("desk:detail", args=[w.closed.number]),
        "open complaint": reverse("desk:detail", args=[w.paused.number]),
        "list": reverse("desk:list"),
        "search": reverse("desk:list") + "?q=话费",
        "queue": reverse("desk:queue"),
        "waiting": reverse("desk:queue") + "?waiting=1",
        "watch": reverse("desk:watch"),
        "triage": reverse("desk:triage"),
        "customer": reverse("customers:detail", args=[w.closed.customer_id]),
        "notifications": reverse("notifications:list"),
    }


# Who opens which page: the front line's own pages, the watch list for quality.
MASKED_PAGES = [
    ("agent", "complaint"),
    ("agent", "open complaint"),
    ("agent", "list"),
    ("agent", "search"),
    ("agent", "queue"),
    ("agent", "triage"),
    ("agent", "customer"),
    ("agent", "notifications"),
    ("quality", "complaint"),
    ("quality", "watch"),
    ("analyst", "complaint"),
    ("analyst", "list"),
]


@pytest.mark.parametrize(("who", "name"), MASKED_PAGES)
def test_pages_mask_personal_data_in_text_for_roles_without_the_right(
    request: pytest.FixtureRequest, written: Written, who: str, name: str
) -> None:
    user = request.getfixturevalue(who)
    text = as_text(as_user(user).get(pages(written)[name]))
    masked(text)
    assert MASKED[0] in text  # still there to read, masked
    assert not PiiAccess.objects.exists()


def test_the_complaint_page_masks_every_text_of_the_complaint(
    agent: User, written: Written
) -> None:
    html = page(as_user(agent).get(pages(written)["complaint"]))
    masked(html)
    for shown in MASKED:
        assert shown in html
    # content and demand, note, two steps and an answer, evidence, pause, reply (and in the
    # timeline), remedy note, callback comment: each written with the six
    assert html.count("3201**********1234") >= 10
    assert "账单138****5678.png" in html


@pytest.mark.parametrize(
    ("who", "name", "subject"),
    [
        ("handler", "complaint", "closed"),
        ("handler", "open complaint", "paused"),
        ("handler", "waiting", "complaints:list"),
        ("handler", "list", "complaints:list"),
        ("handler", "search", "complaints:list"),
        ("supervisor", "watch", "complaints:list"),
        ("supervisor", "triage", "complaints:list"),
        ("handler", "customer", "customer"),
        ("handler", "notifications", "notifications:list"),
    ],
)
def test_pages_show_it_whole_to_roles_with_the_right_and_log_it_once(
    request: pytest.FixtureRequest,
    make_user: Callable[..., User],
    written: Written,
    who: str,
    name: str,
    subject: str,
) -> None:
    if name == "triage":
        # The unclassified complaint waits in the front line's department.
        user = make_user("cs_supervisor", "supervisor", department="customer_service")
    else:
        user = request.getfixturevalue(who)
    text = as_text(as_user(user).get(pages(written)[name]))
    if name in ("complaint", "open complaint", "customer", "notifications"):
        whole(text)
    else:
        assert TEXT.split("，")[0][2:] in text  # the pause reason's first number, whole
    subject = {
        "closed": written.closed.number,
        "paused": written.paused.number,
        "customer": f"customer:{written.closed.customer_id}",
    }.get(subject, subject)
    # The handler of an open complaint also receives the customer's real name, for the reply
    # letter (issue 12): one row still, naming both.
    fields = "name,text" if name == "open complaint" and who == "handler" else "text"
    assert [(s, f, v) for s, f, v, _count in logged(user)] == [(subject, fields, "page")]


def test_a_page_whose_text_holds_no_personal_data_logs_nothing(
    handler: User, complaint_in: Callable[..., Complaint]
) -> None:
    complaint = complaint_in("resolved")
    as_text(as_user(handler).get(reverse("desk:detail", args=[complaint.number])))
    as_text(as_user(handler).get(reverse("desk:list")))
    assert not PiiAccess.objects.exists()


def test_revealing_the_customer_on_the_360_page_logs_one_row_with_the_text(
    handler: User, written: Written
) -> None:
    customer = written.closed.customer_id
    html = page(as_user(handler).post(reverse("customers:reveal", args=[customer])))
    whole(html)
    assert logged(handler) == [
        (f"customer:{customer}", "phone,name,account,id_number,address,email,text", "page", 1)
    ]


# ---- the API --------------------------------------------------------------------------------


def api_paths(w: Written) -> dict[str, str]:
    base = f"/api/v1/complaints/{w.closed.number}"
    return {
        "list": "/api/v1/complaints",
        "search": "/api/v1/complaints?q=话费",
        "one": base,
        "timeline": f"{base}/timeline",
        "similar": f"/api/v1/complaints/{w.paused.number}/similar",
        "suggestion": f"/api/v1/complaints/{w.paused.number}/suggestion",
    }


@pytest.mark.parametrize("name", ["list", "search", "one", "timeline", "similar", "suggestion"])
@pytest.mark.parametrize("who", ["agent", "quality", "analyst"])
def test_the_api_masks_personal_data_in_text_for_roles_without_the_right(
    request: pytest.FixtureRequest, api_as: Api, written: Written, who: str, name: str
) -> None:
    user = request.getfixturevalue(who)
    text = as_text(api_as(user).get(api_paths(written)[name]))
    masked(text)
    if name not in ("similar", "suggestion"):  # those quote no complaint's text
        assert MASKED[0] in text
    assert not PiiAccess.objects.exists()


def test_the_api_shows_it_whole_to_a_handler_and_logs_each_answer_once(
    api_as: Api, handler: User, written: Written
) -> None:
    client = api_as(handler)
    paths = api_paths(written)
    number = written.closed.number
    for name in ("one", "timeline"):
        whole(as_text(client.get(paths[name])))
    body = client.get(paths["list"], department="billing").json()
    whole(json.dumps(body, ensure_ascii=False))
    assert logged(handler) == [
        (number, "phone,name,account,text", "api", 1),
        (number, "text", "api", 1),
        ("complaints:list", "phone,name,account,text", "api", len(body["items"])),
    ]


def test_the_api_logs_no_text_reveal_when_the_text_holds_none(
    api_as: Api, handler: User, complaint_in: Callable[..., Complaint]
) -> None:
    complaint = complaint_in("resolved")
    client = api_as(handler)
    client.get(f"/api/v1/complaints/{complaint.number}")
    client.get(f"/api/v1/complaints/{complaint.number}/timeline")
    assert logged(handler) == [(complaint.number, "phone,name,account", "api", 1)]


def test_an_action_answers_with_the_complaint_masked_for_an_agent(
    api_as: Api, agent: User, written: Written
) -> None:
    response = api_as(agent).post(
        f"/api/v1/complaints/{written.paused.number}/notes", {"text": "客户又来电"}
    )
    text = as_text(response)
    masked(text)
    assert MASKED[0] in text
    assert not PiiAccess.objects.exists()


# ---- the case library and the export --------------------------------------------------------


def test_a_case_made_from_the_complaint_shows_quality_none_of_it(
    api_as: Api, quality: User, written: Written
) -> None:
    from tousu.knowledge.models import Case

    case = Case.objects.get(complaint=written.closed)
    masked(as_text(as_user(quality).get(reverse("knowledge:case", args=[case.pk]))))
    masked(json.dumps([case.title, case.content, case.outcome, case.summary], ensure_ascii=False))


def test_a_case_that_kept_personal_data_is_masked_for_every_reader(
    api_as: Api, supervisor: User, quality: User, written: Written
) -> None:
    """Cases made before anonymisation caught every way of writing a number may still hold
    one: nobody's personal data to reveal, masked for every reader, logged for none."""
    from tousu.knowledge.models import Case

    case = Case.objects.get(complaint=written.closed)
    title = "旧案例：客户电话13812345678"  # a title takes 100 characters
    Case.objects.filter(pk=case.pk).update(title=title, content=TEXT, summary=TEXT)
    for user in (supervisor, quality):
        html = as_text(as_user(user).get(reverse("knowledge:case", args=[case.pk])))
        masked(html)
        assert MASKED[0] in html
        masked(as_text(as_user(user).get(reverse("knowledge:cases"))))
    suggestion = as_text(api_as(supervisor).get(api_paths(written)["suggestion"]))
    masked(suggestion)
    assert MASKED[0] in suggestion  # the case's title and summary
    assert not PiiAccess.objects.exists()
    # The suggestion panel of a complaint whose own text the supervisor reads whole.
    html = as_text(as_user(supervisor).get(pages(written)["open complaint"]))
    assert "旧案例：客户电话138****5678" in html
    assert title not in html


def test_the_export_masks_the_text_for_an_analyst_and_not_for_a_revealing_supervisor(
    analyst: User, supervisor: User, written: Written
) -> None:
    url = reverse("desk:export")
    text = b"".join(as_user(analyst).get(url, {"format": "csv"}).streaming_content).decode()
    masked(text)
    assert MASKED[0] in text
    response = as_user(supervisor).get(url, {"format": "csv", "reveal": "1"})
    whole(b"".join(response.streaming_content).decode())
    assert logged(supervisor)[0][2] == "export"


def test_what_is_stored_is_never_changed(agent: User, written: Written) -> None:
    before = Complaint.objects.get(pk=written.closed.pk)
    as_text(as_user(agent).get(reverse("desk:detail", args=[before.number])))
    after = Complaint.objects.get(pk=written.closed.pk)
    assert (after.content, after.demand, after.reply) == (
        before.content,
        before.demand,
        before.reply,
    )
    whole(after.content)


# ---- no template forgets ------------------------------------------------------------------

# The fields people write free text into, on the records pages show. A template shows them
# through `pii_text` (or edits them in a form, which only those who may act on them see).
FREE_TEXT = re.compile(
    r"\{\{\s*([\w.]+\.(?:content|demand|reply|pause_reason|special_note|comment|"
    r"description|original_name|outcome|summary|record\.text)|answer|n\.text)\b([^}]*)\}\}"
)
# Pages for the public show the complainant their own complaint (the status page, and the
# customer's own page once their code proved who they are).
PUBLIC = ("intake/public_", "intake/page.html")


def test_every_template_shows_free_text_through_the_mask() -> None:
    root = Path(settings.BASE_DIR) / "templates"
    unmasked = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in sorted(root.rglob("*.html"))
        if not str(path.relative_to(root)).startswith(PUBLIC)
        for match in FREE_TEXT.finditer(path.read_text(encoding="utf-8"))
        # A form's field (`form.comment`, `row.form.outcome`, `score_form.comment`) edits it.
        if not any(part == "form" or part.endswith("_form") for part in match.group(1).split("."))
        and not match.group(2).lstrip().startswith("|pii_text")
    ]
    assert unmasked == []

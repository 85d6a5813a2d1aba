"""Incidents on the API and the pages (R10.4): the operations of API.md, their errors (each
changes nothing), the pages with their actions, the complaint page's panel, the work queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import User
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.desk.work import WorkKind, work_queue
from tousu.early_warning import services
from tousu.early_warning.models import Incident, IncidentComplaint, IncidentProposal, Statement

pytestmark = pytest.mark.django_db
Build = Callable[..., Complaint]
STATEMENT = "因计费系统升级故障，部分客户上月话费被多扣，多扣费用将于三个工作日内全额退还。"


def _children(complaint_in: Build, n: int, status: str = "in_progress") -> list[Complaint]:
    return [
        complaint_in(status, customer_phone=f"1370000{i:04d}", content=f"话费多扣了{i + 5}元")
        for i in range(n)
    ]


def _counts() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        IncidentComplaint.objects.count(),
        Statement.objects.count(),
        ComplaintEvent.objects.count(),
    )


def test_the_api_opens_adds_drafts_approves_replies_resolves_and_closes(
    api_as: Callable[[Any], Any],
    complaint_in: Build,
    supervisor: User,
    dept_head: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    children = _children(complaint_in, 3)
    api = api_as(supervisor)
    opened = api.post(
        "/api/v1/incidents",
        {"title": "计费故障多扣话费", "level": "serious", "terms": ["多扣"],
         "numbers": [children[0].number, children[1].number]},
    )  # fmt: skip
    assert opened.status_code == 201, opened.json()
    body = opened.json()
    pk = body["id"]
    assert body["number"] == f"INC{pk:05d}"
    assert [c["number"] for c in body["children"]] == [children[0].number, children[1].number]

    added = api.post(f"/api/v1/incidents/{pk}/complaints", {"numbers": [children[2].number]})
    assert added.status_code == 200
    assert added.json()["added"] == 1

    draft = api.post(f"/api/v1/incidents/{pk}/statement", {"text": STATEMENT})
    assert draft.status_code == 201
    assert draft.json() == {"version": 1, "approved": False}
    not_yet = api.post(f"/api/v1/incidents/{pk}/reply")
    assert not_yet.status_code == 409
    assert api.post(f"/api/v1/incidents/{pk}/statement/1/approve").status_code == 403
    approved = api_as(dept_head).post(f"/api/v1/incidents/{pk}/statement/1/approve")
    assert approved.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(f"/api/v1/incidents/{pk}/reply")
    assert reply.status_code == 200
    assert ComplaintEvent.objects.filter(type="progress_reply").count() == 3
    detail = api.get(f"/api/v1/incidents/{pk}").json()
    assert detail["actions"][0]["applied"] == 3
    assert detail["actions"][0]["finished"] is True
    assert detail["statement_in_force"] == 1

    over = api.post(
        f"/api/v1/incidents/{pk}/resolve",
        {"finding": "true", "cause": "process_error", "responsible_department": "billing",
         "remedies": [{"type": "refund", "amount": "5000"}]},
    )  # fmt: skip
    assert over.status_code == 422
    assert "remedies" in over.json()["error"]["fields"]
    assert Incident.objects.get(pk=pk).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        resolved = api.post(
            f"/api/v1/incidents/{pk}/resolve",
            {"finding": "true", "cause": "process_error", "responsible_department": "billing",
             "remedies": [{"type": "refund", "amount": "20"}]},
        )  # fmt: skip
    assert resolved.status_code == 200
    assert {c.status for c in Complaint.objects.filter(pk__in=[c.pk for c in children])} == {
        "resolved"
    }
    with django_capture_on_commit_callbacks(execute=True):
        closed = api.post(
            f"/api/v1/incidents/{pk}/close",
            {"cause": "计费升级脚本错误", "went_well": "口径统一", "to_improve": "升级前比对",
             "follow_up": "纳入变更评审"},
        )  # fmt: skip
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert {c.status for c in Complaint.objects.filter(pk__in=[c.pk for c in children])} == {
        "closed"
    }
    listed = api.get("/api/v1/incidents").json()
    assert listed["items"][0]["id"] == pk


def test_api_bad_input_changes_nothing(
    api_as: Callable[[Any], Any], complaint_in: Build, supervisor: User, handler: User
) -> None:
    first = _children(complaint_in, 1)[0]
    other = services.incident_open(
        actor=supervisor, title="A", level="general", numbers=[first.number]
    )
    fresh = complaint_in("dispatched", customer_phone="13600000000")
    api = api_as(supervisor)
    opened = api.post("/api/v1/incidents", {"title": "B", "level": "general"}).json()
    before = _counts()
    taken = api.post(
        f"/api/v1/incidents/{opened['id']}/complaints", {"numbers": [fresh.number, first.number]}
    )
    assert taken.status_code == 409
    assert first.number in taken.json()["error"]["message"]
    unknown = api.post(
        f"/api/v1/incidents/{opened['id']}/complaints", {"numbers": ["TS20990101-0001"]}
    )
    assert unknown.status_code == 422
    assert "numbers" in unknown.json()["error"]["fields"]
    bad_level = api.post("/api/v1/incidents", {"title": "C", "level": "huge"})
    assert bad_level.status_code == 422
    assert (
        api_as(handler).post("/api/v1/incidents", {"title": "D", "level": "general"}).status_code
        == 403
    )
    assert _counts() == before
    api.post(
        f"/api/v1/incidents/{other.pk}/close",
        {"cause": "a", "went_well": "b", "to_improve": "c", "follow_up": "d"},
    )
    before = _counts()
    late = api.post(f"/api/v1/incidents/{other.pk}/statement", {"text": STATEMENT})
    assert late.status_code == 409
    assert _counts() == before
    assert api_as(handler).get(f"/api/v1/incidents/{other.pk}").status_code == 403


def test_the_pages_show_and_act(
    complaint_in: Build,
    supervisor: User,
    dept_head: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    children = _children(complaint_in, 2) + _children(complaint_in, 1, "closed")
    client = as_user(supervisor)
    created = client.post(
        reverse("early_warning:incident_new"),
        {"title": "计费故障", "level": "major", "owner": supervisor.pk, "terms": "多扣 乱扣",
         "numbers": " ".join(c.number for c in children)},
    )  # fmt: skip
    assert created.status_code == 302
    incident = Incident.objects.get()
    assert incident.terms == ["多扣", "乱扣"]
    url = reverse("early_warning:incident", args=[incident.pk])
    refused = client.post(reverse("early_warning:incident_statement", args=[incident.pk]), {})
    assert refused.status_code == 422
    client.post(
        reverse("early_warning:incident_statement", args=[incident.pk]), {"text": STATEMENT}
    )
    as_user(dept_head).post(reverse("early_warning:statement_approve", args=[incident.pk, 1]))
    shown = page(client.get(url))
    assert STATEMENT in shown
    assert "发送给 2 条投诉" in shown
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("early_warning:incident_action", args=[incident.pk, "reply"]))
    shown = page(client.get(url))
    assert "已应用 2 条，跳过 1 条" in shown
    media = client.post(
        reverse("early_warning:incident_media", args=[incident.pk]),
        {
            "outlet": "微博",
            "at": "2026-12-01T10:00",
            "tone": "negative",
            "summary": "网友吐槽多扣费",
        },
    )
    assert media.status_code == 302
    assert "网友吐槽多扣费" in page(client.get(url))
    listing = page(client.get(reverse("early_warning:incidents")))
    assert incident.number in listing
    # The complaint page says which incident it is in, with the statement in force.
    detail = page(client.get(reverse("desk:detail", args=[children[0].number])))
    assert incident.number in detail
    assert STATEMENT in detail


def test_a_proposal_on_the_complaint_page_and_in_the_work_queue(
    register: Callable[..., Complaint],
    agent: User,
    supervisor: User,
    dept_head: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = register(agent, content="话费被多扣了30元", customer_phone="13500000001")
    incident = services.incident_open(
        actor=supervisor, title="计费故障", level="general", terms=["多扣"], numbers=[first.number]
    )
    with django_capture_on_commit_callbacks(execute=True):
        like = register(agent, content="本月话费又被多扣了", customer_phone="13500000002")
    queue = work_queue(supervisor)
    assert [(i.kind, i.incident) for i in queue.items if i.incident] == [
        (WorkKind.INCIDENT, incident)
    ]
    client = as_user(supervisor)
    shown = page(client.get(reverse("desk:detail", args=[like.number])))
    assert f"可能属于事件 {incident.number}" in shown
    proposal = IncidentProposal.objects.get()
    back = reverse("desk:detail", args=[like.number])
    answer = client.post(
        reverse("early_warning:proposal_decide", args=[proposal.pk, "accept"]), {"next": back}
    )
    assert answer.status_code == 302
    assert answer["Location"] == back
    assert IncidentComplaint.objects.filter(complaint=like, incident=incident).exists()
    assert not any(i.incident for i in work_queue(supervisor).items)
    # A draft statement is the approver's move.
    services.statement_draft(incident=incident, actor=supervisor, text=STATEMENT)
    assert [i.incident for i in work_queue(dept_head).items if i.incident] == [incident]
    api = as_user(dept_head)
    assert api.get(reverse("desk:queue")).status_code == 200


def test_the_incident_page_costs_the_same_whatever_its_children(
    complaint_in: Build, supervisor: User, dept_head: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(n: int, offset: int) -> int:
        children = [
            complaint_in(status, customer_phone=f"1360000{offset + i:04d}")
            for i, status in enumerate(["in_progress", "closed"] * n)
        ]
        incident = services.incident_open(
            actor=supervisor, title=f"事件{n}", level="general",
            numbers=[c.number for c in children],
        )  # fmt: skip
        statement = services.statement_draft(incident=incident, actor=supervisor, text=STATEMENT)
        services.statement_approve(statement=statement, actor=dept_head)
        services.incident_action_apply(
            services.incident_action_start(incident=incident, actor=supervisor, kind="reply")
        )
        client = as_user(supervisor)
        url = reverse("early_warning:incident", args=[incident.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert cost(1, 0) == cost(4, 100)


@pytest.mark.parametrize(
    "at", ["0001-01-01T09:30", "1900-01-01T09:30", "9999-12-31T23:59", "notadate", "2026-02-30"]
)
def test_a_media_time_it_cannot_use_is_a_form_error(supervisor: User, at: str) -> None:
    incident = services.incident_open(actor=supervisor, title="计费故障", level="general")
    client = as_user(supervisor)
    client.raise_request_exception = False
    response = client.post(
        reverse("early_warning:incident_media", args=[incident.pk]),
        {"outlet": "微博", "at": at, "tone": "neutral", "summary": "网友反映"},
    )
    assert response.status_code == 422
    assert "at" in response.context["media_form"].errors
    assert not incident.media.exists()


def test_the_page_links_only_the_complaints_its_reader_may_open(
    complaint_in: Build, supervisor: User, admin_user: User
) -> None:
    """An incident spans departments; a billing supervisor sees every child, but only the
    billing ones link to a page they may open (the others answered 404)."""
    ours = complaint_in("in_progress", content="话费多扣了")
    theirs = complaint_in(
        "dispatched", category="network.coverage", department="network", content="没有信号"
    )
    incident = services.incident_open(
        actor=admin_user, title="计费与信号", level="general", owner=admin_user, terms=["多扣"],
        numbers=[ours.number, theirs.number],
    )  # fmt: skip
    shown = page(as_user(supervisor).get(reverse("early_warning:incident", args=[incident.pk])))
    assert f'<a href="/complaints/{ours.number}/">{ours.number}</a>' in shown
    assert f'<span class="muted" title="不在您的数据范围内">{theirs.number}</span>' in shown
    assert f'href="/complaints/{theirs.number}/"' not in shown
    assert as_user(supervisor).get(f"/complaints/{theirs.number}/").status_code == 404
    everything = page(
        as_user(admin_user).get(reverse("early_warning:incident", args=[incident.pk]))
    )
    assert f'href="/complaints/{theirs.number}/"' in everything


def test_the_incident_page_lists_its_terms_as_the_readers_language_lists(
    complaint_in: Build, supervisor: User
) -> None:
    from django.conf import settings

    services.incident_open(
        actor=supervisor, title="计费故障", level="general", terms=["多扣", "乱扣"],
        numbers=[c.number for c in _children(complaint_in, 1)],
    )  # fmt: skip
    url = reverse("early_warning:incident", args=[Incident.objects.get().pk])
    client = as_user(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client.get(url))
    assert "多扣, 乱扣" in english
    assert "多扣、乱扣" not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "多扣、乱扣" in page(client.get(url))

"""The quality pages: the opening form from a root-cause word, a corrective action's page and
its actions, the work queue's items; the register and a document's page; roles."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from tousu.classification.models import Category
from tousu.core import clock
from tousu.quality import services
from tousu.quality.models import ControlledDocument, CorrectiveAction, DocumentAcknowledgement

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_root_cause_page_offers_a_corrective_action_per_rising_word(
    quality: Any, handler: Any, register: Callable[..., Any]
) -> None:
    numbers = [register().number for _ in range(3)]
    client = login(quality)
    page = client.get("/dashboard/causes/").content.decode()
    links = re.findall(r'href="(/quality/capa/new/\?source=term[^"]*)"', page)
    assert links, "a rising word has its button"
    # The form the button opens: the word's complaints of the period, ticked.
    form = client.get(html.unescape(links[0])).content.decode()
    for number in numbers:
        assert f'value="{number}"' in form
    assert "checked" in form
    number = numbers[0]
    today = clock.local_today()
    response = client.post(
        "/quality/capa/new/",
        {
            "title": "不明扣费", "kind": "corrective", "source": "term", "source_ref": "扣费",
            "category": "billing", "complaints": [number], "root_cause": "二次确认缺失",
            "owner": handler.pk, "due_on": (today + dt.timedelta(days=20)).isoformat(),
            "verify_after_days": 30, "action_title": "恢复二次确认", "action_owner": handler.pk,
            "action_due_on": (today + dt.timedelta(days=5)).isoformat(),
        },
    )  # fmt: skip
    capa = CorrectiveAction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/quality/capa/{capa.pk}/"
    assert [c.number for c in capa.complaints.all()] == [number]

    # The handler finds the action in their queue and marks it done from the page.
    queue = login(handler).get("/").content.decode()
    assert f'data-capa="{capa.pk}"' in queue
    assert "恢复二次确认" in queue
    action = capa.actions.get()
    login(handler).post(f"/quality/capa/{capa.pk}/actions/{action.pk}/done/", {"note": "已恢复"})
    capa.refresh_from_db()
    assert capa.status == "actions_done"
    detail = login(quality).get(f"/quality/capa/{capa.pk}/").content.decode()
    assert f'action="/quality/capa/{capa.pk}/verify/"' in detail


def test_a_bad_form_shows_its_errors_and_opens_nothing(quality: Any) -> None:
    response = login(quality).post(
        "/quality/capa/new/", {"title": "", "source": "term", "due_on": "1900-01-01"}
    )
    assert response.status_code == 422
    assert not CorrectiveAction.objects.exists()


def test_roles(handler: Any, agent: Any, quality: Any) -> None:
    assert login(agent).get("/quality/capa/new/").status_code == 403
    assert login(agent).get("/quality/capa/").status_code == 200  # their own only: none
    with clock.frozen(clock.now()):
        capa = services.capa_open(
            actor=quality, title="t", source="manual", channel="hotline", root_cause="r",
            owner=quality, due_on=clock.local_today(),
        )  # fmt: skip
    assert login(agent).get(f"/quality/capa/{capa.pk}/").status_code == 404


def test_the_register_and_acknowledging_a_document(quality: Any, handler: Any) -> None:
    doc = ControlledDocument.objects.create(code="QP-02", title="投诉处理程序", kind="procedure")
    today = clock.local_today()
    for n, text in enumerate(("受理后2小时内派单。", "受理后1小时内派单。\n重要投诉即时上报。")):
        services.document_version_issue(
            document=doc, actor=quality, author=quality, text=text, change_note=f"第{n + 1}版",
            effective_from=today - dt.timedelta(days=10 - n),
            review_by=today + dt.timedelta(days=300),
        )  # fmt: skip
    client = login(handler)
    register = client.get("/quality/documents/").content.decode()
    assert 'data-document="QP-02"' in register
    page = client.get("/quality/documents/QP-02/").content.decode()
    assert "受理后1小时内派单" in page
    assert "diff-removed" in page  # what changed from v1
    assert "尚未确认阅读" not in page  # not shown to handlers
    queue = client.get("/").content.decode()
    assert "/quality/documents/QP-02/" in queue  # the banner
    client.post("/quality/documents/QP-02/acknowledge/", {"version": "1"})  # superseded
    assert not DocumentAcknowledgement.objects.exists()
    client.post("/quality/documents/QP-02/acknowledge/", {"version": "2"})
    assert DocumentAcknowledgement.objects.get().user == handler
    assert "/quality/documents/QP-02/" not in client.get("/").content.decode()
    managers = login(quality).get("/quality/documents/QP-02/").content.decode()
    assert "quality" in managers


def test_the_built_in_wordings_read_in_force_since_installation(handler: Any) -> None:
    """The messages' own wording is in force for complaints imported from before the
    installation: the register reads 自安装起 with the note why, not its sentinel date."""
    from tousu.knowledge.services import message_wording_load

    message_wording_load()
    register = login(handler).get("/quality/documents/").content.decode()
    rows = [r for r in register.split("<tr") if "data-wording=" in r]
    assert rows
    assert "2000-01-01" not in register
    for row in rows:
        assert '<td class="nowrap">自安装起</td>' in row
        assert "系统内置口径，自安装起生效，安装前导入的投诉同样适用" in row


def test_the_list_pages_cost_the_same_whatever_their_rows(
    open_capa: Callable[..., CorrectiveAction],
    quality: Any,
    handler: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(path: str, user: Any) -> int:
        client = login(user)
        client.get(path)  # warm: the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    open_capa()
    one = (cost("/quality/capa/", quality), cost("/", handler))
    for _ in range(3):
        # Sub-categories: their names read the parent's too.
        open_capa(category=Category.objects.get(code="billing.value_added"))
    assert (cost("/quality/capa/", quality), cost("/", handler)) == one

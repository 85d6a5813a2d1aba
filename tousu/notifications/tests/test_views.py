"""The notification list and the unread badge in the top bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.pages import as_user, page
from tousu.core import clock
from tousu.notifications.models import Notification
from tousu.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_list_shows_own_notifications_newest_first_unread_highlighted(
    handler: Any, outsider: Any, complaint_in: Callable[..., Any]
) -> None:
    # Built, not registered: the list shows only the notifications made below.
    complaint = complaint_in("dispatched", handler=handler)
    now = clock.now()
    with clock.frozen(now - dt.timedelta(hours=1)):
        notify(users=[handler], kind="assigned", text="较早的通知", email=False)
    notify(users=[handler], kind="reminder", text="最新的通知", complaint=complaint, email=False)
    notify(users=[outsider], kind="assigned", text="别人的通知", email=False)
    Notification.objects.filter(text="较早的通知").update(read_at=now)

    response = as_user(handler).get("/notifications/")
    assert response.status_code == 200
    text = page(response)
    assert text.index("最新的通知") < text.index("较早的通知")
    assert "别人的通知" not in text
    html = response.content.decode()
    assert html.count('class="unread"') == 1
    assert f'href="/complaints/{complaint.number}/"' in html


def test_a_complaint_moved_out_of_scope_is_named_not_linked(
    handler: Any, complaint_in: Callable[..., Any]
) -> None:
    """The handler was told of a complaint since transferred to another department: the
    notice stays, its number without a link to a page that would answer 404."""
    moved = complaint_in("dispatched", category="network.coverage", department="network")
    notify(users=[handler], kind="assigned", text="已分派给你", complaint=moved, email=False)
    html = as_user(handler).get("/notifications/").content.decode()
    assert f'<span class="muted" title="不在您的数据范围内">{moved.number}</span>' in html
    assert f'href="/complaints/{moved.number}/"' not in html


def test_badge_counts_unread_in_one_query(handler: Any) -> None:
    for n in range(3):
        notify(users=[handler], kind="assigned", text=f"通知{n}", email=False)
    client = as_user(handler)
    client.get("/notifications/")  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/complaints/").content.decode()
    assert 'class="badge badge-unread"' in html
    assert ">3</span>" in html
    counts = [
        q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1, counts


def test_mark_all_read(handler: Any, outsider: Any) -> None:
    notify(users=[handler, outsider], kind="assigned", text="通知", email=False)
    client = as_user(handler)
    response = client.post("/notifications/read/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert not Notification.objects.filter(user=handler, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=outsider, read_at__isnull=True).exists()
    html = client.get("/complaints/").content.decode()
    assert "badge-unread" not in html
    assert client.get("/notifications/read/").status_code == 405


def test_the_list_needs_a_login() -> None:
    from django.test import Client

    response = Client().get("/notifications/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_opening_a_complaint_reads_its_notices_and_the_badge_follows(
    lifecycle: Any, supervisor: Any, client: Any
) -> None:
    from tousu.notifications.models import Notification

    complaint = lifecycle("awaiting_approval")
    other = lifecycle("awaiting_approval")
    client.force_login(supervisor)
    assert "badge-unread" in client.get("/notifications/badge/").content.decode()
    client.get(f"/complaints/{complaint.number}/")
    unread = Notification.objects.filter(user=supervisor, read_at__isnull=True)
    assert list(unread.values_list("complaint__number", flat=True)) == [other.number]
    badge = client.get("/notifications/badge/").content.decode()
    assert ">1<" in badge
    client.get(f"/complaints/{other.number}/")
    assert "badge-unread" not in client.get("/notifications/badge/").content.decode()

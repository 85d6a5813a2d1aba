"""Lists for a busy desk (issue 13): the summary column, orders with keyset pages, saved views,
bulk actions with a result per complaint, search snippets over notes, and closing a repeat with
the earlier complaint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, SavedView
from tousu.complaints.selectors import complaint_keyset_page, complaint_list
from tousu.complaints.services import complaint_accept, complaint_note_add
from tousu.core import clock

pytestmark = pytest.mark.django_db


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


# ---- summary column and orders ---------------------------------------------------------------


def test_list_shows_a_summary_masked_before_it_is_cut(
    register: Callable[..., Any], agent: Any
) -> None:
    register(content="客户手机13912345678的话费被多扣了58元，要求退款并解释原因")
    html = page(as_user(agent).get("/complaints/"))
    assert "话费被多扣" in html  # the summary column
    assert "13912345678" not in html
    assert "1391234" not in html


@pytest.mark.parametrize("sort", ["due", "level", "received"])
def test_every_order_pages_through_all_rows_forward_and_back(
    sort: str, complaint_in: Callable[..., Any], supervisor: Any
) -> None:
    levels = ["ordinary", "major", "important", "over_level", "ordinary", "major", "important"]
    for i, level in enumerate(levels):
        complaint_in("dispatched", level=level, customer_phone=f"1370000000{i}")
    qs = complaint_list(supervisor)
    expected = list(complaint_keyset_page(qs, size=100, sort=sort).rows)
    seen, cursor, pages = [], "", []
    while True:
        keyset = complaint_keyset_page(qs, after=cursor, size=3, sort=sort)
        pages.append(keyset)
        seen += keyset.rows
        if not keyset.next_cursor:
            break
        cursor = keyset.next_cursor
    assert [c.pk for c in seen] == [c.pk for c in expected]
    back = complaint_keyset_page(qs, before=pages[-1].previous_cursor or "", size=3, sort=sort)
    assert [c.pk for c in back.rows] == [c.pk for c in pages[-2].rows]
    if sort == "level":
        order = ["over_level", "major", "important", "ordinary"]
        assert [order.index(c.level) for c in seen] == sorted(order.index(c.level) for c in seen)
    if sort == "due":
        dues = [c.resolution_due for c in seen]
        assert dues == sorted(dues)


def test_a_cursor_of_another_order_falls_back_to_the_first_page(
    register: Callable[..., Any], supervisor: Any
) -> None:
    register()
    qs = complaint_list(supervisor)
    received_cursor = "1700000000.000000_5"
    with pytest.raises(ValueError, match="bad cursor"):
        complaint_keyset_page(qs, after=received_cursor, sort="level")
    response = as_user(supervisor).get("/complaints/", {"sort": "level", "after": received_cursor})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_the_list_page_orders_by_level(complaint_in: Callable[..., Any], supervisor: Any) -> None:
    low = complaint_in("dispatched", level="ordinary")
    high = complaint_in("dispatched", level="over_level", customer_phone="13700000009")
    rows = as_user(supervisor).get("/complaints/", {"sort": "level"}).context["rows"]
    assert [c.number for c in rows] == [high.number, low.number]


# ---- bulk actions --------------------------------------------------------------------------------


def bulk(user: Any, numbers: list[str], **data: Any) -> Any:
    return as_user(user).post(reverse("desk:bulk"), {"numbers": numbers, **data})


def test_bulk_transfer_reports_each_complaint(
    lifecycle: Callable[..., Any], supervisor: Any, outsider: Any
) -> None:
    one = lifecycle("dispatched")
    two = lifecycle("dispatched", customer_phone="13700000001")
    closed = lifecycle("closed", customer_phone="13700000002")
    response = bulk(
        supervisor,
        [one.number, two.number, closed.number, "TS209901010001"],
        action="transfer",
        department=outsider.department.pk,
        reason="属于网络问题",
    )
    assert response.status_code == 200
    results = {r.number: r for r in response.context["results"]}
    assert results[one.number].done
    assert results[two.number].done
    assert not results[closed.number].done
    assert results[closed.number].message
    assert not results["TS209901010001"].done  # unknown: refused, not a crash
    assert response.context["done"] == 2
    assert fresh(one).department == outsider.department
    assert fresh(closed).department != outsider.department
    assert fresh(one).events.filter(type=EventType.TRANSFERRED).exists()


def test_bulk_assign_checks_each_handler_fits(
    lifecycle: Callable[..., Any],
    supervisor: Any,
    handler2: Any,
    outsider: Any,
    admin_user: Any,
) -> None:
    one = lifecycle("dispatched")
    response = bulk(supervisor, [one.number], action="assign", handler=handler2.username)
    assert response.context["results"][0].done
    assert fresh(one).handler == handler2
    other = lifecycle("dispatched", customer_phone="13700000003")
    before = other.handler_id
    # Not offered to the billing supervisor: refused as a choice not on the list.
    response = bulk(supervisor, [other.number], action="assign", handler=outsider.username)
    assert response.status_code == 302  # back to the list, with "Nothing was done: …"
    assert fresh(other).handler_id == before
    # Offered to whoever sees every department: refused for the complaint it does not fit.
    response = bulk(admin_user, [other.number], action="assign", handler=outsider.username)
    [result] = response.context["results"]
    assert not result.done
    assert outsider.username in result.message
    assert fresh(other).handler_id == before != outsider.pk


def test_bulk_respects_each_complaints_permissions(
    lifecycle: Callable[..., Any], handler: Any, outsider: Any
) -> None:
    """The outsider (network) cannot see billing's complaints: refused one by one."""
    one = lifecycle("dispatched")
    response = bulk(
        outsider, [one.number], action="transfer", department=outsider.department.pk, reason="x"
    )
    [result] = response.context["results"]
    assert not result.done
    assert fresh(one).department != outsider.department


def test_bulk_without_what_the_action_needs_does_nothing(
    lifecycle: Callable[..., Any], supervisor: Any
) -> None:
    one = lifecycle("dispatched")
    response = bulk(supervisor, [one.number], action="transfer")
    assert response.status_code == 302
    assert fresh(one).events.filter(type=EventType.TRANSFERRED).count() == 0


def test_bulk_close_as_duplicate(lifecycle: Callable[..., Any], supervisor: Any) -> None:
    original = lifecycle("dispatched")
    double = lifecycle("dispatched")
    stranger = lifecycle("dispatched", customer_phone="13700000004")
    response = bulk(
        supervisor,
        [double.number, stranger.number, original.number],
        action="close_duplicate",
        original=original.number,
    )
    done = {r.number: r.done for r in response.context["results"]}
    assert done == {double.number: True, stranger.number: False, original.number: False}
    closed = fresh(double)
    assert closed.status == "closed"
    assert closed.closed_at is not None
    event = closed.events.get(type=EventType.CLOSED_DUPLICATE)
    assert event.data["duplicate_of"] == original.number
    assert not closed.callbacks.exists()  # the original carries the callback
    assert fresh(stranger).status == "dispatched"
    detail = page(as_user(supervisor).get(reverse("desk:detail", args=[double.number])))
    assert original.number in detail


def test_a_duplicate_of_a_duplicate_is_refused(
    lifecycle: Callable[..., Any], supervisor: Any
) -> None:
    from tousu.complaints.services import complaint_close_duplicate
    from tousu.core.errors import ValidationFailed

    first = lifecycle("dispatched")
    second = lifecycle("dispatched")
    complaint_close_duplicate(complaint=second, actor=supervisor, original=first)
    with pytest.raises(ValidationFailed):
        complaint_close_duplicate(complaint=first, actor=supervisor, original=fresh(second))


# ---- saved views ---------------------------------------------------------------------------------


def test_saved_views_are_saved_applied_and_deleted_per_user(
    register: Callable[..., Any], supervisor: Any, handler: Any
) -> None:
    register()
    client = as_user(supervisor)
    response = client.post(
        reverse("desk:view_save"),
        {"name": "我的超时重要件", "query": "level=important&overdue=on&after=1_2&page=3"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get(user=supervisor)
    assert view.query == "level=important&overdue=on"  # filters only, no cursor
    html = page(client.get("/complaints/"))
    assert "我的超时重要件" in html
    assert "?level=important&amp;overdue=on" in html
    assert "我的超时重要件" not in page(as_user(handler).get("/complaints/"))
    assert as_user(handler).post(reverse("desk:view_delete", args=[view.pk])).status_code == 404
    assert client.post(reverse("desk:view_delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


# ---- search snippets and notes -------------------------------------------------------------------


def test_search_finds_notes_and_marks_the_words_escaped_and_masked(
    lifecycle: Callable[..., Any], handler: Any, agent: Any
) -> None:
    complaint = lifecycle("in_progress", content="宽带<b>经常</b>掉线，联系电话13912345678")
    complaint_note_add(complaint=complaint, actor=handler, text="已派工程师更换光猫，待客户确认")
    response = as_user(agent).get("/complaints/", {"q": "光猫"})
    assert [c.number for c in response.context["rows"]] == [complaint.number]
    html = page(response)
    assert "<mark>光猫</mark>" in html
    response = as_user(agent).get("/complaints/", {"q": "掉线"})
    html = page(response)
    assert "<mark>掉线</mark>" in html
    assert "<b>经常</b>" not in html
    assert "&lt;b&gt;经常&lt;/b&gt;" in html
    assert "13912345678" not in html


def test_a_phone_number_in_the_search_box_finds_the_customers_complaints(
    complaint_in: Callable[..., Any], supervisor: Any
) -> None:
    """Typed as people write it (spaces, +86), in the search box rather than the customer's
    phone field: their complaints, not an empty list."""
    theirs = complaint_in("dispatched", customer_phone="13912345678", content="话费多扣")
    complaint_in("dispatched", customer_phone="13700000005", content="话费多扣")
    for typed in ("13912345678", "+86 139 1234 5678"):
        response = as_user(supervisor).get("/complaints/", {"q": typed})
        assert [c.number for c in response.context["rows"]] == [theirs.number], typed


def test_reindex_keeps_the_notes(lifecycle: Callable[..., Any], handler: Any, agent: Any) -> None:
    from tousu.complaints.search import search_reindex

    complaint = lifecycle("in_progress")
    complaint_note_add(complaint=complaint, actor=handler, text="客户要求书面道歉函")
    search_reindex()
    rows = as_user(agent).get("/complaints/", {"q": "道歉函"}).context["rows"]
    assert [c.number for c in rows] == [complaint.number]


# ---- closing a repeat ----------------------------------------------------------------------------


def test_closing_a_repeat_offers_and_closes_the_earlier_open_complaint(
    lifecycle: Callable[..., Any], handler: Any
) -> None:
    earlier = lifecycle("dispatched")
    repeat = lifecycle("resolved")
    assert fresh(repeat).repeat_of_id == earlier.pk
    client = as_user(handler)
    detail = page(client.get(reverse("desk:detail", args=[repeat.number])))
    assert f"{earlier.number}" in detail
    assert "earlier_action" in detail
    response = client.post(
        reverse("desk:action", args=[repeat.number, "close"]),
        {"customer_accepted": "1", "earlier_action": "close"},
    )
    assert response.status_code == 302
    assert fresh(repeat).status == "closed"
    closed = fresh(earlier)
    assert closed.status == "closed"
    assert closed.events.get(type=EventType.CLOSED_DUPLICATE).data["duplicate_of"] == repeat.number


def test_closing_a_repeat_can_link_the_earlier_both_ways_and_leave_it_open(
    lifecycle: Callable[..., Any], handler: Any
) -> None:
    earlier = lifecycle("dispatched")
    repeat = lifecycle("resolved")
    client = as_user(handler)
    detail = page(client.get(reverse("desk:detail", args=[repeat.number])))
    assert "关联但不结案" in detail or "without closing it" in detail
    response = client.post(
        reverse("desk:action", args=[repeat.number, "close"]),
        {"customer_accepted": "1", "earlier_action": "link"},
    )
    assert response.status_code == 302
    assert fresh(repeat).status == "closed"
    assert fresh(repeat).repeat_of_id == earlier.pk
    assert fresh(earlier).status == "dispatched"  # linked, not closed
    assert not fresh(earlier).events.filter(type=EventType.CLOSED_DUPLICATE).exists()
    on_repeat = fresh(repeat).events.get(type=EventType.LINKED)
    on_earlier = fresh(earlier).events.get(type=EventType.LINKED)
    assert on_repeat.data["repeat_of"] == earlier.number
    assert on_earlier.data["repeated_by"] == repeat.number
    # Each timeline shows the link, the earlier one's to the repeat's page.
    href = f'href="{reverse("desk:detail", args=[repeat.number])}"'
    assert href in timeline(client, earlier.number)


def test_linking_refuses_another_customers_complaint_and_changes_nothing(
    complaint_in: Callable[..., Any], supervisor: Any
) -> None:
    from tousu.complaints.services import complaint_link
    from tousu.core.errors import ValidationFailed

    one = complaint_in("dispatched", customer_phone="13700000001")
    other = complaint_in("dispatched", customer_phone="13700000002")
    with pytest.raises(ValidationFailed):
        complaint_link(complaint=one, actor=supervisor, earlier=other)
    assert not Complaint.objects.filter(events__type=EventType.LINKED).exists()
    assert fresh(one).repeat_of_id is None


def test_closing_a_repeat_without_the_box_leaves_the_earlier_open(
    lifecycle: Callable[..., Any], handler: Any
) -> None:
    earlier = lifecycle("dispatched")
    repeat = lifecycle("resolved")
    as_user(handler).post(
        reverse("desk:action", args=[repeat.number, "close"]), {"customer_accepted": "1"}
    )
    assert fresh(repeat).status == "closed"
    assert fresh(earlier).status == "dispatched"


def test_accepting_keeps_working_for_handlers(lifecycle: Callable[..., Any], handler: Any) -> None:
    # The earlier complaint's status decides the offer: an accepted one is offered too.
    earlier = complaint_accept(complaint=lifecycle("dispatched"), actor=handler)
    repeat = lifecycle("resolved")
    html = page(as_user(handler).get(reverse("desk:detail", args=[repeat.number])))
    assert earlier.number in html
    assert "earlier_action" in html


# ---- timeline links to other complaints --------------------------------------------------------


def timeline(client: Any, number: str) -> str:
    """The timeline section of the complaint's page (other panels link complaints too)."""
    html = page(client.get(reverse("desk:detail", args=[number])))
    return html[html.index('class="card ws-timeline"') :].split("</section>", 1)[0]


def test_the_timeline_links_a_named_complaint_only_for_a_reader_who_may_see_it(
    complaint_in: Callable[..., Any], make_user: Callable[..., Any], outsider: Any
) -> None:
    from tousu.complaints.services import complaint_close_duplicate

    admin = make_user("admin", "admin")  # sees every department's complaints

    original = complaint_in("dispatched", customer_phone="13700000003")  # billing's
    duplicate = complaint_in("dispatched", department="network", customer_phone="13700000003")
    complaint_close_duplicate(complaint=duplicate, actor=admin, original=original)
    href = f'href="{reverse("desk:detail", args=[original.number])}"'

    seen_by_all = timeline(as_user(admin), duplicate.number)
    assert href in seen_by_all

    # Network's handler sees network's complaint but not billing's: the number, no link.
    seen_by_network = timeline(as_user(outsider), duplicate.number)
    assert original.number in seen_by_network
    assert href not in seen_by_network


def test_the_bulk_form_offers_a_copy_dropped_by_a_change_not_by_a_login(
    supervisor: Any, handler: Any, handler2: Any, django_assert_num_queries: Any
) -> None:
    """The list page's bulk form offers its handlers and departments from a per-process copy
    (issue 19): no statement once loaded, a login (which saves `last_login`) keeps it, a
    handler who leaves is gone at once, and a post is checked against the database."""
    from django.contrib.auth import get_user_model

    from tousu.desk.forms import BulkForm

    def offered() -> list[str]:
        choices = BulkForm(user=supervisor).fields["handler"].choices  # type: ignore[attr-defined]
        return [name for _group, options in choices[1:] for name, _label in options]

    assert {handler.username, handler2.username} <= set(offered())
    with django_assert_num_queries(0):
        form = BulkForm(user=supervisor)
        str(form["department"])
        offered()
    handler.last_login = clock.now()
    handler.save(update_fields=["last_login"])
    with django_assert_num_queries(0):
        offered()
    get_user_model().objects.filter(pk=handler2.pk).update(is_active=False)  # behind the signals
    posted = BulkForm(
        {"action": "assign", "handler": handler2.username, "numbers": ["X"]}, user=supervisor
    )
    assert not posted.is_valid()
    assert "handler" in posted.errors
    handler2.refresh_from_db()
    handler2.save()
    assert handler2.username not in offered()


def test_the_bulk_form_offers_a_department_manager_his_own_handlers(
    supervisor: Any, handler: Any, outsider: Any, admin_user: Any
) -> None:
    """A complaint is assigned only to a handler of its department: a manager who sees his
    department's complaints is offered its handlers, not the network handler whose assignment
    would be refused after 执行; one who sees every complaint is offered every department's."""
    from tousu.desk.forms import BulkForm

    def offered(user: Any) -> set[str]:
        choices = BulkForm(user=user).fields["handler"].choices  # type: ignore[attr-defined]
        return {name for _group, options in choices[1:] for name, _label in options}

    assert handler.username in offered(supervisor)
    assert outsider.username not in offered(supervisor)
    assert {handler.username, outsider.username} <= offered(admin_user)


def test_the_unfiltered_filter_fields_are_written_once_and_again_after_a_change(
    supervisor: Any,
) -> None:
    """The list's filter fields without a filter are kept as HTML per language (issue 19);
    a new category (a new copy of the reference rows) writes them again, a filtered list
    shows its own choice, and the other language its own labels."""
    from tousu.classification.models import Category

    client = as_user(supervisor)
    url = reverse("desk:list")

    def filters(response: Any) -> str:
        html = page(response)
        start = html.index('<form method="get" class="filters"')
        return html[start : html.index('<div class="actions">', start)]

    first = filters(client.get(url))
    assert filters(client.get(url)) == first
    parent = Category.objects.filter(parent__isnull=True).first()
    Category.objects.create(code="zz.new", name="新的类别", parent=parent)
    again = filters(client.get(url))
    assert "新的类别" in again
    assert "新的类别" not in first
    chosen = filters(client.get(url, {"status": "closed"}))
    assert '<option value="closed" selected>' in chosen
    assert '<option value="closed" selected>' not in filters(client.get(url))
    english = filters(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert english != again
    assert filters(client.get(url)) == again

"""The in-app notification list (R3.5)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.accounts.views import render_with_pii, staff
from tousu.complaints.selectors import numbers_visible
from tousu.notifications.selectors import notifications_for_user, unread_count
from tousu.notifications.services import notifications_mark_read

PAGE_SIZE = 50


def notification_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    page = Paginator(notifications_for_user(user), PAGE_SIZE).get_page(request.GET.get("page"))
    # Notifications name complaints and people; one that quotes a customer is masked like any
    # complaint's text.
    # A complaint since moved out of the user's scope is named, not linked to a 404.
    visible = numbers_visible(user, (n.complaint.number for n in page if n.complaint))
    return render_with_pii(
        request,
        "notifications/list.html",
        {"page": page, "visible": visible},
        subject="notifications:list",
        count=len(page.object_list),
    )


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if notifications_mark_read(user=user):
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications:list")


def badge(request: HttpRequest) -> HttpResponse:
    """The unread count of the top bar alone, polled by HTMX so that it moves without a
    reload (base.html)."""
    return render(
        request, "notifications/_badge.html", {"unread_notifications": unread_count(staff(request))}
    )

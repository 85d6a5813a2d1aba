"""The bench's bare endpoints (NOT part of the product; the product never imports them).

`bare_register` (bench/intake.py): parse the same JSON body as the registration API, insert two
rows in one transaction, answer 201. Nothing else: no auth, no validation beyond json, no
classification — the floor a Django endpoint on this server and database cannot go below.

`bare_list` and `bare_list_page` (bench/lists.py): the complaint list's rows as a plain Django
view would give them — the same 50 complaints the product lists for the user (the product's
data scope `scope_q`, newest first, page 1 or the keyset page after `?after=`, the product's
cursor), read with `values()` of the columns the list shows (the same joins), answered as JSON
or as a plain <table> from a minimal template. No masking, no forms, no countdowns, no count:
the floor for listing those rows on this server, through the same middleware and
authentication (the bearer token for the JSON under /api/, the session for the page).

`?count=1` on the JSON adds the exact count of the user's scope, `"count": N`, as a plain
`filter(scope_q(user)).count()`: the product's API promises that count (API.md), so a bare
endpoint of the same contract pays it too (lists.py prints the product against both)."""

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.accounts.services import token_authenticate
from tousu.complaints.models import Complaint

from .models import BareEvent, BareTicket

PAGE = 50
# What a row of the product's list shows (tousu/templates/complaints/_table.html).
COLUMNS = (
    "pk",
    "number",
    "status",
    "level",
    "received_at",
    "resolution_due",
    "closed_at",
    "content",
    "repeat_of_id",
    "category__name",
    "department__name",
    "handler__username",
    "customer__phone",
)


@csrf_exempt
def bare_register(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    now = timezone.now()
    with transaction.atomic():
        ticket = BareTicket.objects.create(
            phone=body["customer"]["phone"],
            content=body["content"],
            channel=body["channel"],
            received_at=now,
        )
        BareEvent.objects.create(ticket=ticket, type="registered", at=now, data={})
    return JsonResponse({"id": ticket.pk}, status=201)


def _scoped(user: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(scope_q(user))


def _rows(user: User, after: str) -> list[dict[str, Any]]:
    """The page's rows: newest first (received_at, then pk), after the cursor
    `<received_at timestamp>_<pk>` (the product's default order and cursor) when given."""
    qs = _scoped(user)
    if after:
        stamp, pk = after.split("_")
        at = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
        # The received_at bound lets the index bound the scan; the ties are cut by pk.
        qs = qs.filter(received_at__lte=at).exclude(received_at=at, pk__gte=int(pk))
    return list(qs.order_by("-received_at", "-pk").values(*COLUMNS)[:PAGE])


def bare_list(request: HttpRequest) -> JsonResponse:
    """`GET /api/bench/bare-list[?after=][&count=1]` with the product's bearer token."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    user = token_authenticate(token)
    if user is None:
        return JsonResponse({"error": "unauthenticated"}, status=401)
    body: dict[str, Any] = {"items": _rows(user, request.GET.get("after", ""))}
    if request.GET.get("count") == "1":
        body["count"] = _scoped(user).count()
    return JsonResponse(body)


def bare_list_page(request: HttpRequest) -> HttpResponse:
    """`GET /bench/bare-list[?after=]` for the logged-in user (the login middleware sends
    anyone else to the login page, as for the product's pages)."""
    assert isinstance(request.user, User)
    rows = _rows(request.user, request.GET.get("after", ""))
    return render(request, "intake_server/bare_list.html", {"rows": rows})

"""The bare endpoint (under /api/, which the login middleware leaves to the endpoint's own
authentication, as for the product's API): parse the same JSON body as the registration API,
insert two rows in one transaction, answer 201. Nothing else: no auth, no validation beyond
json, no classification — the floor a Django endpoint on this server and database cannot go
below."""

import json

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .models import BareEvent, BareTicket


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

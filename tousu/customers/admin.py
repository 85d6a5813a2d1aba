"""Customers in the admin: masked in the list; opening one shows the full record, and that
access is logged like any other reveal (D10)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from tousu.accounts.admin import AuditedAdmin
from tousu.accounts.models import User
from tousu.accounts.services import pii_access_log
from tousu.core.pii import mask_name, mask_phone
from tousu.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    """Every change made here is on the audit log (R12.2), the customer's name masked in it as
    the log masks the other personal fields."""

    audit_masks = {"name": mask_name}
    list_display = ("masked_phone", "masked_name", "region", "plan", "value_tier", "created_at")
    list_filter = ("region", "value_tier")
    list_select_related = ("region",)
    # Exact match only: a partial search would let the list be used to enumerate numbers.
    search_fields = ("=phone", "=account")

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("name"))
    def masked_name(self, obj: Customer) -> str:
        return mask_name(obj.name)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET" and isinstance(request.user, User):
            pii_access_log(
                user=request.user,
                subject=f"customer:{object_id}",
                fields="phone,name,account,id_number,address,email",
                via="admin",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # An anonymised customer stays anonymised (R12.2): nobody types the data back in.
        if obj is not None and obj.anonymised_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Customer | None = None
    ) -> tuple[str, ...] | list[str]:
        return (*super().get_readonly_fields(request, obj), "anonymised_at")

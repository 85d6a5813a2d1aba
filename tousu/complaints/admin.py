"""Complaints in the admin are read-only: they change only through the services, which write
the timeline (D8). The customer is shown masked."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tousu.accounts.admin import ReadOnlyAdmin
from tousu.complaints.models import Complaint
from tousu.core.pii import mask_phone


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "level", "channel", "department", "received_at")
    list_filter = ("status", "level", "channel", "department")
    search_fields = ("=number", "=external_ref")
    list_select_related = ("department",)
    date_hierarchy = "received_at"
    exclude = ("customer",)
    readonly_fields = ("customer_masked",)

    @admin.display(description=_("customer"))
    def customer_masked(self, obj: Complaint) -> str:
        return mask_phone(obj.customer.phone)

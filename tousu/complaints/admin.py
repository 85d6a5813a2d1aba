"""Complaints in the admin are read-only: they change only through the services, which write
the timeline (D8). The customer is shown masked. The log of list exports is read-only too:
written by the export itself, before its first row."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tousu.accounts.admin import ReadOnlyAdmin
from tousu.complaints.models import Complaint, ExportLog
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


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    """Who took which complaints out of the system, in what form, and whether personal data
    left unmasked (issue 6): the record an auditor asks for first."""

    list_display = ("at", "user", "format", "rows", "revealed", "filters_text")
    list_filter = ("format", "revealed")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    date_hierarchy = "at"

    @admin.display(description=_("filters"))
    def filters_text(self, obj: ExportLog) -> str:
        """The list's filters as given ("status=closed, channel=hotline"); "—" for none."""
        items = obj.filters.items() if isinstance(obj.filters, dict) else []
        return ", ".join(f"{k}={v}" for k, v in items if v not in ("", None, [])) or "—"

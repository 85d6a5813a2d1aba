"""The mails read from the complaints mailbox, for review (issue 17): what became of each, and
the held ones (a spoofed reply, a mail that could not be registered) to act on by hand. Read
only: the record is what the job did; the sender masked in the list (D10)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tousu.core.pii import mask_name
from tousu.core.reasons import reasons_text
from tousu.intake.models import InboundMail


def mask_address(address: str) -> str:
    """z*******@example.com: the domain tells staff enough (a provider, a company)."""
    local, at, domain = address.partition("@")
    return mask_name(local) + at + domain


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "masked_sender", "outcome", "complaint", "why")
    list_filter = ("outcome",)
    list_select_related = ("complaint",)
    search_fields = ("=message_id",)
    exclude = ("sender",)
    readonly_fields = ("masked_sender", "why")

    @admin.display(description=_("sender"))
    def masked_sender(self, obj: InboundMail) -> str:
        return mask_address(obj.sender)

    @admin.display(description=_("reason"))
    def why(self, obj: InboundMail) -> str:
        reasons = [obj.problem] if obj.problem else []
        return reasons_text([*reasons, *obj.refused])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundMail | None = None) -> bool:
        return False

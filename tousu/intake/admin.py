"""Intake's records in the admin: the escalation vocabulary and the emotion models (issue 18),
and the mails read from the complaints mailbox, for review (issue 17) — what became of each,
and the held ones (a spoofed reply, a mail that could not be registered) to act on by hand,
read only: the record is what the job did; the sender masked in the list (D10)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tousu.accounts.admin import AuditedAdmin
from tousu.core.pii import mask_name, mask_phone
from tousu.core.reasons import reasons_text
from tousu.intake.models import EmotionModel, InboundMail, InboundSms, RiskTerm


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


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    """The customers' SMS to the complaint number and what became of each (registered,
    threaded, unsubscribe, held), read only; the sender masked (D10), the text shown as the
    complaint's content is — to staff who may see the complaint."""

    list_display = ("received_at", "masked_sender", "outcome", "complaint", "why")
    list_filter = ("outcome",)
    list_select_related = ("complaint",)
    exclude = ("sender",)
    readonly_fields = ("masked_sender", "why")

    @admin.display(description=_("sender"))
    def masked_sender(self, obj: InboundSms) -> str:
        return mask_phone(obj.sender)

    @admin.display(description=_("reason"))
    def why(self, obj: InboundSms) -> str:
        return reasons_text([obj.problem] if obj.problem else [])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundSms | None = None) -> bool:
        return False


@admin.register(RiskTerm)
class RiskTermAdmin(AuditedAdmin):
    """The escalation vocabulary of the intake assessment (R2.6): admins add, weigh and switch
    off terms; a change applies to the next registration."""

    list_display = ("term", "kind", "weight", "reason", "active")
    list_editable = ("weight", "active")
    list_filter = ("kind", "active")
    search_fields = ("term", "reason")


@admin.register(EmotionModel)
class EmotionModelAdmin(admin.ModelAdmin):
    """Read-only: models are trained and activated by `tousu emotion train`; the blob is never
    shown or uploaded here."""

    list_display = ("version", "created_at", "source", "training_n", "active")
    exclude = ("blob",)
    readonly_fields = ("version", "created_at", "source", "training_n", "metrics", "active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EmotionModel]:
        return super().get_queryset(request).defer("blob")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tousu.accounts.admin import AuditedAdmin
from tousu.intake.models import EmotionModel, RiskTerm


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

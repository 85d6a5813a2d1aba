from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tousu.accounts.admin import AuditedAdmin
from tousu.routing.models import (
    ExpertTeam,
    ExpertTeamMember,
    HandlerProfile,
    RoutingRule,
    Transfer,
)


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    """The routing table (R3.1): admins edit which department receives what."""

    list_display = (
        "pk",
        "category",
        "region",
        "channel",
        "level",
        "department",
        "priority",
        "active",
        "note",
    )
    list_display_links = ("pk", "category")
    list_editable = ("department", "priority", "active")
    list_filter = ("active", "department", "channel", "level", "region")
    search_fields = ("category__code", "category__name", "note")
    list_select_related = ("category", "category__parent", "region", "department")


@admin.register(HandlerProfile)
class HandlerProfileAdmin(AuditedAdmin):
    list_display = ("user", "accepting", "last_assigned_at")
    list_filter = ("accepting", "user__department")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user",)
    filter_horizontal = ("categories",)


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("complaint", "kind", "from_department", "to_department", "actor", "at")
    list_filter = ("kind", "from_department", "to_department")
    search_fields = ("complaint__number",)
    list_select_related = ("complaint", "from_department", "to_department", "actor")
    date_hierarchy = "at"

    # Written by the dispatch and return services only: the record of who moved what.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ExpertTeamMemberInline(admin.TabularInline):
    model = ExpertTeamMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(ExpertTeam)
class ExpertTeamAdmin(AuditedAdmin):
    list_display = ("complaint", "lead", "formed_by", "formed_at")
    search_fields = ("complaint__number", "lead__username")
    list_select_related = ("complaint", "lead", "formed_by")
    raw_id_fields = ("complaint", "lead", "formed_by")
    inlines = [ExpertTeamMemberInline]

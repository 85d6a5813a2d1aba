from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tousu.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from tousu.quality.models import Inspection, SamplingPlan, ScoringItem, ScoringSheet

# Inspection


def _in_use(sheet: ScoringSheet | None) -> bool:
    return sheet is not None and sheet.pk is not None and sheet.inspections.exists()


class ScoringItemInline(admin.TabularInline):
    model = ScoringItem
    extra = 0
    fields = ("sort", "code", "title", "title_en", "weight", "max_points", "fatal", "guidance")

    # A sheet that scored something keeps its items as they were: a score keeps the version
    # it used. The change is made on a new version ("Save as new").
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(ScoringSheet)
class ScoringSheetAdmin(AuditedAdmin):
    """The scoring sheets (质检评分表) and their versions: "Save as new" with the next version
    number makes a new version; the newest active one scores new inspections."""

    list_display = ("code", "version", "name", "active", "created_at")
    list_filter = ("code", "active")
    save_as = True
    inlines = [ScoringItemInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(SamplingPlan)
class SamplingPlanAdmin(AuditedAdmin):
    list_display = ("name", "share", "minimum", "period_days", "seed", "active")
    filter_horizontal = ("inspectors",)


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "complaint", "reason", "status", "inspector", "handler", "total")
    list_filter = ("status", "reason")
    list_select_related = ("complaint", "inspector", "handler")
    search_fields = ("=complaint__number",)

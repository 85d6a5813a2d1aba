from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from tousu.quality import services
from tousu.quality.models import Inspection, Objective, SamplingPlan, ScoringItem, ScoringSheet

# Inspection


def _in_use(sheet: ScoringSheet | None) -> bool:
    return sheet is not None and sheet.pk is not None and sheet.inspections.exists()


class ScoringItemInline(admin.TabularInline):
    model = ScoringItem
    extra = 0
    fields = ("sort", "code", "title", "title_en", "weight", "max_points", "fatal", "guidance")

    # A sheet that scored something keeps its items as they were: a score keeps the version
    # it used. The change is made on a new version (the list's action).
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(ScoringSheet)
class ScoringSheetAdmin(AuditedAdmin):
    """The scoring sheets (质检评分表) and their versions: the action "new version" copies a
    sheet with its items as the next version, to edit; the newest active one scores new
    inspections."""

    list_display = ("code", "version", "name", "active", "created_at")
    list_filter = ("code", "active")
    inlines = [ScoringItemInline]
    actions = ["new_version"]

    @admin.action(description=gettext_lazy("Copy as a new version"))
    def new_version(self, request: HttpRequest, queryset: QuerySet[ScoringSheet]) -> None:
        for sheet in queryset:
            copy = services.sheet_new_version(sheet=sheet)
            self.message_user(
                request,
                _("%(name)s version %(version)s made: edit its items.")
                % {"name": copy.name, "version": copy.version},
                messages.SUCCESS,
            )

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


# Management review


@admin.register(Objective)
class ObjectiveAdmin(AuditedAdmin):
    list_display = ("kpi", "direction", "target", "active")

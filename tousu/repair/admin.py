from django.contrib import admin

from tousu.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from tousu.repair.models import Playbook, PlaybookStep, RepairCase


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    extra = 0
    fields = ("sort", "code", "title", "title_en", "department", "due_days", "active")


@admin.register(Playbook)
class PlaybookAdmin(AuditedAdmin):
    """The repair measures per type (S2): owner department, steps, their owners and due days."""

    list_display = ("type", "department", "due_days")
    list_select_related = ("department",)
    inlines = [PlaybookStepInline]


@admin.register(RepairCase)
class RepairCaseAdmin(ReadOnlyAdmin):
    list_display = ("pk", "type", "source", "status", "department", "owner", "opened_at")
    list_filter = ("status", "type", "source")
    list_select_related = ("department", "owner", "customer")
    search_fields = ("=customer__phone",)

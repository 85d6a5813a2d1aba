"""Admin pages for time limits: calendars with their days, policies and the escalation ladder
(R4). Every year an admin adds the next year's holidays and adjusted working days (调休) from
the State Council notice."""

from __future__ import annotations

from django.contrib import admin

from tousu.accounts.admin import AuditedAdmin
from tousu.sla.models import BusinessCalendar, CalendarDay, EscalationStep, TimeLimitPolicy


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    ordering = ["-date"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdmin):
    list_display = ["code", "name", "work_start", "work_end", "weekend_days"]
    search_fields = ["code", "name"]
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name", "calendar"]
    list_filter = ["calendar", "kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(TimeLimitPolicy)
class TimeLimitPolicyAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "level",
        "channel",
        "first_response_minutes",
        "resolution_minutes",
        "counting",
        "warn_share",
        "active",
    ]
    list_filter = ["active", "counting", "level", "channel"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["category"]


@admin.register(EscalationStep)
class EscalationStepAdmin(AuditedAdmin):
    list_display = ["order", "after_minutes", "target", "raise_to", "active"]
    list_editable = ["after_minutes", "target", "raise_to", "active"]

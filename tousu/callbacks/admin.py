from django.contrib import admin

from tousu.accounts.admin import ReadOnlyAdmin
from tousu.callbacks.models import CallbackAttempt, CallbackTask, SurveyResponse


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnlyAdmin):
    list_display = (
        "complaint",
        "due_at",
        "status",
        "result",
        "overall",
        "attempt_count",
        "done_by",
        "done_at",
    )
    list_filter = ("status", "result")
    search_fields = ("=complaint__number",)
    list_select_related = ("complaint", "done_by")


@admin.register(CallbackAttempt)
class CallbackAttemptAdmin(ReadOnlyAdmin):
    list_display = ("task", "at", "by", "outcome")
    list_filter = ("outcome",)
    search_fields = ("=task__complaint__number",)
    list_select_related = ("task", "by")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("customer", "surveyed_at", "overall", "batch", "row")
    search_fields = ("=batch",)
    list_select_related = ("customer",)

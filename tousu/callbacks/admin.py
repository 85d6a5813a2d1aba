from django.contrib import admin

from tousu.accounts.admin import ReadOnlyAdmin
from tousu.callbacks.models import CallbackTask


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "due_at", "status", "result", "done_by", "done_at")
    list_filter = ("status", "result")
    search_fields = ("=complaint__number",)
    list_select_related = ("complaint", "done_by")

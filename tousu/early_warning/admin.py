from django.contrib import admin

from tousu.accounts.admin import ReadOnlyAdmin
from tousu.early_warning.models import Alert


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "detected_at",
        "kind",
        "slice_key",
        "window",
        "observed",
        "expected",
        "ended_at",
    )
    list_filter = ("kind", "window")
    date_hierarchy = "detected_at"

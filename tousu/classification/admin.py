from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tousu.accounts.admin import AuditedAdmin
from tousu.classification.models import Category, CategoryCorrection, TextModel


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "parent", "active", "sort")
    list_filter = ("active", "parent")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)
    ordering = ("sort", "code")


@admin.register(TextModel)
class TextModelAdmin(admin.ModelAdmin):
    """Read-only: models are trained and activated by `tousu classifier`; the blob is never
    shown or uploaded here."""

    list_display = (
        "version",
        "created_at",
        "algorithm",
        "macro_f1",
        "training_n",
        "taxonomy",
        "active",
    )
    list_filter = ("active", "taxonomy")
    exclude = ("blob",)
    readonly_fields = (
        "version",
        "created_at",
        "algorithm",
        "labels",
        "taxonomy",
        "metrics",
        "training_n",
        "source",
        "active",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[TextModel]:
        return super().get_queryset(request).defer("blob")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CategoryCorrection)
class CategoryCorrectionAdmin(admin.ModelAdmin):
    list_display = ("complaint", "from_category", "to_category", "by", "at")
    list_select_related = ("complaint", "from_category", "to_category", "by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

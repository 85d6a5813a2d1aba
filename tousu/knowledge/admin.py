from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tousu.accounts.admin import AuditedAdmin
from tousu.knowledge.models import (
    Case,
    ReplyTemplate,
    WordingArticle,
    WordingVariant,
    WordingVersion,
)
from tousu.knowledge.services import search_terms, wording_index


@admin.register(Case)
class CaseAdmin(AuditedAdmin):
    list_display = ("title", "category", "status", "for_training", "created_at")
    list_filter = ("status", "for_training", "category")
    search_fields = ("title", "=complaint__number")
    list_select_related = ("category",)
    filter_horizontal = ("clauses",)
    readonly_fields = ("complaint", "created_by", "created_at", "published_by", "published_at")
    exclude = ("search_terms",)

    def save_model(self, request: HttpRequest, obj: Case, form: Any, change: bool) -> None:
        # Edits here bypass case_update: keep the search words in step with the text.
        obj.search_terms = search_terms(
            obj.title, obj.content, obj.summary, obj.outcome, " ".join(obj.tag_list)
        )
        super().save_model(request, obj, form, change)


class WordingVersionInline(admin.StackedInline):
    model = WordingVersion
    extra = 0
    fields = ("number", "body", "effective_from", "valid_until", "change_note")


@admin.register(WordingArticle)
class WordingArticleAdmin(AuditedAdmin):
    list_display = ("title", "key", "topic", "category")
    list_filter = ("topic",)
    search_fields = ("title", "key")
    exclude = ("search_terms",)
    inlines = [WordingVersionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        wording_index(form.instance)


class WordingVariantInline(admin.TabularInline):
    model = WordingVariant
    extra = 1


@admin.register(WordingVersion)
class WordingVersionAdmin(AuditedAdmin):
    list_display = ("article", "number", "effective_from", "valid_until", "change_note")
    list_filter = ("article__topic",)
    list_select_related = ("article",)
    inlines = [WordingVariantInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        wording_index(form.instance.article)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(AuditedAdmin):
    list_display = ("name", "category", "active", "sort")
    list_filter = ("active",)
    search_fields = ("name", "body")

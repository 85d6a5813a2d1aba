from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tousu.accounts.admin import AuditedAdmin
from tousu.complaints.choices import Cause, Finding
from tousu.core.reasons import reason_text
from tousu.resolution.choices import EvidenceKind
from tousu.resolution.models import AuthorityLimit, ClauseRemedy, ConsistencyFlag, StandardClause


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(AuditedAdmin):
    """What each role may grant alone (R6.2), per complaint and per customer per month, in
    total or for one remedy type; empty = unlimited. The approver roles' total rows, with
    their hours, are the approval chain."""

    list_display = ("role", "remedy_type", "max_amount", "monthly_max", "approval_hours")
    list_filter = ("role", "remedy_type")


class ClauseRemedyInline(admin.TabularInline):
    model = ClauseRemedy
    extra = 1
    fields = ("sort", "type", "basis", "min_amount", "max_amount", "rate", "note")


class SegmentsField(forms.Field):
    """Customer value tiers typed as one line, separated by commas or spaces."""

    def prepare_value(self, value: Any) -> Any:
        return "，".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        text = str(value or "").replace("，", ",").replace(" ", ",")
        return [part.strip() for part in text.split(",") if part.strip()]


class StandardClauseForm(forms.ModelForm):
    # Lists of choices as check boxes: an admin ticks them instead of typing JSON.
    findings = forms.MultipleChoiceField(
        label=_("findings"),
        choices=Finding.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    causes = forms.MultipleChoiceField(
        label=_("causes"),
        choices=Cause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_evidence = forms.MultipleChoiceField(
        label=_("required evidence"),
        choices=EvidenceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    customer_segments = SegmentsField(
        label=_("customer segments"),
        required=False,
        help_text=_("Customer value tiers, e.g. 五星; empty = any customer."),
    )

    class Meta:
        model = StandardClause
        fields = (
            "code",
            "version",
            "title",
            "text",
            "category",
            "active",
            "findings",
            "causes",
            "customer_segments",
            "disputed_min",
            "disputed_max",
            "outage_days_min",
            "outage_days_max",
            "required_evidence",
            "effective_from",
            "effective_to",
        )


@admin.register(StandardClause)
class StandardClauseAdmin(AuditedAdmin):
    """Handling-standard clauses (R6.1). To revise a clause, add a row with the same code and
    the next version, and end the old one's effective dates: complaints keep their version."""

    form = StandardClauseForm
    inlines = [ClauseRemedyInline]
    list_display = ("code", "version", "title", "category", "effective_from", "effective_to")
    list_filter = ("active", "category")
    search_fields = ("code", "title", "text")
    fieldsets = (
        (None, {"fields": ("code", "version", "title", "text", "category", "active")}),
        (
            _("Situation"),
            {
                "fields": (
                    "findings",
                    "causes",
                    "customer_segments",
                    ("disputed_min", "disputed_max"),
                    ("outage_days_min", "outage_days_max"),
                )
            },
        ),
        (None, {"fields": ("required_evidence", ("effective_from", "effective_to"))}),
    )


@admin.register(ConsistencyFlag)
class ConsistencyFlagAdmin(admin.ModelAdmin):
    """Flags raised by the consistency check (R6.3): read-only, they record what happened."""

    list_display = ("complaint", "clause", "kind", "remedy_type", "amount", "why", "created_at")
    list_filter = ("kind",)

    @admin.display(description=_("reason"))
    def why(self, flag: ConsistencyFlag) -> str:
        return reason_text(flag.reason)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

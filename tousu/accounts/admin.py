"""Admin pages for configuration: departments, regions, users and their scope, API tokens,
and the read-only logs of personal-data access, of login lockouts and the audit log.

`AuditedAdmin` is the mixin every configuration admin takes: each addition, change and
deletion made through it goes on the audit log in the admin's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from tousu.accounts.choices import AuditAction
from tousu.accounts.forms import AdminLoginForm
from tousu.accounts.models import (
    ApiToken,
    AuditEntry,
    Department,
    LoginLockout,
    PiiAccess,
    Region,
    User,
)
from tousu.accounts.services import (
    SECRET_CHANGED,
    audit_changes,
    audit_record,
    audit_snapshot,
)

# The admin's login is held to the same login policy as the staff's, and says so the same way.
admin.site.login_form = AdminLoginForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are written by the system only: viewable, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Writes every addition, change and deletion made through this admin to the audit log:
    `save_model` takes the row as it was before, `save_related` (after the many-to-many
    fields and inlines are saved) compares it with the row as it is, and records it; inline
    rows are recorded each as their own entry. The admin runs all of it in one transaction,
    so a change and its entry commit together."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        before: dict[str, Any] = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = audit_snapshot(stored) if stored is not None else {}
        super().save_model(request, obj, form, change)
        pending = getattr(request, "_tousu_audit_pending", {})
        pending[(type(obj), obj.pk)] = (before, change)
        request._tousu_audit_pending = pending  # type: ignore[attr-defined]

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        pending = getattr(request, "_tousu_audit_pending", {})
        before, change = pending.pop((type(obj), obj.pk), ({}, change))
        self._audit_save(request, obj, before, change)
        for formset in formsets:
            self._audit_formset(request, formset)

    # A model's own personal fields the log's masks do not know by name: {field: mask}.
    audit_masks: ClassVar[dict[str, Callable[[str], str]]] = {}

    def _changes(self, before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
        """`audit_changes`, with this model's own personal fields masked (`audit_masks`) on
        every path: a change, an inline row, a deletion."""
        changes = audit_changes(before, after)
        for name, mask in self.audit_masks.items():
            if name in changes:
                changes[name] = [mask(v) if isinstance(v, str) and v else v for v in changes[name]]
        return changes

    def _audit_save(
        self, request: HttpRequest, obj: Any, before: dict[str, Any], change: bool
    ) -> None:
        changes = self._changes(before, audit_snapshot(obj))
        if change and not changes:
            return  # saved unchanged: nothing happened
        action = AuditAction.CHANGE if change else AuditAction.CREATE
        audit_record(actor=_user(request), action=action, obj=obj, changes=changes)

    def _audit_formset(self, request: HttpRequest, formset: BaseFormSet[Any]) -> None:
        actor = _user(request)
        for obj in getattr(formset, "new_objects", []):
            changes = self._changes({}, audit_snapshot(obj))
            audit_record(actor=actor, action=AuditAction.CREATE, obj=obj, changes=changes)
        for obj, fields in getattr(formset, "changed_objects", []):
            after = audit_snapshot(obj)
            changes = {k: v for k, v in self._changes({}, after).items() if k in fields}
            audit_record(actor=actor, action=AuditAction.CHANGE, obj=obj, changes=changes)
        for obj in getattr(formset, "deleted_objects", []):
            audit_record(actor=actor, action=AuditAction.DELETE, obj=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before, pk = audit_snapshot(obj), obj.pk
        super().delete_model(request, obj)
        changes = self._changes(before, {})
        audit_record(
            actor=_user(request),
            action=AuditAction.DELETE,
            obj=obj,
            object_id=str(pk),
            changes=changes,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in list(queryset):
                self.delete_model(request, obj)


def _user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "name_en")


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "customers")
    search_fields = ("code", "name", "name_en")


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "department", "region", "is_active")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Role and data scope"),
            {"fields": ("display_name", "role", "department", "region", "data_scope")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Role and data scope"),
            {"fields": ("display_name", "role", "department", "region", "data_scope")},
        ),
    )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The admin's password form saves without `save_model`: its success (a redirect) is
        recorded here, in its transaction — that the password changed, never what to."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if response.status_code == 302:
                user = User.objects.get(pk=id)
                changes = {"password": [SECRET_CHANGED, SECRET_CHANGED]}
                audit_record(
                    actor=_user(request), action=AuditAction.CHANGE, obj=user, changes=changes
                )
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are made with `tousu token`, which shows them once; here they can be revoked."""

    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "prefix", "digest", "created_at", "last_used_at")
    fields = ("user", "prefix", "digest", "created_at", "last_used_at", "revoked")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# How the personal-data log's stored codes read (the rows keep the codes: they are searched
# and filtered by them). An unknown code reads as stored.
PII_FIELDS = {
    "name": _("Customer name"),
    "phone": _("Phone"),
    "account": _("Account"),
    "id_number": _("ID number"),
    "address": _("Address"),
    "email": _("E-mail"),
    "content": _("Content"),
    "demand": _("Demand"),
}
PII_VIA = {
    "page": _("Page"),
    "api": _("API"),
    "export": _("Export"),
    "admin": _("Administration"),
}
PII_SUBJECTS = {
    "complaints:list": _("Complaint list"),
    "complaints:export": _("Complaint list export"),
}


def pii_subject_text(subject: str) -> str:
    """ "customer:12" → "客户 #12", "complaints:list" → "投诉列表"; a complaint number as it is."""
    if subject in PII_SUBJECTS:
        return str(PII_SUBJECTS[subject])
    kind, _sep, ref = subject.partition(":")
    if kind == "customer" and ref:
        return str(_("Customer #%(id)s") % {"id": ref})
    return subject


@admin.register(PiiAccess)
class PiiAccessAdmin(ReadOnlyAdmin):
    """Who saw which personal data (D10, R14.1), in words: the stored codes translated."""

    list_display = ("at", "user", "subject_text", "fields_text", "via_text", "count")
    list_filter = ("via",)
    search_fields = ("user__username", "subject")
    list_select_related = ("user",)
    date_hierarchy = "at"

    @admin.display(description=_("whose data"), ordering="subject")
    def subject_text(self, obj: PiiAccess) -> str:
        return pii_subject_text(obj.subject)

    @admin.display(description=_("personal data"))
    def fields_text(self, obj: PiiAccess) -> str:
        codes = [c for c in obj.fields.split(",") if c]
        return "、".join(str(PII_FIELDS.get(c, c)) for c in codes)

    @admin.display(description=_("through"), ordering="via")
    def via_text(self, obj: PiiAccess) -> str:
        return str(PII_VIA.get(obj.via, obj.via))


@admin.register(LoginLockout)
class LoginLockoutAdmin(ReadOnlyAdmin):
    """Locks engaged by failed logins. A lock lifts by itself at its end; to lift it sooner,
    delete the user name's (or the address's) access attempts."""

    list_display = ("at", "scope", "username", "ip_address", "path", "failures", "until")
    list_filter = ("scope", "path")
    search_fields = ("username", "ip_address")
    date_hierarchy = "at"


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, DjangoGroupAdmin):
    """Django's permission groups, audited like every other role setting."""


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log: configuration changes and logins, append-only and hash-chained. Nobody
    edits or deletes an entry here; one changed in the database is reported by the scheduled
    verification (`tousu timeline_verify`)."""

    list_display = ("seq", "at", "actor_name", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"
    fields = (
        "seq",
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes_table",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description=_("changes"))
    def changes_table(self, entry: AuditEntry) -> str:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        rows = [
            (name, *(value if isinstance(value, list) and len(value) == 2 else ("", value)))
            for name, value in changes.items()
        ]
        return format_html_join("", "<div><b>{}</b>: {} → {}</div>", rows)

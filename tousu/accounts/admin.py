"""Admin pages for configuration: departments, regions, users and their scope, API tokens,
and the read-only logs of personal-data access and of login lockouts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tousu.accounts.forms import AdminLoginForm
from tousu.accounts.models import ApiToken, Department, LoginLockout, PiiAccess, Region, User

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


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "name_en")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "customers")
    search_fields = ("code", "name", "name_en")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with `tousu token`, which shows them once; here they can be revoked."""

    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "prefix", "digest", "created_at", "last_used_at")
    fields = ("user", "prefix", "digest", "created_at", "last_used_at", "revoked")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PiiAccess)
class PiiAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "subject", "fields", "via", "count")
    list_filter = ("via",)
    search_fields = ("user__username", "subject")
    date_hierarchy = "at"


@admin.register(LoginLockout)
class LoginLockoutAdmin(ReadOnlyAdmin):
    """Locks engaged by failed logins. A lock lifts by itself at its end; to lift it sooner,
    delete the user name's (or the address's) access attempts."""

    list_display = ("at", "scope", "username", "ip_address", "path", "failures", "until")
    list_filter = ("scope", "path")
    search_fields = ("username", "ip_address")
    date_hierarchy = "at"

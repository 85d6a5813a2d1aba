from django.contrib import admin

from tousu.resolution.models import AuthorityLimit


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    """What each role may grant alone (R6.2); empty = unlimited."""

    list_display = ("role", "max_amount")

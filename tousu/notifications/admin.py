"""Admin: webhook endpoints (the secret is write-only), the delivery log (read-only) and
in-app notifications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tousu.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=300, assume_scheme="https")
    # Never sent back to the browser: shown as dots, and left blank on change keeps the old one.
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Signs every request (HMAC-SHA256). Leave blank to keep the current one."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "secret", "events", "active")

    def clean_secret(self) -> str:
        secret: str = self.cleaned_data.get("secret") or ""
        if secret:
            return secret
        if self.instance.pk and self.instance.secret:
            return self.instance.secret
        raise forms.ValidationError(_("A new endpoint needs a secret."))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "events", "active")
    list_filter = ("active",)
    search_fields = ("name", "url")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "channel",
        "event",
        "endpoint",
        "recipient",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "event")
    search_fields = ("recipient", "event", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("endpoint",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "complaint", "text", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "text")
    date_hierarchy = "created_at"
    list_select_related = ("user", "complaint")
    raw_id_fields = ("user", "complaint")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

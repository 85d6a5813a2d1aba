"""Registration forms: the agent's (every field of R1.2) and the customer's own (R1.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Region
from tousu.classification.forms import category_choices
from tousu.complaints.choices import Channel, Level
from tousu.core.forms import LocalNameChoiceField, blank, textarea
from tousu.intake.imports import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, IMPORT_TYPES
from tousu.intake.rules import PAGE_NOTE_MAX_CHARS
from tousu.intake.services import (
    CONTENT_MAX_CHARS,
    DEMAND_MAX_CHARS,
    EXTERNAL_REF_MAX_CHARS,
    Registration,
)
from tousu.sla.constants import (
    AUTHORITY_FIRST_CONTACT,
    AUTHORITY_NAME_MAX_CHARS,
    AUTHORITY_REPLY,
)

# The service's field names → the form's, so that its errors land next to the right field.
REGISTRATION_FIELDS = {
    "customer.phone": "customer_phone",
    "customer.name": "customer_name",
    "customer.account": "customer_account",
    "customer.region": "region",
    "authority.name": "authority",
    "authority.received_at": "authority_received_at",
    "authority.first_contact_due": "authority_first_contact_due",
    "authority.reply_due": "authority_reply_due",
}

PHONE_ATTRS = {"type": "tel", "autocomplete": "off", "inputmode": "tel"}


def content_field() -> forms.CharField:
    return forms.CharField(
        label=_("What happened"),
        widget=textarea(CONTENT_MAX_CHARS, rows=6, **{"data-count": str(CONTENT_MAX_CHARS)}),
    )


def demand_field(help_text: Any = None) -> forms.CharField:
    return forms.CharField(
        label=_("Demand"),
        required=False,
        help_text=help_text or _("What the customer wants us to do."),
        widget=textarea(DEMAND_MAX_CHARS, rows=2),
    )


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    customer_phone = forms.CharField(
        label=_("Customer phone"), widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    customer_name = forms.CharField(label=_("Customer name"), required=False)
    region = LocalNameChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        to_field_name="code",
        empty_label="—",
    )
    customer_account = forms.CharField(label=_("Account"), required=False)
    content = content_field()
    demand = demand_field()
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    external_ref = forms.CharField(
        label=_("External reference"),
        required=False,
        max_length=EXTERNAL_REF_MAX_CHARS,
        help_text=_("The referral's own number, e.g. the regulator's case number."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        help_text=_("Leave empty to classify automatically."),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        help_text=_("Leave empty for the channel's default."),
        choices=blank(_("Automatic")) + list(Level.choices),
    )

    # A regulator referral's authority and its deadlines (issue 17); empty deadlines take the
    # defaults (sla.constants.AUTHORITY_*).
    authority = forms.CharField(
        label=_("Regulator"),
        required=False,
        max_length=AUTHORITY_NAME_MAX_CHARS,
        help_text=_("Who referred it, e.g. 工信部 or 广东省通信管理局."),
    )
    authority_received_at = forms.DateTimeField(
        label=_("Regulator received it"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: when we received it."),
    )
    authority_first_contact_due = forms.DateTimeField(
        label=_("Regulator: first contact due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    authority_reply_due = forms.DateTimeField(
        label=_("Regulator: reply due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The defaults in the help, from the constants that decide them.
        self.fields["authority_first_contact_due"].help_text = gettext(
            "Empty: %(hours)s hours after we received it."
        ) % {"hours": int(AUTHORITY_FIRST_CONTACT.total_seconds() // 3600)}
        self.fields["authority_reply_due"].help_text = gettext(
            "Empty: %(days)s days after the regulator received it."
        ) % {"days": AUTHORITY_REPLY.days}
        self.fields["category"].choices = category_choices(_("Automatic"))  # type: ignore[attr-defined]
        # As the agent types the number, the customer and their earlier complaints appear.
        self.fields["customer_phone"].widget.attrs.update(
            {
                "hx-get": reverse("desk:customer_lookup"),
                "hx-trigger": "keyup changed delay:300ms, change",
                "hx-target": "#customer-lookup",
            }
        )
        # Default "now" in the local time the agent reads (datetime-local has no zone).
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def registration(self) -> Registration:
        data = self.cleaned_data
        received: dt.datetime = data["received_at"]
        return Registration(
            channel=data["channel"],
            content=data["content"],
            customer_phone=data["customer_phone"],
            customer_name=data["customer_name"],
            customer_account=data["customer_account"],
            region=data["region"].code if data["region"] else "",
            received_at=received,
            demand=data["demand"],
            external_ref=data["external_ref"],
            category=data["category"],
            level=data["level"],
            authority=data["authority"],
            authority_received_at=data["authority_received_at"],
            authority_first_contact_due=data["authority_first_contact_due"],
            authority_reply_due=data["authority_reply_due"],
        )

    def is_referral(self) -> bool:
        """Show the regulator's fields: the channel chosen is a regulator referral."""
        return (self.data.get("channel") or self.initial.get("channel")) == Channel.REGULATOR


class PublicSubmitForm(forms.Form):
    """The customer's own page: as little as we need to call them back."""

    phone = forms.CharField(label=_("Your phone number"), widget=forms.TextInput(attrs=PHONE_ATTRS))
    name = forms.CharField(label=_("Your name"), required=False)
    content = content_field()
    demand = demand_field(_("What you would like us to do."))  # the customer is reading

    def registration(self) -> Registration:
        data = self.cleaned_data
        return Registration(
            channel=Channel.WEB,
            content=data["content"],
            customer_phone=data["phone"],
            customer_name=data["name"],
            demand=data["demand"],
        )


PUBLIC_FIELDS = {"customer.phone": "phone", "customer.name": "name"}


class PublicStatusForm(forms.Form):
    number = forms.CharField(
        label=_("Complaint number"),
        max_length=24,
        widget=forms.TextInput(attrs={"placeholder": "TS202611200001", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("The phone number you gave"),
        max_length=32,
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )


class ImportForm(forms.Form):
    """A CSV/Excel file of complaints to import (issue 17); the service checks its contents."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GBK) or Excel .xlsx, one complaint a row, at most %(rows)s rows and "
            "%(mb)s MB; columns such as 投诉内容, 电话, 渠道, 受理时间, 外部编号"
        )
        % {"rows": f"{IMPORT_MAX_ROWS:,}", "mb": IMPORT_MAX_BYTES // 1048576},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_TYPES)}),
    )
    default_channel = forms.ChoiceField(
        label=_("Channel of rows without one"),
        required=False,
        choices=blank("—") + list(Channel.choices),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refused before it is read into memory; the service checks everything else.
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB") % {"limit": IMPORT_MAX_BYTES // 1048576}
            )
        return upload


# ---- the customer's own page (issue 17) ----------------------------------------------------


class PageCodeForm(forms.Form):
    """The second step of opening the page: the code sent by SMS (number and phone carried
    over from the first step, posted, never in the address)."""

    number = forms.CharField(max_length=24, widget=forms.HiddenInput)
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "placeholder": "••••••",
            }
        ),
    )


class PageNoteForm(forms.Form):
    text = forms.CharField(
        label=_("More information"),
        required=False,
        widget=textarea(PAGE_NOTE_MAX_CHARS, rows=4),
    )
    # The form's own id: a double tap records the note once.
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class PageReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong"),
        max_length=500,
        widget=textarea(500, rows=3),
    )


SURVEY_SCORES = [(str(n), str(n)) for n in range(5, 0, -1)]


class SurveyForm(forms.Form):
    """The customer's own callback survey: each factor 1–5 (optional), overall 1–5, a comment."""

    comment = forms.CharField(
        label=_("Anything else you want to tell us"),
        required=False,
        widget=textarea(2_000, rows=3),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "timeliness": _("How quickly we handled it"),
            "attitude": _("Our staff's attitude"),
            "solution": _("The solution"),
            "simplicity": _("How easy it was for you"),
            "overall": _("Overall, how satisfied are you?"),
        }
        for key, label in labels.items():
            self.fields[key] = forms.TypedChoiceField(
                label=label,
                choices=SURVEY_SCORES,
                coerce=int,
                required=key == "overall",
                empty_value=None,
                widget=forms.RadioSelect(attrs={"class": "score-choice"}),
            )
        self.order_fields([*labels, "comment"])

    @property
    def factor_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in ("timeliness", "attitude", "solution", "simplicity")]

    def scores(self) -> dict[str, int]:
        data = self.cleaned_data
        keys = ("timeliness", "attitude", "solution", "simplicity")
        return {key: data[key] for key in keys if data.get(key) is not None}

"""The special-customer form of the 360° page (R13.3)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.customers.choices import ContactChannel, SpecialType
from tousu.customers.services import SPECIAL_NOTE_MAX_CHARS


class SpecialForm(forms.Form):
    special_type = forms.ChoiceField(
        label=_("Special type"),
        choices=[("", _("None")), *SpecialType.choices],
        required=False,
    )
    special_note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=SPECIAL_NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactForm(forms.Form):
    """How the customer wants to be told (issue 17). The e-mail field starts empty, the masked
    address as its hint, and left empty keeps the address; only on the page that revealed the
    customer's data (a logged reveal) does it start with the address (`email_shown`), so that
    emptying it removes it."""

    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"),
        choices=[("", _("The channel the complaint came by")), *ContactChannel.choices],
        required=False,
    )
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    email_shown = forms.BooleanField(required=False, widget=forms.HiddenInput)
    contact_opt_out = forms.BooleanField(
        label=_("No messages"),
        required=False,
        help_text=_("The customer asked not to receive messages about their complaints."),
    )

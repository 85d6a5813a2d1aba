"""The special-customer form of the 360° page (R13.3)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.customers.choices import SpecialType
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

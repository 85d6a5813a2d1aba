"""Forms of the quality pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tousu.accounts.models import User
from tousu.complaints.choices import Channel
from tousu.quality.choices import CapaKind, CapaSource
from tousu.quality.models.capa import VERIFY_AFTER_DAYS_DEFAULT

# Corrective action


def day_input() -> forms.DateInput:
    # ISO: a date input reads no other format (the Chinese locale's would show it empty).
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _staff() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("department__code", "username"),
        label=_("Owner"),
    )


class CapaForm(forms.Form):
    """Opening a corrective action: the cluster's proposal, edited; the complaints chosen
    from the cluster's (`numbers` offered)."""

    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=CapaKind.choices)
    source = forms.ChoiceField(choices=CapaSource.choices, widget=forms.HiddenInput)
    source_ref = forms.CharField(required=False, widget=forms.HiddenInput)
    category = forms.CharField(required=False, widget=forms.HiddenInput)
    region = forms.CharField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", "—"), *Channel.choices]
    )
    clause = forms.CharField(required=False, widget=forms.HiddenInput)
    complaints = forms.MultipleChoiceField(
        label=_("Linked complaints"), required=False, widget=forms.CheckboxSelectMultiple
    )
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = _staff()
    due_on = forms.DateField(label=_("Due"), widget=day_input())
    verify_after_days = forms.IntegerField(
        label=_("Days to watch the effect"), initial=VERIFY_AFTER_DAYS_DEFAULT, min_value=7,
        max_value=180,
    )  # fmt: skip
    action_title = forms.CharField(label=_("First action"), max_length=200)
    action_owner = _staff()
    action_due_on = forms.DateField(label=_("Action due"), widget=day_input())

    def __init__(self, *args: object, numbers: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["complaints"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(n, n) for n in numbers or []]
        self.fields["action_owner"].label = _("Action owner")


class ActionForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("capa", "Action"), max_length=200)
    owner = _staff()
    due_on = forms.DateField(label=_("Due"), widget=day_input())

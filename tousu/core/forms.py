"""Form helpers that know no domain. Forms parse what people type into the arguments of a
service; the services validate the business rules, and `apply_domain_error` puts what they
refuse back on the form, next to the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms

from tousu.core import clock
from tousu.core.errors import DomainError, date_range_message
from tousu.core.templatetags.tousu_ui import local_name


def apply_domain_error(
    form: forms.Form, exc: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: field messages next to their field (`aliases`
    maps the service's field names to the form's), the rest above the form."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for name, messages in exc.fields.items():
        field = (aliases or {}).get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def textarea(max_chars: int, rows: int = 3, **attrs: str) -> forms.Textarea:
    """The browser stops at the service's limit; the service still checks it."""
    return forms.Textarea(attrs={"rows": str(rows), "maxlength": str(max_chars), **attrs})


def blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class DayField(forms.DateField):
    """A date typed on a page, within the days the system computes with
    (`clock.day_in_range`): 0001-01-01 or 9999-12-31 parse as dates but overflow the period
    arithmetic (the day after, a previous period, UTC); out of range, they are a form error."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not clock.day_in_range(value):
            raise forms.ValidationError(
                date_range_message(clock.earliest_day(), clock.LATEST_DAY), code="out_of_range"
            )


class LocalNameChoiceField(forms.ModelChoiceField):
    """Departments and regions by their name in the reader's language."""

    def label_from_instance(self, obj: Any) -> str:
        return local_name(obj)

"""Form helpers that know no domain. Forms parse what people type into the arguments of a
service; the services validate the business rules, and `apply_domain_error` puts what they
refuse back on the form, next to the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    """Django's `django/forms/widgets/attrs.html`: True as a bare name, False left out."""
    parts = [
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False and value is not None
    ]
    return mark_safe("".join(parts))  # noqa: S308 (each part built by format_html)


class FastSelect(forms.Select):
    """A select that writes its options in Python: the HTML of Django's `select.html` and
    `select_option.html`, without rendering a template include per option. A list page with
    filters over a hundred categories, departments and handlers spent a fifth of its time
    (about 15 ms) rendering option templates (issue 19)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"{}>', widget["name"], _attrs_html(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>',
                        option["value"],
                        _attrs_html(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                html.append(mark_safe("\n  </optgroup>"))
        html.append(mark_safe("\n</select>"))
        return mark_safe("".join(html))  # noqa: S308 (each piece built by format_html)


class FastInput(forms.widgets.Input):
    """An input written in Python: the HTML of Django's `input.html` (and `attrs.html`), for
    the text, date and checkbox inputs of the list page's forms, each a template render
    otherwise (issue 19)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
        if widget["value"] is not None:
            html += format_html(' value="{}"', widget["value"])
        return mark_safe(html + _attrs_html(widget["attrs"]) + ">")  # noqa: S308 (built above)


class FastTextInput(FastInput, forms.TextInput):
    pass


class FastDateInput(FastInput, forms.DateInput):
    pass


class FastCheckboxInput(FastInput, forms.CheckboxInput):
    pass


# Plain widgets and their Python-written twins (the same state: only `render` differs).
FAST_INPUTS: dict[type[forms.Widget], type[forms.Widget]] = {
    forms.TextInput: FastTextInput,
    forms.DateInput: FastDateInput,
    forms.CheckboxInput: FastCheckboxInput,
}


def fast_selects(form: forms.BaseForm) -> None:
    """Make the form's plain selects FastSelects, keeping their attributes and choices, and
    its plain text, date and checkbox inputs their FAST_INPUTS twins."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast
        elif type(widget) in FAST_INPUTS:
            # The form's own deep copy of the widget: the same attributes, format and check
            # test, another class.
            widget.__class__ = FAST_INPUTS[type(widget)]

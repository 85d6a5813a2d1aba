"""The widgets written in Python (`fast_selects`: FastSelect, FastInput) write what Django's
widget templates write."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django import forms

from tousu.core.forms import FAST_INPUTS, FastSelect, fast_selects


class Sample(forms.Form):
    q = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": '"词" <b>&'}),
    )
    name = forms.CharField(max_length=40)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(required=False)
    level = forms.ChoiceField(
        required=False, choices=[("", "全部"), ("major", "重大 <1>"), ("x", "x&y")]
    )
    handler = forms.ChoiceField(
        required=False,
        choices=[("", "Choose"), ("计费部", [("li", "李四"), ("wang", '王"五')])],
    )


def rendered(data: dict[str, Any] | None, *, fast: bool) -> dict[str, str]:
    form = Sample(data)
    if data is not None:
        form.is_valid()  # errors add aria-invalid
    if fast:
        fast_selects(form)
    return {name: str(form[name]) for name in form.fields}


def layout(html: str) -> str:
    """Without the line breaks and indents between tags (FastSelect writes its own)."""
    return re.sub(r">\s+<", "><", html)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": '<script>"x"</script>', "name": "", "day": "2026-12-06", "overdue": "on"},
        {"q": "宽带", "name": "a" * 41, "day": "not a day", "level": "major", "handler": "li"},
    ],
)
def test_fast_widgets_write_what_the_templates_wrote(data: dict[str, Any] | None) -> None:
    before, after = rendered(data, fast=False), rendered(data, fast=True)
    for name in ("q", "name", "day", "overdue"):
        assert after[name] == before[name], name
    for name in ("level", "handler"):
        assert layout(after[name]) == layout(before[name]), name


def test_fast_selects_swap_the_plain_widgets_only() -> None:
    form = Sample(initial={"day": dt.date(2026, 12, 6)})
    fast_selects(form)
    assert isinstance(form.fields["level"].widget, FastSelect)
    assert type(form.fields["q"].widget) is FAST_INPUTS[forms.TextInput]
    assert type(form.fields["day"].widget) is FAST_INPUTS[forms.DateInput]
    assert type(form.fields["overdue"].widget) is FAST_INPUTS[forms.CheckboxInput]
    # An initial date, in the active language's input format, as the template wrote it.
    assert str(form["day"]) == str(Sample(initial={"day": dt.date(2026, 12, 6)})["day"])
    assert "value=" in str(form["day"])
    # The class's own widgets are untouched: the next form renders through the templates.
    assert type(Sample().fields["q"].widget) is forms.TextInput

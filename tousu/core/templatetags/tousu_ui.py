"""Template tags without domain knowledge: personal-data masking, bilingual reference names and
durations. Load with `{% load tousu_ui %}`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.core.paginator import Page
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from tousu.core import actors, pii
from tousu.core.reasons import reason_text, reasons_text

register = template.Library()

# Masking filters: every template shows personal data through one of these unless the user
# revealed it, which is logged (D10).
register.filter("phone_masked", pii.mask_phone)
register.filter("name_masked", pii.mask_name)
register.filter("id_masked", pii.mask_id_number)
register.filter("address_masked", pii.mask_address)


@register.filter
def pii_text(value: Any, texts: Any = None) -> str:
    """Free text (a complaint's content, a note, a reason) as the page's reader may see it:
    `{{ complaint.content|pii_text:pii }}`, where `pii` is the page's TextMask (put there by
    `accounts.views.render_with_pii`, which logs what it revealed). Without one, masked: a page
    that forgot it hides too much, never too little. Apply it before anything that cuts the
    text (`truncatechars`), so that no half of a number escapes."""
    text = "" if value is None else str(value)
    if isinstance(texts, pii.TextMask):
        return texts.text(text)
    return pii.mask_text(text)


register.filter("reason", reason_text)
register.filter("reasons", reasons_text)


@register.filter
def listed(items: Any) -> str:
    """Names listed as the reader's language lists them: 甲、乙 in Chinese, "a, b" in English."""
    return pgettext("between listed names", ", ").join(str(i) for i in items or [])


@register.filter
def money(value: Any) -> str:
    """An amount of yuan as people write it, `1,915.90`: sums read from the database carry
    the column's full scale (`915.900000000000` on SQLite)."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def name_in_language(name: str, name_en: str) -> str:
    """A reference row's name read as two columns (a grouped query's), in the reader's
    language: the English one for an English reader when the row has it."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


@register.filter
def local_name(obj: Any) -> str:
    """A reference row's name in the reader's language: rows keep a Chinese `name` and an
    optional `name_en`."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", "")
    if english and (get_language() or "").startswith("en"):
        return str(english)
    return str(getattr(obj, "name", obj))


def duration(delta: dt.timedelta) -> str:
    """A span as people read a countdown: days and hours, or hours and minutes, or minutes."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)dh %(minutes)dm") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)dm") % {"minutes": minutes}


register.filter("duration", duration)


@register.simple_tag
def page_range(page: Page[Any]) -> list[int | str]:
    """Page numbers around the current page, with … for the rest (1 … 4 5 6 7 8 … 20)."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


@register.simple_tag
def complaint_ref(number: str, visible: Any) -> str:
    """A complaint's number, a link to its page when the reader may open it (`number in
    visible`, the view's `complaints.selectors.numbers_visible`), else the number alone with
    why: a link to a page that answers 404 is a dead end."""
    if number in visible:
        return format_html('<a href="{}">{}</a>', reverse("desk:detail", args=[number]), number)
    return format_html(
        '<span class="muted" title="{}">{}</span>', _("Outside your data scope"), number
    )


@register.filter
def actor_label(event: Any) -> str:
    """Who acted in an event (a complaint's, an inspection's): by name, or the job's name in
    the reader's language."""
    actor = event.actor if getattr(event, "actor_id", None) is not None else None
    return actors.actor_display(actor, event.actor_name)

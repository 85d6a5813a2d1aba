"""The work queue's time column (see desk/work.py)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tousu.core import clock
from tousu.core.templatetags.tousu_ui import duration
from tousu.desk.templatetags.complaint_tags import due
from tousu.desk.work import WorkItem

register = template.Library()

# Under this much time left, a deadline that is not the complaint's reply limit is amber.
SOON = dt.timedelta(hours=4)


@register.simple_tag(takes_context=True)
def work_due(context: Context, item: WorkItem) -> SafeString:
    """The countdown to the item's own deadline: the complaint's reply limit with its
    policy's colours, or the first response, approval or callback time."""
    if item.due_at is None:
        return format_html('<span class="muted">{}</span>', "—")
    c = item.complaint
    if (
        item.repair is None
        and item.inspection is None
        and c is not None
        and item.due_at == c.resolution_due
        and c.is_open
    ):
        return due(context, c)
    left = item.due_at - clock.now()
    if left < dt.timedelta(0):
        state, text = "over", _("Overdue %(time)s") % {"time": duration(-left)}
    else:
        state = "warn" if left < SOON else "ok"
        text = _("%(time)s left") % {"time": duration(left)}
    return format_html('<span class="due-{}">{}</span>', state, text)

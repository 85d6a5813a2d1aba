from django import template

from tousu.accounts import permissions
from tousu.accounts.models import User

register = template.Library()


@register.filter
def may_view_dashboard(user: User) -> bool:
    return permissions.can_view_dashboard(user)


@register.filter
def pct(value: float | None) -> str:
    """A rate as a percentage; "—" for no data (None is not 0 %)."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def signed_pct(value: float | None) -> str:
    """A relative change with its sign; "—" when there is nothing to compare with."""
    return "—" if value is None else f"{value * 100:+.1f}%"


@register.filter
def figure(value: float | int | None) -> str:
    """A number as the cards show it; "—" for no data."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"

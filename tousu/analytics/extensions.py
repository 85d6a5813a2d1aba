"""Where the apps above analytics plug into its pages and reports (ARCHITECTURE layers:
analytics may not import them). An app registers in its AppConfig.ready():

- a dashboard panel: a template and a function (user, first day, last day) → its context, or
  None to show nothing (the user may not see it); the dashboard includes each after its own;
- a section of the quarterly report: a function (quarter) → a `report_text.Section`, added
  after the report's own sections;
- a section of the management-review pack (R12.3): an order and a function (first day, last
  day) → a `report_text.Section` or None; the pack lists every section by its order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tousu.accounts.models import User
    from tousu.analytics.report import Quarter
    from tousu.analytics.report_text import Section


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    context: Callable[[User, dt.date, dt.date], dict[str, Any] | None]


@dataclass(frozen=True)
class ShownPanel:
    template: str
    context: dict[str, Any]


_PANELS: list[DashboardPanel] = []
_SECTIONS: list[Callable[[Quarter], Section | None]] = []
ReviewSection = Callable[[dt.date, dt.date], "Section | None"]
_REVIEW: list[tuple[int, ReviewSection]] = []


def dashboard_panel_register(panel: DashboardPanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def report_section_register(section: Callable[[Quarter], Section | None]) -> None:
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def dashboard_panels(user: User, first: dt.date, last: dt.date) -> list[ShownPanel]:
    shown = []
    for panel in _PANELS:
        context = panel.context(user, first, last)
        if context is not None:
            shown.append(ShownPanel(panel.template, context))
    return shown


def report_sections(quarter: Quarter) -> list[Section]:
    return [s for section in _SECTIONS if (s := section(quarter)) is not None]


def review_section_register(order: int, section: ReviewSection) -> None:
    """Add a section to the management-review pack; `order` places it among the others."""
    if (order, section) not in _REVIEW:
        _REVIEW.append((order, section))


def review_sections(first: dt.date, last: dt.date) -> list[Section]:
    ordered = sorted(_REVIEW, key=lambda entry: entry[0])
    return [s for _order, section in ordered if (s := section(first, last)) is not None]

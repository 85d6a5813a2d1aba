"""Where the apps above analytics plug into its pages and reports (ARCHITECTURE layers:
analytics may not import them). An app registers in its AppConfig.ready():

- a dashboard panel: a template and a function (user, first day, last day) → its context, or
  None to show nothing (the user may not see it); the dashboard includes each after its own;
- a section of the quarterly report: a function (quarter) → a `report_text.Section`, added
  after the report's own sections.
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

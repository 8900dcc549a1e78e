"""Executive dashboards: sales, customers, service and marketing, each a set of KPI tiles and charts.

One function per dashboard builds a plain, JSON-ready ``Dashboard`` for a user and a period; the page,
its HTMX refresh and ``GET /api/v1/analytics/dashboards/<name>`` all serve that same object. Live figures
(deals, interactions, consent, leads, profiles) are read from the operational database through the
selectors; analytic ones (orders, cohorts) from the warehouse. Figures cover what the user's role adds
up (``core.policies.figures_q``): the whole base for analysts and administrators, the team's records for
a manager, a rep's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from rapport.common.errors import ValidationFailed
from rapport.common.months import add_months

# key -> label; "12m" is the default: a year of months ending with this one.
PERIODS = {"month": _("This month"), "quarter": _("This quarter"), "year": _("This year"), "12m": _("Last 12 months")}
DEFAULT_PERIOD = "12m"


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date  # first day
    end: dt.date  # the day after the last
    today: dt.date

    @classmethod
    def of(cls, key: str | None, *, today: dt.date) -> Period:
        key = key or DEFAULT_PERIOD
        if key not in PERIODS:
            raise ValidationFailed.for_field("period", f"Choose one of {', '.join(PERIODS)}.")
        # The period's first and last month, counted from this one.
        first = {"month": 0, "quarter": -((today.month - 1) % 3), "year": 1 - today.month, "12m": -11}[key]
        last = {"month": 0, "quarter": first + 2, "year": first + 11, "12m": 0}[key]
        return cls(key, add_months(today, first), add_months(today, last + 1), today)

    @property
    def label(self) -> str:
        return str(PERIODS[self.key])

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def months(self) -> list[dt.date]:
        months = [self.start]
        while (following := add_months(months[-1], 1)) < self.end:
            months.append(following)
        return months


@dataclass
class Tile:
    key: str
    label: str
    value: float | None  # None: no figure yet (shown as a dash, never as 0)
    unit: str = ""  # "money", "percent" or "" for a count
    hint: str = ""


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar, hbar, line, pie, heatmap
    categories: list[str]
    series: list[dict[str, Any]]  # {"name": str, "data": [...], "kind": optional override, "stack": optional}
    unit: str = ""
    note: str = ""
    rows: list[str] = field(default_factory=list)  # heatmap only: the y axis


@dataclass
class Dashboard:
    name: str
    title: str
    period: Period
    currency: str
    whole_base: bool
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    # What the data cannot show yet, said plainly (the apps that will bring it are not built).
    pending: list[str] = field(default_factory=list)
    # None when the dashboard needs no warehouse; "" when it needs one and none is built yet.
    warehouse_version: str | None = None

    @property
    def awaiting_warehouse(self) -> bool:
        return self.warehouse_version == ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {
            "key": self.period.key,
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.last.isoformat(),
        }
        return data

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

# key -> label; "12m" is the default: a year of months ending with this one.
PERIODS = {"month": _("This month"), "quarter": _("This quarter"), "year": _("This year"), "12m": _("Last 12 months")}
DEFAULT_PERIOD = "12m"


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


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
        this = _month_index(today)
        first = {"month": this, "quarter": this - (today.month - 1) % 3, "year": this - today.month + 1, "12m": this - 11}[key]
        last = {"month": this, "quarter": first + 2, "year": first + 11, "12m": this}[key]
        return cls(key, _month(first), _month(last + 1), today)

    @property
    def label(self) -> str:
        return str(PERIODS[self.key])

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def months(self) -> list[dt.date]:
        return [_month(i) for i in range(_month_index(self.start), _month_index(self.end))]


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

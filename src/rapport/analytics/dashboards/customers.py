"""The customers dashboard: who buys (active, new and lost by month, cohort retention) from the warehouse;
what analytics wrote on them (RFM segment mix, CLV distribution, VIPs, churn-risk bands) live from the
customer profiles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa
from django.utils.translation import gettext as _

from rapport.analytics.churn.model import DEFAULT_WINDOW_DAYS
from rapport.analytics.cohorts import cohort_retention, month_index, retention_matrix
from rapport.analytics.dashboards import Chart, Dashboard, Period, Tile
from rapport.analytics.engine import Warehouse, WarehouseMissing, open_warehouse
from rapport.analytics.rfm import SEGMENTS
from rapport.core import policies
from rapport.core.models import User
from rapport.customers.models import ChurnBand
from rapport.customers.profiles import customer_profile_figures
from rapport.customers.selectors import account_figures_for_user
from rapport.sales.forecast import Converter

COHORTS_SHOWN = 6
COHORT_MONTHS = 7  # month 0 and the six after
# Upper bounds of the CLV bars, in the base currency; the last bar is everything above.
CLV_BOUNDS = (100, 500, 1_000, 5_000, 10_000, 50_000)


def _lines(warehouse: Warehouse, user: User) -> ibis.Table:
    """The order lines of the accounts whose figures the user adds up."""
    lines = warehouse.table("fact_order_line")
    if policies.figures_q(user) is None:
        return lines
    ids = list(account_figures_for_user(user=user).order_by().values_list("pk", flat=True))
    return lines.semi_join(ibis.memtable(pa.table({"account_id": pa.array(ids, pa.int64())})), "account_id")


def _month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _orders(warehouse: Warehouse, lines: ibis.Table, period: Period) -> dict[str, Any]:
    """Active customers in the period; per month, customers won (first order) and lost (no order for the churn window)."""
    lines = lines.filter(lines.day <= period.today, lines.account_id.notnull())
    per_account = lines.group_by("account_id").agg(first=lines.day.min(), last=lines.day.max())
    active = lines.filter((lines.day >= period.start) & (lines.day < period.end)).account_id.nunique()
    new = per_account.filter((per_account.first >= period.start) & (per_account.first < period.end))
    new_by_month = new.group_by(month=month_index(new.first)).agg(n=new.count())
    # Lost on the day their quiet spell reached the churn window, if that day has come.
    lost_on = per_account.mutate(on=per_account["last"] + ibis.interval(days=DEFAULT_WINDOW_DAYS))
    lost = lost_on.filter((lost_on.on >= period.start) & (lost_on.on < period.end) & (lost_on.on <= period.today))
    lost_by_month = lost.group_by(month=month_index(lost.on)).agg(n=lost.count())
    return {
        "active": int(warehouse.execute(active) or 0),
        "new": {_month_key(int(r["month"])): int(r["n"]) for r in warehouse.rows(new_by_month)},
        "lost": {_month_key(int(r["month"])): int(r["n"]) for r in warehouse.rows(lost_by_month)},
    }


def _cohorts(warehouse: Warehouse, lines: ibis.Table, period: Period) -> tuple[list[str], list[list[float]]]:
    rows = warehouse.rows(cohort_retention(lines, as_of=period.today))
    recent = sorted({r["cohort_month"] for r in rows})[-COHORTS_SHOWN:]
    _width, matrix = retention_matrix([r for r in rows if r["cohort_month"] in recent and int(r["months_since"]) < COHORT_MONTHS])
    names: list[str] = []
    cells: list[list[float]] = []
    for y, cohort in enumerate(matrix):
        month, values = cohort["cohort_month"], cohort["cells"]
        assert isinstance(month, dt.date) and isinstance(values, list)
        names.append(month.strftime("%Y-%m"))
        cells += [[x, y, round(v * 100, 1)] for x, v in enumerate(values) if v is not None]
    return names, cells


def _clv_labels() -> list[str]:
    labels, low = [], 0
    for high in CLV_BOUNDS:
        labels.append(f"{low:,}–{high:,}")
        low = high
    return [*labels, f"≥ {low:,}"]


def customers_dashboard(*, user: User, period: Period) -> Dashboard:
    board = Dashboard("customers", str(_("Customers")), period, Converter().base, whole_base=policies.figures_q(user) is None)
    figures = customer_profile_figures(user=user, clv_bounds=CLV_BOUNDS)
    try:
        warehouse: Warehouse | None = open_warehouse()
    except WarehouseMissing:
        warehouse = None
    if warehouse is None or "fact_order_line" not in warehouse.manifest["tables"]:
        board.warehouse_version = ""
        orders = None
    else:
        board.warehouse_version = warehouse.version
        lines = _lines(warehouse, user)
        orders = _orders(warehouse, lines, period)
        cohort_rows, cohort_cells = _cohorts(warehouse, lines, period)
    new_total = sum(orders["new"].values()) if orders else None
    lost_total = sum(orders["lost"].values()) if orders else None
    scored = figures["scored"]
    bands = figures["bands"]
    board.tiles = [
        Tile("active", _("Active customers"), orders["active"] if orders else None, "", _("Ordered in the period")),
        Tile("new", _("New customers"), new_total, "", _("First order in the period")),
        Tile(
            "lost",
            _("Lost customers"),
            lost_total,
            "",
            _("No order for %(days)d days, reached in the period") % {"days": DEFAULT_WINDOW_DAYS},
        ),
        Tile("vip", _("VIP customers"), figures["vip"] if scored else None, "", _("Top 10% by value")),
        Tile(
            "high_risk",
            _("At high churn risk"),
            bands.get(ChurnBand.HIGH.value) if figures["banded"] else None,
            "",
            _("From the last churn model run"),
        ),
        Tile("scored", _("Customers scored"), scored if scored else None, "", _("With RFM scores from the last warehouse build")),
    ]
    if not scored and not orders:
        return board
    months = period.months()
    keys = [f"{m:%Y-%m}" for m in months]
    segment_counts = figures["segments"]
    present = [s for s in SEGMENTS if segment_counts.get(s.key)]
    board.charts = []
    if orders:
        board.charts.append(
            Chart(
                "new_vs_lost",
                _("New and lost customers by month"),
                "bar",
                keys,
                [
                    {"name": _("New"), "stack": "flow", "data": [orders["new"].get(k, 0) for k in keys]},
                    {"name": _("Lost"), "stack": "flow", "data": [-orders["lost"].get(k, 0) for k in keys]},
                ],
                note=_("Lost: the day a customer's quiet spell reached %(days)d days.") % {"days": DEFAULT_WINDOW_DAYS},
            )
        )
    board.charts += [
        Chart(
            "rfm_mix",
            _("RFM segment mix"),
            "pie",
            [str(s.label) for s in present],
            [{"name": _("Customers"), "data": [segment_counts[s.key] for s in present]}],
        ),
        Chart(
            "clv",
            _("Customer lifetime value"),
            "bar",
            _clv_labels(),
            [{"name": _("Customers"), "data": figures["clv"]}],
            note=_("Customers per CLV band, in the base currency."),
        ),
        Chart(
            "churn_bands",
            _("Churn-risk bands"),
            "bar",
            [str(b.label) for b in ChurnBand],
            [{"name": _("Customers"), "data": [bands.get(b.value, 0) for b in ChurnBand]}],
        ),
    ]
    if orders:
        board.charts.append(
            Chart(
                "cohorts",
                _("Cohort retention"),
                "heatmap",
                [str(i) for i in range(COHORT_MONTHS)],
                [{"name": _("Retention (%)"), "data": cohort_cells}],
                "percent",
                _("Share of each month's new customers who bought again N months later."),
                rows=cohort_rows,
            )
        )
    return board

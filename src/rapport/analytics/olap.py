"""OLAP: measures of the order-line fact over its dimensions, pivoted rows × columns, with drill-down.

One query builder serves the explorer page, its CSV/XLSX export and ``GET /api/v1/analytics/olap``:
``olap_query(warehouse, OlapRequest.parse(params))`` validates the measures, dimensions and filters
(422 naming the bad one), runs the aggregates through Ibis on the warehouse and returns a bounded
pivot: the ``ROW_LIMIT`` rows and ``COLUMN_LIMIT`` columns with the most of the first measure, the rest
folded into one "Others" row or column whose figures are computed, not summed (a customer who bought
in two folded periods counts once).

Measures are computed in two steps so that every one is exact in any cell, total or "Others": first
per cell and account (revenue, refunds, distinct orders, the account's CLV), then per cell (sums, the
number of accounts, the mean CLV). ARPU is the cell's revenue ÷ its customers.

Dimensions come in hierarchies; drilling into a value filters on it and moves the axis one level down
(year → quarter → month, region → country → city, category → product, team → owner).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.analytics.engine import Warehouse
from rapport.common.errors import ValidationFailed

# Ibis and Arrow take seconds to import and only a query needs them: imported in the functions that run one.
if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

ROW_LIMIT = 20
COLUMN_LIMIT = 12
NONE_KEY = "-"
OTHERS_KEY = "~others"
CUSTOMERS_LIMIT = 100
# A cell's accounts are ranked in the engine and only this many are checked against the viewer's visibility.
CUSTOMERS_SCANNED = 2_000


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    help: str | Promise = ""


MEASURES = {
    m.key: m
    for m in (
        Measure("revenue", _("Revenue"), _("Order lines net of discounts and tax, in the base currency.")),
        Measure("orders", _("Orders")),
        Measure("customers", _("Customers"), _("Accounts with at least one order.")),
        Measure(
            "net_revenue",
            _("Revenue net of returns"),
            _("Products carry no cost price, so there is no margin: this is revenue less the refunds on returned lines."),
        ),
        Measure("arpu", _("ARPU"), _("Revenue per customer in the cell.")),
        Measure("clv", _("CLV (mean)"), _("Mean lifetime value of the cell's customers, from the last CLV run.")),
    )
}


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str | Promise
    hierarchy: str
    chronological: bool = False


DIMENSIONS = {
    d.key: d
    for d in (
        Dimension("year", _("Year"), "time", chronological=True),
        Dimension("quarter", _("Quarter"), "time", chronological=True),
        Dimension("month", _("Month"), "time", chronological=True),
        Dimension("region", _("Region"), "geography"),
        Dimension("country", _("Country"), "geography"),
        Dimension("city", _("City"), "geography"),
        Dimension("category", _("Product category"), "product"),
        Dimension("product", _("Product"), "product"),
        Dimension("segment", _("RFM segment"), "segment"),
        Dimension("channel", _("Channel"), "channel"),
        Dimension("team", _("Team"), "owner"),
        Dimension("owner", _("Owner"), "owner"),
    )
}
HIERARCHIES: dict[str, list[str]] = {}
for _dimension in DIMENSIONS.values():
    HIERARCHIES.setdefault(_dimension.hierarchy, []).append(_dimension.key)


def drill_level(dimension: str) -> str | None:
    """The next level down the dimension's hierarchy, or None at the bottom."""
    levels = HIERARCHIES[DIMENSIONS[dimension].hierarchy]
    index = levels.index(dimension)
    return levels[index + 1] if index + 1 < len(levels) else None


def _names(raw: str | Sequence[str] | None) -> list[str]:
    values = [raw] if isinstance(raw, str) else list(raw or [])
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@dataclass(frozen=True)
class OlapRequest:
    measures: tuple[str, ...]
    rows: str
    cols: str | None = None
    filters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(
        cls,
        *,
        measures: str | Sequence[str] | None,
        rows: str | Sequence[str] | None,
        cols: str | Sequence[str] | None = None,
        filters: str | Sequence[str] | None = None,
        clv_available: bool = True,
    ) -> OlapRequest:
        """Validate what an analyst asked for; every mistake is a ValidationFailed naming the parameter."""
        errors: dict[str, list[str]] = {}
        picked = _names(measures) or ["revenue"]
        for name in picked:
            if name not in MEASURES:
                errors.setdefault("measures", []).append(f"Unknown measure '{name}'; choose from {', '.join(MEASURES)}.")
            elif name == "clv" and not clv_available:
                errors.setdefault("measures", []).append("No CLV yet: run the CLV model first.")
        axes: dict[str, str | None] = {}
        for param, raw in (("rows", rows), ("cols", cols)):
            names = _names(raw)
            if len(names) > 1:
                errors.setdefault(param, []).append("Pick one dimension for this axis.")
            for name in names:
                if name not in DIMENSIONS:
                    errors.setdefault(param, []).append(f"Unknown dimension '{name}'; choose from {', '.join(DIMENSIONS)}.")
            axes[param] = names[0] if names else None
        if axes["rows"] is None and "rows" not in errors:
            axes["rows"] = "year"
        if axes["cols"] and axes["cols"] == axes["rows"]:
            errors.setdefault("cols", []).append("Rows and columns need different dimensions.")
        pairs: list[tuple[str, str]] = []
        for item in [raw] if isinstance(raw := filters, str) else list(filters or []):
            for part in item.split(","):
                if not part.strip():
                    continue
                name, sep, value = part.partition(":")
                if not sep or name.strip() not in DIMENSIONS:
                    errors.setdefault("filters", []).append(f"'{part}' is not dimension:value with a known dimension.")
                else:
                    pairs.append((name.strip(), value.strip()))
        if errors:
            raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), field_errors=errors)
        return cls(measures=tuple(dict.fromkeys(picked)), rows=str(axes["rows"]), cols=axes["cols"], filters=tuple(pairs))

    def dimensions_used(self) -> set[str]:
        return {self.rows, *([self.cols] if self.cols else []), *(name for name, _value in self.filters)}

    def drilled(self, dimension: str, value: str) -> OlapRequest | None:
        """The request one level down from ``value`` of the axis showing ``dimension``, or None at the bottom."""
        lower = drill_level(dimension)
        if lower is None or value == OTHERS_KEY:
            return None
        filters = (*self.filters, (dimension, value))
        if dimension == self.rows:
            return OlapRequest(self.measures, lower, self.cols if self.cols != lower else None, filters)
        return OlapRequest(self.measures, self.rows if self.rows != lower else dimension, lower, filters)

    def params(self) -> dict[str, str]:
        """The query-string parameters that ask for this request again."""
        params = {"measures": ",".join(self.measures), "rows": self.rows}
        if self.cols:
            params["cols"] = self.cols
        if self.filters:
            params["filters"] = ",".join(f"{name}:{value}" for name, value in self.filters)
        return params


@dataclass
class Axis:
    dimension: str | None
    keys: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class OlapResult:
    request: OlapRequest
    rows: Axis
    cols: Axis
    cells: dict[tuple[str, str], dict[str, float | None]]
    row_totals: dict[str, dict[str, float | None]]
    col_totals: dict[str, dict[str, float | None]]
    total: dict[str, float | None]


def _key(value: ibis.Value) -> ibis.StringValue:
    return value.cast("string").fill_null(NONE_KEY)


def _dimension_value(table: ibis.Table, name: str) -> ibis.StringValue:
    day = table.day
    if name == "year":
        return _key(day.year())
    if name == "quarter":
        return _key(day.year().cast("string") + "-Q" + day.quarter().cast("string"))
    if name == "month":
        return _key(day.strftime("%Y-%m"))
    column = {"product": "product_id", "team": "team_id", "owner": "owner_id"}.get(name, name)
    return _key(table[column])


def olap_base(
    warehouse: Warehouse, request: OlapRequest, *, as_of: date, clv: pa.Table | None = None, accounts: pa.Table | None = None
) -> ibis.Table:
    """The order lines joined with what the request needs, filtered, with one string column per dimension used.

    ``accounts`` (one ``account_id`` column), when given, keeps only those accounts' lines.
    """
    import ibis
    import pyarrow as pa

    from rapport.analytics.rfm import rfm_scores

    lines = warehouse.table("fact_order_line")
    lines = lines.filter(lines.day <= as_of)
    if accounts is not None:
        lines = lines.semi_join(ibis.memtable(accounts), "account_id")
    used = request.dimensions_used()
    hierarchies = {DIMENSIONS[name].hierarchy for name in used}
    if "geography" in hierarchies:
        accounts = warehouse.table("dim_account").select("account_id", "region", "country", "city")
        lines = lines.left_join(accounts, "account_id").drop("account_id_right")
    if "product" in hierarchies:
        products = warehouse.table("dim_product").select("product_id", "category")
        lines = lines.left_join(products, "product_id").drop("product_id_right")
    if "segment" in used:
        scores = rfm_scores(warehouse.table("fact_order_line"), as_of=as_of).select("account_id", "segment")
        lines = lines.left_join(scores, "account_id").drop("account_id_right")
    if "net_revenue" in request.measures:
        if "fact_return" in warehouse.manifest["tables"]:
            returns = warehouse.table("fact_return")
            refunds = returns.group_by("order_line_id").agg(refund=returns.amount_base.sum())
            lines = lines.left_join(refunds, "order_line_id").drop("order_line_id_right")
            lines = lines.mutate(refund=lines.refund.fill_null(0))
        else:
            lines = lines.mutate(refund=ibis.literal(0).cast(lines.amount_base.type()))
    if "clv" in request.measures:
        clv_table = ibis.memtable(
            clv if clv is not None else pa.table({"account_id": pa.array([], pa.int64()), "clv": pa.array([], pa.float64())})
        )
        lines = lines.left_join(clv_table, "account_id").drop("account_id_right")
    lines = lines.mutate(**{f"d_{name}": _dimension_value(lines, name) for name in used})
    for name, value in request.filters:
        lines = lines.filter(lines[f"d_{name}"] == value)
    return lines


def _aggregate(table: ibis.Table, keys: list[str], measures: Sequence[str]) -> ibis.Table:
    """Per cell of ``keys``: first per account, then per cell (see the module's docstring)."""
    per_account: dict[str, Any] = {"revenue": table.amount_base.sum()}
    if "orders" in measures:
        per_account["orders"] = table.order_id.nunique()
    if "net_revenue" in measures:
        per_account["net_revenue"] = (table.amount_base.fill_null(0) - table.refund).sum()
    if "clv" in measures:
        per_account["clv"] = table.clv.max()
    accounts = table.filter(table.account_id.notnull()).group_by([*keys, "account_id"]).agg(**per_account)
    per_cell: dict[str, Any] = {"revenue": accounts.revenue.sum(), "customers": accounts.count()}
    if "orders" in measures:
        per_cell["orders"] = accounts.orders.sum()
    if "net_revenue" in measures:
        per_cell["net_revenue"] = accounts.net_revenue.sum()
    if "clv" in measures:
        per_cell["clv"] = accounts.clv.mean()
    return accounts.group_by(keys).agg(**per_cell) if keys else accounts.agg(**per_cell)


def _figures(row: Mapping[str, Any], measures: Sequence[str]) -> dict[str, float | None]:
    def number(value: Any) -> float | None:
        return None if value is None else round(float(value), 2)

    figures: dict[str, float | None] = {}
    for measure in measures:
        if measure == "arpu":
            revenue, customers = row.get("revenue"), row.get("customers")
            figures["arpu"] = round(float(revenue) / customers, 2) if revenue is not None and customers else None
        elif measure in ("orders", "customers"):
            figures[measure] = int(row[measure] or 0)
        else:
            figures[measure] = number(row.get(measure))
    return figures


def _sort_measure(request: OlapRequest) -> str:
    first = request.measures[0]
    return "revenue" if first == "arpu" else first


def _top_keys(warehouse: Warehouse, base: ibis.Table, dimension: str, request: OlapRequest, limit: int) -> tuple[list[str], bool]:
    """The axis's keys with the most of the sort measure (ties by key), and whether others were left out."""
    import ibis

    column = f"d_{dimension}"
    totals = _aggregate(base, [column], request.measures)
    measure = _sort_measure(request)
    ranked = totals.order_by([ibis.desc(totals[measure]), column]).limit(limit + 1)
    keys = [row[column] for row in warehouse.rows(ranked.select(column))]
    return keys[:limit], len(keys) > limit


def olap_query(
    warehouse: Warehouse,
    request: OlapRequest,
    *,
    as_of: date,
    clv: pa.Table | None = None,
    accounts: pa.Table | None = None,
    row_limit: int = ROW_LIMIT,
    column_limit: int = COLUMN_LIMIT,
) -> OlapResult:
    """The bounded pivot the request asks for, over ``accounts`` only if given (labels are the keys; ``olap_label`` names them)."""
    base = olap_base(warehouse, request, as_of=as_of, clv=clv, accounts=accounts)
    measures = request.measures
    axes: list[tuple[str, str]] = [("r", request.rows)] + ([("c", request.cols)] if request.cols else [])
    for alias, dimension in axes:
        keys, more = _top_keys(warehouse, base, dimension, request, row_limit if alias == "r" else column_limit)
        column = base[f"d_{dimension}"]
        base = base.mutate(**{alias: column.isin(keys).ifelse(column, OTHERS_KEY) if more else column})
    names = [alias for alias, _dimension in axes]

    def run(keys: list[str]) -> list[dict[str, Any]]:
        return warehouse.rows(_aggregate(base, keys, measures))

    cells: dict[tuple[str, str], dict[str, float | None]] = {}
    row_totals = {row["r"]: _figures(row, measures) for row in run(["r"])}
    col_totals: dict[str, dict[str, float | None]] = {}
    if "c" in names:
        col_totals = {row["c"]: _figures(row, measures) for row in run(["c"])}
        cells = {(row["r"], row["c"]): _figures(row, measures) for row in run(["r", "c"])}
    totals = run([])
    total = _figures(totals[0], measures) if totals else dict.fromkeys(measures)
    return OlapResult(
        request=request,
        rows=Axis(request.rows, _ordered(request.rows, row_totals, measures)),
        cols=Axis(request.cols, _ordered(request.cols, col_totals, measures) if request.cols else []),
        cells=cells,
        row_totals=row_totals,
        col_totals=col_totals,
        total=total,
    )


def _ordered(dimension: str, totals: dict[str, dict[str, float | None]], measures: Sequence[str]) -> list[str]:
    """Time in calendar order, anything else by the first measure (descending); "Others" always last."""
    keys = [k for k in totals if k != OTHERS_KEY]
    if DIMENSIONS[dimension].chronological:
        keys.sort()
    else:
        measure = measures[0]
        keys.sort(key=lambda k: (-(totals[k].get(measure) or 0), k))
    return keys + ([OTHERS_KEY] if OTHERS_KEY in totals else [])


def olap_empty(request: OlapRequest) -> OlapResult:
    """The pivot of a request when there is nothing to read (no warehouse, or no orders in it yet)."""
    return OlapResult(request, Axis(request.rows), Axis(request.cols), {}, {}, {}, dict.fromkeys(request.measures))


def cell_accounts(warehouse: Warehouse, request: OlapRequest, *, as_of: date, limit: int = CUSTOMERS_SCANNED) -> list[tuple[int, Decimal]]:
    """The accounts behind the request's filters (a cell once drilled), best revenue first, with their revenue.

    Only ids and figures: the caller turns them into names through the viewer's visibility rules.
    """
    import ibis

    base = olap_base(warehouse, OlapRequest(("revenue",), request.rows, None, request.filters), as_of=as_of)
    accounts = base.filter(base.account_id.notnull()).group_by("account_id").agg(revenue=base.amount_base.sum())
    ranked = accounts.order_by([ibis.desc(accounts.revenue), "account_id"]).limit(limit)
    return [(int(row["account_id"]), Decimal(str(row["revenue"] or 0))) for row in warehouse.rows(ranked)]

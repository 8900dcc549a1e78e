"""Analytics over REST: the OLAP pivot (the explorer's query builder), credit behaviour (the credit page's list)
and the executive dashboards (the same builders as their pages)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from rapport.analytics.credit import credit_breakdown
from rapport.analytics.credit_list import PAGE_ROWS, CreditFilter, credit_page_for_user
from rapport.analytics.crosssell import cross_sell_for_account
from rapport.analytics.dashboards.registry import BOARDS, dashboard_for_user
from rapport.analytics.olap_views import olap_run
from rapport.common.ninja import Id
from rapport.common.pagination import MAX_PAGE_SIZE
from rapport.core.selectors import actor_of, base_currency
from rapport.customers.profiles import CREDIT_FIELDS, customer_profile_for_account
from rapport.customers.selectors import account_get_for_user

router = Router(tags=["analytics"])


class OlapParams(Schema):
    measures: str | None = Field(None, description="Comma-separated: revenue, orders, customers, net_revenue, arpu, clv (default revenue)")
    rows: str | None = Field(
        None, description="One dimension: year, quarter, month, region, country, city, category, product, segment, channel, team, owner"
    )
    cols: str | None = Field(None, description="Optional second dimension, across")
    filters: str | None = Field(None, description="Comma-separated dimension:value pairs, e.g. year:2025,region:North")


class KeyOut(Schema):
    key: str
    label: str


class AxisOut(Schema):
    dimension: str | None
    keys: list[KeyOut]


class CellOut(Schema):
    row: str
    col: str | None
    values: dict[str, float | None]


class OlapOut(Schema):
    warehouse_version: str | None = Field(description="The warehouse read; null before the first build (then the pivot is empty)")
    measures: list[str]
    rows: AxisOut
    cols: AxisOut
    filters: dict[str, str]
    cells: list[CellOut]
    total: dict[str, float | None]


@router.get(
    "/analytics/olap",
    response=OlapOut,
    summary="Pivot measures over dimensions (top rows and columns; the rest as '~others')",
    description="Aggregates over the whole base for analysts, managers, marketers and administrators; "
    "over the accounts they may see for everyone else. "
    "Cells with `col` null are row totals; a key '-' is an unset value. An unknown measure or dimension is a 422 naming it.",
)
def olap_pivot(request: HttpRequest, params: Query[OlapParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    result, warehouse = olap_run(user=actor_of(request), params=params.model_dump())
    found: list[tuple[str, str | None, dict[str, float | None]]] = [(r, c, v) for (r, c), v in result.cells.items()]
    found += [(r, None, v) for r, v in result.row_totals.items()]
    found.sort(key=lambda cell: (result.rows.keys.index(cell[0]), -1 if cell[1] is None else result.cols.keys.index(cell[1])))
    cells = [{"row": r, "col": c, "values": v} for r, c, v in found]
    return {
        "warehouse_version": warehouse.version if warehouse else None,
        "measures": list(result.request.measures),
        "rows": {"dimension": result.rows.dimension, "keys": [{"key": k, "label": result.rows.labels[k]} for k in result.rows.keys]},
        "cols": {"dimension": result.cols.dimension, "keys": [{"key": k, "label": result.cols.labels[k]} for k in result.cols.keys]},
        "filters": dict(result.request.filters),
        "cells": cells,
        "total": result.total,
    }


class CreditParams(Schema):
    grade: str | None = Field(None, max_length=20, description="Comma-separated grades A-E")
    overdue: str | None = Field(None, max_length=5, description="true: only accounts with an overdue amount")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(PAGE_ROWS, ge=1, le=MAX_PAGE_SIZE)


class CreditOut(Schema):
    account_id: int
    account_name: str = Field(validation_alias="account.name")
    measured_on: date | None = Field(validation_alias="credit_scored_on")
    score: int | None = Field(validation_alias="credit_score", description="0 (worst) to 100 (best); null before any invoice came due")
    grade: str = Field(validation_alias="credit_grade", description="A (pays on time) to E (high credit risk); empty when not rated")
    invoiced_since: date | None = Field(validation_alias="credit_since")
    invoices_due: int | None
    late_share: float | None
    days_to_pay_median: Decimal | None
    days_to_pay_p90: Decimal | None
    payment_delay_avg: Decimal | None
    payment_delay_max: int | None
    outstanding: Decimal | None = Field(validation_alias="outstanding_base", description="In the base currency")
    overdue: Decimal | None = Field(validation_alias="overdue_base", description="In the base currency")


class CreditPage(Schema):
    base_currency: str
    items: list[CreditOut]
    next_cursor: str | None


class CreditDetailOut(CreditOut):
    base_currency: str
    points: dict[str, int] | None = Field(description="punctuality (of 40), delay (of 30), exposure (of 20), history (of 10)")


@router.get(
    "/analytics/credit",
    response=CreditPage,
    summary="Accounts by credit behaviour, the lowest score first (filters: grade, overdue)",
    description="Only rated accounts the caller may see. An unknown grade or a bad overdue flag is a 422 naming it.",
)
def credit_list(request: HttpRequest, params: Query[CreditParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    filters = CreditFilter.from_params(params.model_dump())
    page = credit_page_for_user(user=actor_of(request), filters=filters, cursor=params.cursor, limit=params.limit)
    return {"base_currency": base_currency(), "items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/accounts/{account_id}/credit",
    response=CreditDetailOut,
    summary="One account's credit behaviour and how its score is made",
    description="404 for an account the caller may not see. Before the first measurement every figure is null.",
)
def credit_detail(request: HttpRequest, account_id: Id) -> SimpleNamespace:
    account = account_get_for_user(user=actor_of(request), account_id=account_id)
    profile = customer_profile_for_account(account_id=account.pk)
    measured = profile is not None and profile.credit_scored_on is not None
    breakdown = credit_breakdown(profile) if measured else None
    figures = {name: getattr(profile, name) if measured else None for name in CREDIT_FIELDS}
    # An object, not a dict: the schema reads the account's name through its dotted alias.
    return SimpleNamespace(
        **figures | {"credit_grade": figures["credit_grade"] or ""},
        account_id=account.pk,
        account=account,
        base_currency=base_currency(),
        points=breakdown.points if breakdown else None,
    )


class ProductSuggestionOut(Schema):
    product_id: int
    product: str = Field(description="The product's name")
    confidence: float = Field(description="Share of the baskets like this customer's that hold the product (0 to 1)")
    lift: float = Field(description="How much likelier than for any basket (above 1: bought together more than by chance)")


class AlsoBoughtOut(Schema):
    bought_id: int
    bought: str = Field(description="A product this account ordered")
    recommended_id: int
    recommended: str = Field(description="What buyers of it also buy")
    confidence: float
    lift: float


class CrossSellOut(Schema):
    account_id: int
    next_best: list[ProductSuggestionOut] = Field(description="The account's best products not bought yet, best first")
    also_bought: list[AlsoBoughtOut] = Field(description="Customers who bought what this account bought also buy...")


@router.get(
    "/accounts/{account_id}/cross-sell",
    response=CrossSellOut,
    summary="What to offer an account next (the 360 page's and the screen pop's cross-sell card)",
    description="From the order baskets' association rules at the last warehouse build; empty lists before the first. "
    "404 for an account the caller may not see.",
)
def cross_sell_get(request: HttpRequest, account_id: Id) -> CrossSellOut:
    account = account_get_for_user(user=actor_of(request), account_id=account_id)
    found = cross_sell_for_account(account_id=account.pk)
    return CrossSellOut(
        account_id=account.pk,
        next_best=[
            ProductSuggestionOut(product_id=n.product_id, product=n.product.name, confidence=n.confidence, lift=n.lift)
            for n in found.next_best
        ],
        also_bought=[
            AlsoBoughtOut(
                bought_id=r.product_id,
                bought=r.product.name,
                recommended_id=r.recommended_id,
                recommended=r.recommended.name,
                confidence=r.confidence,
                lift=r.lift,
            )
            for r in found.also_bought
        ],
    )


class DashboardParams(Schema):
    period: str | None = Field(None, description="month, quarter, year or 12m (the last 12 months, the default)")


class PeriodOut(Schema):
    key: str
    label: str
    start: str = Field(description="First day (ISO date)")
    end: str = Field(description="Last day (ISO date)")


class TileOut(Schema):
    key: str
    label: str
    value: float | None = Field(description="Null when there is no figure yet (never a made-up zero)")
    unit: str = Field(description="money (in the dashboard's currency), percent, or empty for a count")
    hint: str


class ChartOut(Schema):
    key: str
    title: str
    kind: str = Field(description="bar, hbar, line, pie or heatmap")
    categories: list[str]
    series: list[dict[str, Any]] = Field(description="Each {name, data[, kind, stack]}; a heatmap's data are [x, y, value] cells")
    unit: str
    note: str
    rows: list[str] = Field(description="A heatmap's y axis")


class DashboardOut(Schema):
    name: str
    title: str
    period: PeriodOut
    currency: str
    whole_base: bool = Field(description="True when the figures cover the whole base (analysts, administrators)")
    tiles: list[TileOut]
    charts: list[ChartOut]
    pending: list[str] = Field(description="What the data cannot show yet, and which app brings it")
    warehouse_version: str | None = Field(description="null: live figures only; empty: no warehouse built yet")


def _dashboard_route(name: str) -> None:
    def get_dashboard(request: HttpRequest, params: Query[DashboardParams]) -> dict[str, Any]:  # type: ignore[type-arg]
        return dashboard_for_user(user=actor_of(request), name=name, period=params.period).as_json()

    router.get(
        f"/analytics/dashboards/{name}",
        response=DashboardOut,
        summary=f"The {name} dashboard: KPI tiles and chart series",
        operation_id=f"dashboard_{name}",
        description="Figures over the whole base for analysts and administrators; over their team's records for managers, "
        "their own for everyone else. A bad period is a 422 naming it.",
    )(get_dashboard)


for _name in BOARDS:
    _dashboard_route(_name)

# The fraud-review queue has its own module; its paths hang off this router.
from rapport.analytics.anomaly_api import router as anomaly_router  # noqa: E402

router.add_router("/", anomaly_router)

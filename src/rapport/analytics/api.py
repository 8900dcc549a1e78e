"""Analytics over REST: the OLAP pivot, from the same query builder as the explorer page and its exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from rapport.analytics.olap_views import olap_run
from rapport.core.selectors import actor_of

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

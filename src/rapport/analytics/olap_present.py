"""The OLAP pivot as people see it: labelled keys, one table for the page and both exports, chart data.

The page, the CSV and the XLSX are all written from ``pivot_table``: the export holds exactly the
rows, columns, labels and figures on the screen.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from rapport.analytics.engine import Warehouse
from rapport.analytics.olap import DIMENSIONS, MEASURES, NONE_KEY, OTHERS_KEY, Axis, OlapRequest, OlapResult
from rapport.analytics.rfm import SEGMENT_BY_KEY
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers.models import Channel


def _ids(keys: list[str]) -> list[int]:
    return [int(k) for k in keys if k.isdigit()]


def label_keys(dimension: str | None, keys: list[str], warehouse: Warehouse | None, user: User) -> dict[str, str]:
    """What people call each key of a dimension: segments and channels translated, owners, teams and products by name."""
    names: dict[str, str] = {}
    axis = Axis(dimension, keys)
    if axis.dimension == "segment":
        names = {key: str(segment.label) for key, segment in SEGMENT_BY_KEY.items()}
    elif axis.dimension == "channel":
        names = {str(value): str(label) for value, label in Channel.choices}
    elif axis.dimension == "owner":
        users = core_selectors.user_list_for_user(user=user).filter(pk__in=_ids(axis.keys))
        names = {str(u.pk): u.get_full_name() or u.username for u in users}
    elif axis.dimension == "team":
        names = {str(t.pk): t.name for t in core_selectors.team_list().filter(pk__in=_ids(axis.keys))}
    elif axis.dimension == "product" and warehouse is not None and "dim_product" in warehouse.manifest["tables"]:
        products = warehouse.table("dim_product")
        found = warehouse.rows(products.filter(products.product_id.isin(_ids(axis.keys) or [-1])).select("product_id", "name"))
        names = {str(row["product_id"]): str(row["name"]) for row in found}
    labels: dict[str, str] = {}
    for key in keys:
        if key == OTHERS_KEY:
            labels[key] = _("Others")
        elif key == NONE_KEY:
            labels[key] = _("(not set)")
        else:
            labels[key] = names.get(key, key)
    return labels


def olap_label(result: OlapResult, warehouse: Warehouse, user: User) -> OlapResult:
    for axis in (result.rows, result.cols):
        axis.labels = label_keys(axis.dimension, axis.keys, warehouse, user)
    return result


@dataclass
class Header:
    label: str
    drill: str | None = None  # query string one level down


@dataclass
class Row:
    key: str
    label: str
    drill: str | None
    values: list[float | None]
    customers: list[str | None]  # per value: query string of the cell's customers

    @property
    def cells(self) -> list[tuple[float | None, str | None]]:
        return list(zip(self.values, self.customers, strict=True))


@dataclass
class PivotTable:
    corner: str
    groups: list[Header]  # column keys (one header spanning the measures), empty without columns
    measures: list[str]  # measure labels under each group
    rows: list[Row]
    total: Row

    def header_lines(self) -> list[list[str]]:
        if not self.groups:
            return [[self.corner, *self.measures]]
        return [[self.corner, *(f"{g.label} · {m}" for g in self.groups for m in self.measures)]]


def _query(request: OlapRequest | None) -> str | None:
    return urlencode(request.params()) if request is not None else None


def pivot_table(result: OlapResult) -> PivotTable:
    request = result.request
    measures = list(request.measures)
    col_keys = result.cols.keys
    groups = [Header(result.cols.labels.get(k, k), _query(request.drilled(str(request.cols), k))) for k in col_keys]
    if groups:
        groups.append(Header(_("Total")))

    def customers(filters: list[tuple[str, str]]) -> str | None:
        if any(value == OTHERS_KEY for _name, value in filters):
            return None
        return urlencode(OlapRequest(request.measures, request.rows, request.cols, (*request.filters, *filters)).params())

    def line(key: str | None, label: str, figures_of: Any) -> Row:
        values: list[float | None] = []
        links: list[str | None] = []
        own = [(request.rows, key)] if key is not None else []
        for col in col_keys:
            figures = figures_of(col)
            values += [figures.get(m) for m in measures]
            links += [customers([*own, (str(request.cols), col)])] * len(measures)
        total = figures_of(None)
        values += [total.get(m) for m in measures]
        links += [customers(own)] * len(measures)
        drill = _query(request.drilled(request.rows, key)) if key is not None else None
        return Row(key or "", label, drill, values, links)

    rows = [
        line(k, result.rows.labels.get(k, k), lambda c, k=k: result.row_totals.get(k, {}) if c is None else result.cells.get((k, c), {}))
        for k in result.rows.keys
    ]
    total = line(None, _("Total"), lambda c: result.total if c is None else result.col_totals.get(c, {}))
    return PivotTable(
        corner=str(DIMENSIONS[request.rows].label),
        groups=groups,
        measures=[str(MEASURES[m].label) for m in measures],
        rows=rows,
        total=total,
    )


def chart_data(result: OlapResult) -> dict[str, Any]:
    """The first measure, rows along the axis, one series per column (or one series), for ECharts."""
    measure = result.request.measures[0]
    categories = [result.rows.labels.get(k, k) for k in result.rows.keys]
    if result.cols.keys:
        series = [
            {"name": result.cols.labels.get(c, c), "data": [result.cells.get((r, c), {}).get(measure) for r in result.rows.keys]}
            for c in result.cols.keys
        ]
    else:
        series = [{"name": str(MEASURES[measure].label), "data": [result.row_totals.get(r, {}).get(measure) for r in result.rows.keys]}]
    return {
        "measure": str(MEASURES[measure].label),
        "kind": "line" if DIMENSIONS[result.request.rows].chronological and not result.cols.keys else "bar",
        "categories": categories,
        "series": series,
    }


def _safe(value: Any) -> Any:
    """A label starting with = + - @ would be a formula in a spreadsheet: shown as text instead."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and value != "-":
        return "'" + value
    return value


def _records(table: PivotTable) -> list[list[Any]]:
    return [*table.header_lines(), *([_safe(row.label), *row.values] for row in [*table.rows, table.total])]


def pivot_csv(table: PivotTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for record in _records(table):
        writer.writerow(["" if v is None else v for v in record])
    return out.getvalue().encode("utf-8-sig")


def pivot_xlsx(table: PivotTable, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for record in _records(table):
        sheet.append(record)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""The OLAP explorer's pages: the pivot with its chart, CSV/XLSX exports, and the customers behind a cell.

Aggregates over the whole base are for the roles that analyse it; the customers behind a cell are
read through the customers' visibility selectors, so each viewer sees only the accounts they may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.analytics import olap
from rapport.analytics.engine import Warehouse, WarehouseMissing, open_warehouse
from rapport.analytics.olap_present import chart_data, label_keys, olap_label, pivot_csv, pivot_table, pivot_xlsx
from rapport.analytics.views import sees_aggregates
from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers import selectors as customer_selectors
from rapport.customers.profiles import customer_profile_values

# Arrow takes seconds to import; only a pivot needs it.
if TYPE_CHECKING:
    import pyarrow as pa


def _clv() -> pa.Table | None:
    import pyarrow as pa

    values = customer_profile_values(field="clv")
    if not values:
        return None
    return pa.table(
        {"account_id": pa.array([a for a, _v in values], pa.int64()), "clv": pa.array([float(v) for _a, v in values], pa.float64())}
    )


def _visible_accounts(user: User) -> pa.Table | None:
    """None for the roles that analyse the whole base; for everyone else, the accounts they may see."""
    import pyarrow as pa

    if sees_aggregates(user):
        return None
    ids = customer_selectors.account_list_for_user(user=user).order_by().values_list("pk", flat=True)
    return pa.table({"account_id": pa.array(list(ids), pa.int64())})


def olap_run(*, user: User, params: Mapping[str, Any]) -> tuple[olap.OlapResult, Warehouse | None]:
    """One door for the page, the exports and the API: parse, query (over the accounts the user may see
    unless their role analyses the whole base), label."""
    clv = _clv()
    getlist = params.getlist if isinstance(params, QueryDict) else (lambda name: params.get(name))
    request = olap.OlapRequest.parse(
        measures=getlist("measures"), rows=getlist("rows"), cols=getlist("cols"), filters=getlist("filters"), clv_available=clv is not None
    )
    try:
        warehouse = open_warehouse()
    except WarehouseMissing:
        return olap.olap_empty(request), None
    if "fact_order_line" not in warehouse.manifest["tables"]:
        return olap.olap_empty(request), warehouse
    result = olap.olap_query(warehouse, request, as_of=timezone.localdate(), clv=clv, accounts=_visible_accounts(user))
    return olap_label(result, warehouse, user), warehouse


def _query(request: olap.OlapRequest) -> str:
    params = QueryDict(mutable=True)
    params.update(request.params())
    return params.urlencode()


def _breadcrumbs(request: olap.OlapRequest, warehouse: Warehouse | None, user: User) -> list[dict[str, str]]:
    """Each filter added by drilling, named, as a link back to the level it was drilled from."""
    crumbs: list[dict[str, str]] = []
    for index, (name, value) in enumerate(request.filters):
        above = olap.OlapRequest(request.measures, name, request.cols if request.cols != name else None, request.filters[:index])
        label = label_keys(name, [value], warehouse, user)[value]
        crumbs.append({"label": f"{olap.DIMENSIONS[name].label}: {label}", "href": _query(above)})
    return crumbs


def _choices(request: olap.OlapRequest | None, clv: bool) -> dict[str, Any]:
    measures = [m for m in olap.MEASURES.values() if m.key != "clv" or clv]
    return {
        "measures": [
            {"key": m.key, "label": m.label, "help": m.help, "on": request is not None and m.key in request.measures} for m in measures
        ],
        "dimensions": [{"key": d.key, "label": d.label} for d in olap.DIMENSIONS.values()],
    }


@login_required
def explorer(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    context: dict[str, Any] = {"nav_active": "analytics", "sees_aggregates": sees_aggregates(user)}
    status = 200
    asked: olap.OlapRequest | None = None
    try:
        result, warehouse = olap_run(user=user, params=request.GET)
        asked = result.request
        context.update(
            result=result,
            table=pivot_table(result),
            chart=chart_data(result),
            crumbs=_breadcrumbs(result.request, warehouse, user),
            export_query=request.GET.urlencode(),
            row_limit=olap.ROW_LIMIT,
            column_limit=olap.COLUMN_LIMIT,
            measure_help=[olap.MEASURES[m] for m in result.request.measures if olap.MEASURES[m].help],
        )
        if warehouse is None:
            context["missing"] = _("No warehouse yet: build it from the analytics page or with `rapport warehouse build`.")
    except ValidationFailed as exc:
        context["errors"] = exc.field_errors
        status = 422
    context["asked"] = asked
    context["choices"] = _choices(asked, customer_profile_values(field="clv", limit=1) != [])
    return render(request, "analytics/olap.html", context, status=status)


@login_required
def explorer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404(fmt)
    user = core_selectors.actor_of(request)
    try:
        result, _warehouse = olap_run(user=user, params=request.GET)
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    table = pivot_table(result)
    name = "olap-" + "-".join(
        [*result.request.measures, "by", result.request.rows, *([result.request.cols] if result.request.cols else [])]
    )
    if fmt == "xlsx":
        response = HttpResponse(
            pivot_xlsx(table, title=_("Pivot")), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(pivot_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def cell_customers(request: HttpRequest) -> HttpResponse:
    """The accounts behind a cell that this user may see, best revenue first."""
    user = core_selectors.actor_of(request)
    try:
        asked = olap.OlapRequest.parse(
            measures=request.GET.getlist("measures"),
            rows=request.GET.getlist("rows"),
            cols=request.GET.getlist("cols"),
            filters=request.GET.getlist("filters"),
        )
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    warehouse: Warehouse | None = None
    ranked: list[tuple[int, Decimal]] = []
    try:
        warehouse = open_warehouse()
        ranked = olap.cell_accounts(warehouse, asked, as_of=timezone.localdate())
    except WarehouseMissing:
        pass
    revenue = dict(ranked)
    visible = customer_selectors.account_list_for_user(user=user).filter(pk__in=list(revenue)).select_related("owner")
    accounts = sorted(visible, key=lambda a: (-revenue[a.pk], a.pk))[: olap.CUSTOMERS_LIMIT]
    return render(
        request,
        "analytics/olap_customers.html",
        {
            "nav_active": "analytics",
            "filters": [(olap.DIMENSIONS[name].label, label_keys(name, [value], warehouse, user)[value]) for name, value in asked.filters],
            "rows": [(a, revenue[a.pk]) for a in accounts],
            "in_cell": len(ranked),
            "scanned": olap.CUSTOMERS_SCANNED,
            "limit": olap.CUSTOMERS_LIMIT,
            "back": _query(asked),
        },
    )

"""The forecast and funnel pages (the funnel page also shows the cost of sales)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import ValidationFailed
from rapport.common.ninja import MAX_ID
from rapport.core import selectors as core_selectors
from rapport.customers.exports import spreadsheet_safe
from rapport.sales import cost_analysis, filters, forecast, funnel, selectors
from rapport.sales.views.common import owner_choices, page_context, refused_filters, team_choices

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The filter forms' labels, so a refused filter is named as the user sees it.
FORECAST_LABELS = {"period": _("By"), "group_by": _("Per"), "start": _("From"), "end": _("To")}
# The cost analysis calls its grouping group_by; the funnel form sends it as cost_by.
FUNNEL_LABELS = {"start": _("Created from"), "end": _("to"), "cost_by": _("Costs per"), "group_by": _("Costs per")}

# (measure, label, css modifier) in the order the chart draws them
CHART_MEASURES = (
    ("closed_won", _("Closed won"), "won"),
    ("commit", _("Commit"), "commit"),
    ("best_case", _("Best case"), "best"),
    ("weighted", _("Weighted pipeline"), "weighted"),
)


def _as_int(value: str | None) -> int | None:
    # An id beyond 64 bits would make the database driver fail instead of finding nothing.
    return int(value) if value and value.isdigit() and int(value) <= MAX_ID else None


def months_shown(params: Mapping[str, str], period: tuple[dt.date, dt.date] | None) -> dict[str, str]:
    """What the period's month fields hold: the months the page shows (a default spelled out, so the reader
    knows what the figures cover), or what was typed when it was refused."""
    if period is None:
        return {"start": params.get("start", ""), "end": params.get("end", "")}
    start, end = period
    return {"start": f"{start:%Y-%m}", "end": f"{end - dt.timedelta(days=1):%Y-%m}"}


def _forecast_period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    return filters.period_range(request.GET.get("start"), request.GET.get("end"), today=timezone.localdate())


def _forecast(request: HttpRequest, period: tuple[dt.date, dt.date]) -> forecast.Forecast:
    params = request.GET
    start, end = period
    return forecast.forecast(
        user=core_selectors.actor_of(request),
        start=start,
        end=end,
        period=params.get("period") or "month",
        group_by=params.get("group_by") or "owner",
        owner_id=_as_int(params.get("owner_id")),
        team_id=_as_int(params.get("team_id")),
        pipeline_id=_as_int(params.get("pipeline_id")),
    )


def chart(totals: list[forecast.ForecastRow]) -> list[dict[str, Any]]:
    """Bar heights (% of the tallest figure) per period, with the quota as a line."""
    tallest = max([getattr(t, m) for t in totals for m, _l, _c in CHART_MEASURES] + [t.quota or Decimal(0) for t in totals] + [Decimal(1)])
    return [
        {
            "label": t.period,
            "bars": [
                {"label": label, "css": css, "value": getattr(t, m), "pct": float(getattr(t, m) * 100 / tallest)}
                for m, label, css in CHART_MEASURES
            ],
            "quota_pct": float(t.quota * 100 / tallest) if t.quota else None,
            "quota": t.quota,
        }
        for t in totals
    ]


@login_required
def forecast_page(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    refused: dict[str, Any] = {}
    result = period = None
    try:
        period = _forecast_period(request)
        result = _forecast(request, period)
    except ValidationFailed as exc:
        refused = refused_filters(exc, FORECAST_LABELS)
    context = page_context(
        "forecast",
        result=result,
        months=months_shown(request.GET, period if result else None),
        chart=chart(result.totals) if result else [],
        chart_measures=CHART_MEASURES,
        **refused,
        owners=owner_choices(user),
        teams=team_choices(),
        pipelines=selectors.pipeline_list(),
        export_query=request.GET.urlencode(),
    )
    return render(request, "sales/forecast.html", context, status=422 if refused else 200)


@login_required
def forecast_export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    """The forecast table the page shows, with the page's filters, as CSV or as an Excel workbook."""
    try:
        result = _forecast(request, _forecast_period(request))
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    rows = ([spreadsheet_safe(value) for value in row] for row in forecast.forecast_csv_rows(result))
    if fmt == "xlsx":
        from openpyxl import Workbook  # only an XLSX export needs it (and it imports NumPy)

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title="Forecast")
        for row in rows:
            sheet.append(row)
        content = BytesIO()
        book.save(content)
        response = HttpResponse(content.getvalue(), content_type=XLSX)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        csv.writer(response).writerows(rows)
    response["Content-Disposition"] = f'attachment; filename="forecast.{fmt}"'
    return response


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    params = request.GET
    pipelines = selectors.pipeline_list()
    pipeline_id = _as_int(params.get("pipeline_id"))
    pipeline = next((p for p in pipelines if p.pk == pipeline_id), pipelines[0] if pipelines else None)
    refused: dict[str, Any] = {}
    result = costs = None
    period: tuple[dt.date, dt.date] | None = None
    try:
        start, end = period = filters.period_range(params.get("start"), params.get("end"), today=timezone.localdate(), looking="back")
        if pipeline is not None:
            result = funnel.funnel(
                user=user,
                pipeline=pipeline,
                start=start,
                end=end,
                owner_id=_as_int(params.get("owner_id")),
                team_id=_as_int(params.get("team_id")),
                source=(params.get("source") or "").strip() or None,
            )
        costs = cost_analysis.cost_analysis(user=user, start=start, end=end, group_by=params.get("cost_by") or "owner")
    except ValidationFailed as exc:
        refused = refused_filters(exc, FUNNEL_LABELS)
    widest = max([s.reached for s in result.stages] + [1]) if result else 1
    context = page_context(
        "funnel",
        result=result,
        months=months_shown(params, None if refused else period),
        costs=costs,
        widest=widest,
        pipeline=pipeline,
        pipelines=pipelines,
        **refused,
        owners=owner_choices(user),
        teams=team_choices(),
    )
    return render(request, "sales/funnel.html", context, status=422 if refused else 200)

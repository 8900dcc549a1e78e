"""The sales dashboard, live from the operational database: pipeline, won revenue against quota, win
rate, this quarter's forecast and the top reps; the monthly figures come from the sales forecast itself."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from rapport.analytics.dashboards import Chart, Dashboard, Period, Tile
from rapport.core import policies
from rapport.core.models import User
from rapport.sales import selectors as sales_selectors
from rapport.sales.forecast import Converter, forecast, next_period, period_start
from rapport.sales.models import OpportunityStatus

TOP_REPS = 10


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def sales_dashboard(*, user: User, period: Period) -> Dashboard:
    deals = sales_selectors.opportunity_figures_for_user(user=user).order_by()
    convert = Converter()
    board = Dashboard("sales", str(_("Sales")), period, convert.base, whole_base=policies.figures_q(user) is None)

    # Open deals now, whatever the period: what the pipeline holds today.
    stages: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    open_count = 0
    grouped = (
        deals.filter(status=OpportunityStatus.OPEN)
        .values_list("pipeline__name", "stage__position", "stage__name", "currency")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    for pipeline, position, stage, currency, total, n in grouped:
        stages[(pipeline, position, stage)] += convert(total, currency, period.today)
        open_count += n
    several = len({pipeline for pipeline, _p, _s in stages}) > 1
    ordered = sorted(stages.items())

    # The forecast groups won deals by the month they closed and adds each rep's quota.
    monthly = forecast(user=user, start=period.start, end=period.end, period="month", group_by="owner", figures=True)
    won_by_rep: dict[str, Decimal] = defaultdict(Decimal)
    for row in monthly.rows:
        if row.closed_won:
            won_by_rep[row.group_name] += row.closed_won
    top = sorted(won_by_rep.items(), key=lambda item: (-item[1], item[0]))[:TOP_REPS]
    won = sum((t.closed_won for t in monthly.totals), Decimal(0))
    any_quota = any(t.quota is not None for t in monthly.totals)

    quarter_start = period_start(period.today, "quarter")
    quarter = forecast(
        user=user, start=quarter_start, end=next_period(quarter_start, "quarter"), period="quarter", group_by="none", figures=True
    ).totals[0]

    # Closing a deal sets its close date (``expected_close_date``): the same day the forecast counts it on.
    closed = deals.filter(expected_close_date__gte=period.start, expected_close_date__lt=period.end).aggregate(
        won=Count("id", filter=Q(status=OpportunityStatus.WON)), lost=Count("id", filter=Q(status=OpportunityStatus.LOST))
    )
    decided = closed["won"] + closed["lost"]

    board.tiles = [
        Tile("pipeline", _("Open pipeline"), float(sum(stages.values(), Decimal(0))), "money", _("%(n)d open deals") % {"n": open_count}),
        Tile("won", _("Won in the period"), float(won), "money", _("Deals won, by the month they closed")),
        Tile(
            "win_rate",
            _("Win rate"),
            round(closed["won"] * 100 / decided, 1) if decided else None,
            "percent",
            _("%(won)d won of %(decided)d deals closed in the period") % {"won": closed["won"], "decided": decided},
        ),
        Tile("forecast", _("Forecast this quarter"), float(quarter.commit + quarter.closed_won), "money", _("Won plus committed")),
        Tile("weighted", _("Weighted pipeline this quarter"), float(quarter.weighted), "money", _("Amount × stage probability")),
        Tile(
            "attainment",
            _("Quota attainment this quarter"),
            float(quarter.attainment) if quarter.attainment is not None else None,
            "percent",
            _("No quota set for this quarter") if quarter.quota is None else _("Won against quota"),
        ),
    ]
    board.charts = [
        Chart(
            "pipeline_by_stage",
            _("Pipeline value by stage"),
            "hbar",
            [f"{pipeline} · {stage}" if several else stage for (pipeline, _p, stage), _v in ordered],
            [{"name": _("Open pipeline"), "data": [float(v) for _k, v in ordered]}],
            "money",
        ),
        Chart(
            "won_by_month",
            _("Won revenue by month against quota"),
            "bar",
            [t.period for t in monthly.totals],
            [{"name": _("Won"), "data": [float(t.closed_won) for t in monthly.totals]}]
            + ([{"name": _("Quota"), "kind": "line", "data": [_money(t.quota) for t in monthly.totals]}] if any_quota else []),
            "money",
            "" if any_quota else _("No quotas set for these months."),
        ),
        Chart(
            "top_reps",
            _("Top reps by won revenue"),
            "hbar",
            [name for name, _v in top],
            [{"name": _("Won"), "data": [float(v) for _n, v in top]}],
            "money",
        ),
    ]
    return board

"""The sales forecast: per month or quarter and per owner, team or pipeline,
what is won, committed, in the best case and in the weighted pipeline, against quota.

Definitions (open deals only, and never the ones the owner marked *omitted*):

* **commit**: forecast category *commit*, or a stage with a win probability of 80 % or more;
* **best case**: commit plus the deals in category *best case*;
* **pipeline**: every open deal;
* **weighted**: the sum of amount x stage probability;
* **closed won**: deals won, counted in the month they closed.

Sums are computed by the database grouped by period, group and currency; each
currency's sum is converted to the base currency at the rate valid on the
first day of the period and rounded to the base currency's minor unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, DecimalField, F, Func, Q, QuerySet, Sum

from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.money import Money
from rapport.common.months import add_months
from rapport.core.models import Team, User
from rapport.core.selectors import base_currency, rate_to_base
from rapport.sales import selectors
from rapport.sales.models import ForecastCategory, Opportunity, OpportunityStatus, Pipeline, Quota
from rapport.sales.quotas import quota_figures_for_user, quota_list_for_user

PERIODS = ("month", "quarter")
GROUPS = {"owner": "owner_id", "team": "team_id", "pipeline": "pipeline_id", "none": None}
COMMIT_PROBABILITY = 80
MEASURES = ("closed_won", "commit", "best_case", "pipeline", "weighted")

_OPEN = Q(status=OpportunityStatus.OPEN) & ~Q(forecast_category=ForecastCategory.OMITTED)
_COMMIT = _OPEN & (Q(forecast_category=ForecastCategory.COMMIT) | Q(stage__probability__gte=COMMIT_PROBABILITY))
_BEST = _OPEN & (
    Q(forecast_category__in=[ForecastCategory.COMMIT, ForecastCategory.BEST_CASE]) | Q(stage__probability__gte=COMMIT_PROBABILITY)
)
_MONEY = DecimalField(max_digits=24, decimal_places=2)


class PeriodStart(Func):
    """The first day of a date's month or quarter, computed by the database itself.

    Django's Trunc on SQLite calls a Python function for every row; over a
    million opportunities that is most of the forecast's time.
    """

    output_field = DateField()

    def __init__(self, expression: Any, *, period: str) -> None:
        super().__init__(expression)
        self.period = period

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if self.period == "quarter":
            # No '%' in the SQL (strftime's format, the modulo operator): Django's debug cursor formats the
            # statement with ``sql % params``, which a literal '%m' breaks. Dates are 'YYYY-MM-DD' text here.
            month = "(CAST(substr(%(expressions)s, 6, 2) AS INTEGER) - 1)"
            template = f"date(%(expressions)s, 'start of month', '-' || ({month} - 3 * ({month} / 3)) || ' months')"
        else:
            template = "date(%(expressions)s, 'start of month')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"CAST(date_trunc('{self.period}', %(expressions)s) AS date)", **extra)


@dataclass
class ForecastRow:
    period: str  # "2026-03" or "2026-Q1"
    period_start: dt.date
    group_id: int | None
    group_name: str
    closed_won: Decimal = Decimal(0)
    commit: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    pipeline: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    open_count: int = 0
    won_count: int = 0
    quota: Decimal | None = None

    @property
    def attainment(self) -> Decimal | None:
        """Closed won as a share of quota, in per cent."""
        if not self.quota:
            return None
        return (self.closed_won * 100 / self.quota).quantize(Decimal("0.1"))


@dataclass
class Forecast:
    period: str
    group_by: str
    currency: str
    rows: list[ForecastRow] = field(default_factory=list)
    totals: list[ForecastRow] = field(default_factory=list)  # one per period, all groups together


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, day.month, 1)


def next_period(day: dt.date, period: str) -> dt.date:
    return add_months(day, 3 if period == "quarter" else 1)


def period_label(day: dt.date, period: str) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if period == "quarter" else f"{day:%Y-%m}"


def periods_between(start: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """The first days of the periods from the one holding ``start`` up to (not including) ``end``."""
    days, current = [], period_start(start, period)
    while current < end:
        days.append(current)
        current = next_period(current, period)
    return days


class Converter:
    """Base-currency amounts at the rate valid on a given day (rates fetched once per currency and day)."""

    def __init__(self) -> None:
        self.base = base_currency()
        self._rates: dict[tuple[str, dt.date], Decimal] = {}

    def __call__(self, amount: Decimal | None, currency: str, on: dt.date) -> Decimal:
        if not amount:
            return Decimal(0)
        key = (currency, on)
        if key not in self._rates:
            try:
                self._rates[key] = rate_to_base(currency, on=on)
            except NotFound:
                raise ValidationFailed.for_field(
                    "currency", f"No exchange rate for {currency} on {on}; an administrator adds it under exchange rates."
                ) from None
        return Money(Decimal(amount) * self._rates[key], self.base).rounded().amount


def _check(period: str, group_by: str) -> None:
    if period not in PERIODS:
        raise ValidationFailed.for_field("period", f"Choose one of {', '.join(PERIODS)}.")
    if group_by not in GROUPS:
        raise ValidationFailed.for_field("group_by", f"Choose one of {', '.join(GROUPS)}.")


def _names(group_by: str, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = [i for i in set(ids) if i is not None]
    found: dict[int | None, str] = {None: "All" if group_by == "none" else "(none)"}
    if group_by == "owner":
        found.update({u.pk: str(u) for u in User.objects.filter(pk__in=wanted)})
    elif group_by == "team":
        found.update(dict(Team.objects.filter(pk__in=wanted).values_list("pk", "name")))
    elif group_by == "pipeline":
        found.update(dict(Pipeline.objects.filter(pk__in=wanted).values_list("pk", "name")))
    return found


def _scoped(
    user: User, *, start: dt.date, end: dt.date, owner_id: int | None, team_id: int | None, pipeline_id: int | None, figures: bool
) -> QuerySet[Opportunity]:
    deals = selectors.opportunity_figures_for_user(user=user) if figures else selectors.opportunity_list_for_user(user=user)
    qs = deals.filter(expected_close_date__gte=start, expected_close_date__lt=end)
    for name, value in (("owner_id", owner_id), ("team_id", team_id), ("pipeline_id", pipeline_id)):
        if value is not None:
            qs = qs.filter(**{name: value})
    return qs.order_by()


def forecast(
    *,
    user: User,
    start: dt.date,
    end: dt.date,
    period: str = "month",
    group_by: str = "owner",
    owner_id: int | None = None,
    team_id: int | None = None,
    pipeline_id: int | None = None,
    figures: bool = False,
) -> Forecast:
    """The forecast for deals expected to close from ``start`` up to (not including) ``end``.

    With ``figures``, over the deals and quotas the user's dashboards add up (``policies.figures_q``)
    instead of the deals they may open.
    """
    _check(period, group_by)
    start = period_start(start, period)
    key = GROUPS[group_by]
    qs = _scoped(user, start=start, end=end, owner_id=owner_id, team_id=team_id, pipeline_id=pipeline_id, figures=figures)
    grouped = (
        qs.values(bucket=PeriodStart(F("expected_close_date"), period=period), cur=F("currency"), **({"group": F(key)} if key else {}))
        .annotate(
            closed_won=Sum("amount", filter=Q(status=OpportunityStatus.WON)),
            commit=Sum("amount", filter=_COMMIT),
            best_case=Sum("amount", filter=_BEST),
            pipeline=Sum("amount", filter=_OPEN),
            weighted=Sum(F("amount") * F("stage__probability"), filter=_OPEN, output_field=_MONEY),
            open_count=Count("id", filter=_OPEN),
            won_count=Count("id", filter=Q(status=OpportunityStatus.WON)),
        )
        .order_by()
    )
    convert = Converter()
    rows: dict[tuple[dt.date, int | None], ForecastRow] = {}
    for values in grouped:
        item: dict[str, Any] = dict(values)
        bucket = item["bucket"].date() if isinstance(item["bucket"], dt.datetime) else item["bucket"]
        group = item.get("group")
        row = rows.setdefault((bucket, group), ForecastRow(period_label(bucket, period), bucket, group, ""))
        for measure in MEASURES:
            raw = item[measure]
            if measure == "weighted" and raw is not None:
                raw = Decimal(raw) / 100
            setattr(row, measure, getattr(row, measure) + convert(raw, item["cur"], bucket))
        row.open_count += item["open_count"]
        row.won_count += item["won_count"]
    if group_by in ("owner", "team", "none") and pipeline_id is None:
        quotas = quota_figures_for_user(user=user) if figures else quota_list_for_user(user=user)
        _add_quotas(
            rows, quotas, start=start, end=end, period=period, group_by=group_by, owner_id=owner_id, team_id=team_id, convert=convert
        )
    names = _names(group_by, [g for _, g in rows])
    result = Forecast(period=period, group_by=group_by, currency=convert.base)
    for (_, group), row in sorted(rows.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""), kv[0][1] or 0)):
        row.group_name = names.get(group, str(group))
        result.rows.append(row)
    result.totals = _totals(result.rows, periods_between(start, end, period), period)
    return result


def _add_quotas(
    rows: dict[tuple[dt.date, int | None], ForecastRow],
    quotas: QuerySet[Quota],
    *,
    start: dt.date,
    end: dt.date,
    period: str,
    group_by: str,
    owner_id: int | None,
    team_id: int | None,
    convert: Converter,
) -> None:
    """Quotas whose whole range lies inside one period count for that period (a quarter's quota is not split into months).

    A rep's quota inside another of theirs in the same period (March's inside Q1's) is already counted by the wider
    one: only the widest count, so a manager who sets both a quarter and its months is not counted twice.
    """
    quotas = quotas.filter(period_start__gte=start, period_end__lt=end)
    if owner_id is not None:
        quotas = quotas.filter(user_id=owner_id)
    if team_id is not None:
        quotas = quotas.filter(user__team_id=team_id)
    found: dict[tuple[int, dt.date], list[tuple[dt.date, dt.date, int | None, Decimal]]] = {}
    for user_id, team, first, last, amount, currency in quotas.values_list(
        "user_id", "user__team_id", "period_start", "period_end", "amount", "currency"
    ):
        bucket = period_start(first, period)
        if last >= next_period(bucket, period):
            continue
        found.setdefault((user_id, bucket), []).append((first, last, team, convert(amount, currency, bucket)))
    for (rep_id, bucket), ranges in found.items():
        for first, last, rep_team, amount in ranges:
            if any(o_first <= first and last <= o_last and (o_first, o_last) != (first, last) for o_first, o_last, _, _ in ranges):
                continue
            group = {"owner": rep_id, "team": rep_team, "none": None}[group_by]
            row = rows.setdefault((bucket, group), ForecastRow(period_label(bucket, period), bucket, group, ""))
            row.quota = (row.quota or Decimal(0)) + amount


def _totals(rows: list[ForecastRow], buckets: list[dt.date], period: str) -> list[ForecastRow]:
    totals = {day: ForecastRow(period_label(day, period), day, None, "Total") for day in buckets}
    for row in rows:
        total = totals.setdefault(row.period_start, ForecastRow(row.period, row.period_start, None, "Total"))
        for measure in MEASURES:
            setattr(total, measure, getattr(total, measure) + getattr(row, measure))
        total.open_count += row.open_count
        total.won_count += row.won_count
        if row.quota is not None:
            total.quota = (total.quota or Decimal(0)) + row.quota
    return [totals[day] for day in sorted(totals)]


def forecast_csv_rows(result: Forecast) -> Iterable[list[Any]]:
    """The forecast as spreadsheet rows: a header, then one line per period and group."""
    yield ["period", result.group_by, *MEASURES, "quota", "attainment_pct", "open_deals", "won_deals", "currency"]
    for row in result.rows:
        values = [getattr(row, m) for m in MEASURES]
        yield [
            row.period,
            row.group_name,
            *values,
            row.quota if row.quota is not None else "",
            row.attainment or "",
            row.open_count,
            row.won_count,
            result.currency,
        ]

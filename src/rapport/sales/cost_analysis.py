"""What selling costs: sales costs against the deals won, per won deal, per rep and per source.

Costs count in the period they were incurred; won deals in the period they
closed. Both are summed by the database per group and currency, then
converted at the rate valid on the first day of the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from rapport.common.errors import ValidationFailed
from rapport.core import policies
from rapport.core.models import User
from rapport.sales import selectors
from rapport.sales.forecast import Converter
from rapport.sales.models import Opportunity, OpportunityStatus, SalesCost

GROUPS = {"owner": "owner_id", "source": "source", "deal": "id"}


@dataclass
class CostRow:
    key: int | str | None
    name: str
    cost: Decimal = Decimal(0)
    won_deals: int = 0
    won_value: Decimal = Decimal(0)

    @property
    def cost_per_won_deal(self) -> Decimal | None:
        return None if not self.won_deals else (self.cost / self.won_deals).quantize(Decimal("0.01"))

    @property
    def cost_share(self) -> Decimal | None:
        """Cost as a share of the value won, in per cent."""
        return None if not self.won_value else (self.cost * 100 / self.won_value).quantize(Decimal("0.1"))


@dataclass
class CostAnalysis:
    group_by: str
    currency: str
    rows: list[CostRow]
    total: CostRow


def cost_analysis(*, user: User, start: dt.date, end: dt.date, group_by: str = "owner", pipeline_id: int | None = None) -> CostAnalysis:
    """Sales costs and won deals from ``start`` up to (not including) ``end``, grouped by rep, source or won deal."""
    if group_by not in GROUPS:
        raise ValidationFailed.for_field("group_by", f"Choose one of {', '.join(GROUPS)}.")
    key = GROUPS[group_by]
    deals = selectors.opportunity_list_for_user(user=user).order_by()
    costs = policies.restrict(SalesCost.objects.all(), user, prefix="opportunity__").filter(incurred_on__gte=start, incurred_on__lt=end)
    if pipeline_id is not None:
        deals = deals.filter(pipeline_id=pipeline_id)
        costs = costs.filter(opportunity__pipeline_id=pipeline_id)
    won = deals.filter(status=OpportunityStatus.WON, expected_close_date__gte=start, expected_close_date__lt=end)
    if group_by == "deal":
        # Per won deal: every cost of the deals won in the period, whenever it was spent.
        costs = policies.restrict(SalesCost.objects.all(), user, prefix="opportunity__").filter(opportunity__in=won.values("pk"))
    convert = Converter()
    rows: dict[int | str | None, CostRow] = {}
    for group, currency, total in costs.values_list(f"opportunity__{key}", "currency").annotate(Sum("amount")).order_by():
        row = rows.setdefault(group, CostRow(group, ""))
        row.cost += convert(total, currency, start)
    for group, currency, count, total in won.values_list(key, "currency").annotate(Count("id"), Sum("amount")).order_by():
        row = rows.setdefault(group, CostRow(group, ""))
        row.won_deals += count
        row.won_value += convert(total, currency, start)
    _name(rows, group_by)
    total_row = CostRow(None, "Total")
    for row in rows.values():
        total_row.cost += row.cost
        total_row.won_deals += row.won_deals
        total_row.won_value += row.won_value
    ordered = sorted(rows.values(), key=lambda r: (-r.cost, r.name))
    return CostAnalysis(group_by=group_by, currency=convert.base, rows=ordered, total=total_row)


def _name(rows: dict[int | str | None, CostRow], group_by: str) -> None:
    names: dict[Any, str]
    if group_by == "owner":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in rows if k is not None])}
    elif group_by == "deal":
        names = dict(Opportunity.objects.filter(pk__in=[k for k in rows if k is not None]).values_list("pk", "name"))
    else:
        names = {}
    for key, row in rows.items():
        row.name = str(names.get(key, key)) if key not in (None, "") else "(none)"

"""What a campaign cost and what it brought in: its return on investment, counted from live data.

The rule, as the campaign page states it: an order counts for a campaign when the customer who placed it
responded (a contact of the company, the company itself, or a lead later converted into it), and it was
placed on or after that customer's first response and no later than ``attribution_days`` after the campaign
ended (or after today, while it runs). Cancelled and draft orders do not count. An order may count for
more than one campaign: each campaign is credited with what its responders bought, not a share of it.

A campaign's parts (the lectures booked at an exhibition) count in its figures: their costs, their
responses and what their responders bought. Costs and revenue are converted to the base currency at the
rate of the day they were paid or ordered, so campaigns in different currencies compare.

Everything is read in a fixed number of queries for a whole page of campaigns, whatever its size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.common.errors import ValidationFailed
from rapport.customers.models import LeadStatus
from rapport.marketing.models import Campaign, CampaignCost, CampaignResponse
from rapport.sales.forecast import Converter
from rapport.sales.order_models import Order, OrderStatus

COUNTED_ORDERS = ~Q(status__in=(OrderStatus.CANCELLED, OrderStatus.DRAFT))
# The customer a response counts for: the company named, the contact's company, or the lead's converted company.
RESPONDER = Coalesce("account_id", "contact__account_id", "lead__converted_account_id")


@dataclass
class CampaignReturn:
    """One campaign's figures in the base currency (with its parts)."""

    campaign_id: int
    currency: str
    cost: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)
    responses: int = 0
    leads: int = 0
    converted_leads: int = 0
    customers: int = 0  # responders' companies that ordered within the window
    orders: int = 0
    window_end: dt.date | None = None
    responders: set[int] = field(default_factory=set)
    # Currencies and days with no exchange rate: their amounts are left out, and the page says so.
    missing_rates: set[str] = field(default_factory=set)

    @property
    def roi(self) -> Decimal | None:
        """(revenue - cost) / cost; None while nothing is spent."""
        if not self.cost:
            return None
        return ((self.revenue - self.cost) / self.cost).quantize(Decimal("0.0001"))

    @property
    def roi_percent(self) -> Decimal | None:
        roi = self.roi
        return None if roi is None else (roi * 100).quantize(Decimal("0.1"))

    @property
    def paid_for_itself(self) -> bool | None:
        return None if not self.cost else self.revenue >= self.cost

    @property
    def cost_per_response(self) -> Decimal | None:
        return (self.cost / self.responses).quantize(Decimal("0.01")) if self.responses and self.cost else None


def _converted(converter: Converter, totals: CampaignReturn, amount: Decimal, currency: str, on: dt.date) -> Decimal:
    try:
        return converter(amount, currency, on)
    except ValidationFailed:
        totals.missing_rates.add(f"{currency} {on.isoformat()}")
        return Decimal(0)


def window_end(campaign: Campaign, today: dt.date) -> dt.date:
    """The last day whose orders still count for the campaign."""
    ended = campaign.ends_on or max(campaign.starts_on, today)
    return ended + dt.timedelta(days=campaign.attribution_days)


def returns_of_campaigns(campaigns: Iterable[Campaign], *, today: dt.date | None = None) -> dict[int, CampaignReturn]:
    """Each campaign's cost, responses and the revenue of its responders' orders, by campaign id."""
    today = today or timezone.localdate()
    roots = {c.pk: c for c in campaigns}
    if not roots:
        return {}
    converter = Converter()
    found = {pk: CampaignReturn(pk, converter.base, window_end=window_end(c, today)) for pk, c in roots.items()}
    # A part counts in its own figures and in its main campaign's (parts go one level deep).
    counts_for: dict[int, list[int]] = {pk: [pk] for pk in roots}
    for part_pk, parent_pk in Campaign.objects.filter(parent_id__in=list(roots)).values_list("pk", "parent_id"):
        counts_for.setdefault(part_pk, []).append(parent_pk)
    members = list(counts_for)

    for campaign_id, currency, spent_on, amount in (
        CampaignCost.objects.filter(campaign_id__in=members)
        .order_by()
        .values_list("campaign_id", "currency", "spent_on")
        .annotate(amount=Sum("amount"))
    ):
        for root in counts_for[campaign_id]:
            found[root].cost += _converted(converter, found[root], amount, currency, spent_on)

    for campaign_id, responses, leads, converted in (
        CampaignResponse.objects.filter(campaign_id__in=members)
        .order_by()
        .values_list("campaign_id")
        .annotate(
            n=Count("id"),
            leads=Count("lead_id", distinct=True),
            converted=Count("lead_id", distinct=True, filter=Q(lead__status=LeadStatus.CONVERTED)),
        )
    ):
        for root in counts_for[campaign_id]:
            totals = found[root]
            totals.responses += responses
            totals.leads += leads
            totals.converted_leads += converted

    # Each responding company's first response to each main campaign: its orders count from that day.
    first_response: dict[tuple[int, int], dt.date] = {}
    for campaign_id, account_id, first in (
        CampaignResponse.objects.filter(campaign_id__in=members)
        .annotate(responder=RESPONDER)
        .filter(responder__isnull=False)
        .order_by()
        .values_list("campaign_id", "responder")
        .annotate(first=Min("responded_on"))
    ):
        for root in counts_for[campaign_id]:
            key = (root, account_id)
            first_response[key] = min(first, first_response.get(key, first))
            found[root].responders.add(account_id)
    if not first_response:
        return found

    accounts = {account_id for _root, account_id in first_response}
    earliest = min(first_response.values())
    latest = max(r.window_end for r in found.values() if r.window_end is not None)
    by_account: dict[int, list[tuple[dt.date, str, Decimal, int]]] = defaultdict(list)
    for account_id, ordered_on, currency, total, n in (
        Order.objects.filter(COUNTED_ORDERS, account_id__in=accounts, ordered_on__gte=earliest, ordered_on__lte=latest)
        .order_by()
        .values_list("account_id", "ordered_on", "currency")
        .annotate(total=Sum("grand_total"), n=Count("id"))
    ):
        by_account[account_id].append((ordered_on, currency, total, n))

    buyers: dict[int, set[int]] = defaultdict(set)
    for (root, account_id), since in first_response.items():
        totals = found[root]
        for ordered_on, currency, total, n in by_account.get(account_id, ()):
            if since <= ordered_on <= (totals.window_end or today):
                totals.revenue += _converted(converter, totals, total, currency, ordered_on)
                totals.orders += n
                buyers[root].add(account_id)
    for root, ordering in buyers.items():
        found[root].customers = len(ordering)
    return found


def return_of_campaign(campaign: Campaign, *, today: dt.date | None = None) -> CampaignReturn:
    return returns_of_campaigns([campaign], today=today)[campaign.pk]


@dataclass
class PeriodFigures:
    """Marketing's money and answers in a period: what was paid, who answered, and the period's campaigns' returns."""

    currency: str
    spend: Decimal
    responses: int
    responses_by_month: dict[str, int]
    campaigns: list[tuple[Campaign, CampaignReturn]]  # main campaigns that started in the period, the latest first
    missing_rates: set[str]

    @property
    def cost(self) -> Decimal:
        return sum((found.cost for _c, found in self.campaigns), Decimal(0))

    @property
    def revenue(self) -> Decimal:
        return sum((found.revenue for _c, found in self.campaigns), Decimal(0))

    @property
    def roi(self) -> Decimal | None:
        cost = self.cost
        return ((self.revenue - cost) / cost).quantize(Decimal("0.0001")) if cost else None


PERIOD_CAMPAIGNS = 50


def figures_for_period(*, start: dt.date, end: dt.date, today: dt.date | None = None) -> PeriodFigures:
    """Costs paid and responses received from ``start`` up to (not including) ``end``, and the returns of the main
    campaigns that started then (at most ``PERIOD_CAMPAIGNS``, the latest): the marketing dashboard's campaign figures."""
    converter = Converter()
    spend, missing = Decimal(0), set()
    for currency, spent_on, amount in (
        CampaignCost.objects.filter(spent_on__gte=start, spent_on__lt=end)
        .order_by()
        .values_list("currency", "spent_on")
        .annotate(amount=Sum("amount"))
    ):
        try:
            spend += converter(amount, currency, spent_on)
        except ValidationFailed:
            missing.add(f"{currency} {spent_on.isoformat()}")
    answered = CampaignResponse.objects.filter(responded_on__gte=start, responded_on__lt=end).order_by()
    by_month: dict[str, int] = defaultdict(int)
    for day, n in answered.values_list("responded_on").annotate(n=Count("id")):
        by_month[f"{day:%Y-%m}"] += n
    mains = list(
        Campaign.objects.filter(parent__isnull=True, starts_on__gte=start, starts_on__lt=end).order_by("-starts_on", "-id")[
            :PERIOD_CAMPAIGNS
        ]
    )
    found = returns_of_campaigns(mains, today=today)
    for totals in found.values():
        missing |= totals.missing_rates
    return PeriodFigures(
        currency=converter.base,
        spend=spend,
        responses=sum(by_month.values()),
        responses_by_month=dict(by_month),
        campaigns=[(c, found[c.pk]) for c in mains],
        missing_rates=missing,
    )

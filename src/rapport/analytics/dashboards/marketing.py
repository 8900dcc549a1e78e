"""The marketing dashboard, live: how many contacts marketing may reach on each channel (consent), the leads
coming in, by source and by month, and the campaigns: what was spent, who answered, and which of the
period's campaigns paid for themselves (``marketing.returns``). Campaigns are the company's, not a rep's:
their figures are the whole company's on every user's dashboard."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.analytics.dashboards import Chart, Dashboard, Period, Tile
from rapport.analytics.dashboards.service import period_bounds
from rapport.core import policies
from rapport.core.models import User
from rapport.customers.models import LeadStatus
from rapport.customers.selectors import contact_figures_for_user, lead_figures_for_user
from rapport.marketing.returns import figures_for_period
from rapport.sales.forecast import Converter

TOP_SOURCES = 10
TOP_CAMPAIGNS = 10


def _share(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def marketing_dashboard(*, user: User, period: Period) -> Dashboard:
    board = Dashboard("marketing", str(_("Marketing")), period, Converter().base, whole_base=policies.figures_q(user) is None)
    consent = (
        contact_figures_for_user(user=user)
        .order_by()
        .aggregate(
            contacts=Count("id"),
            email=Count("id", filter=Q(consent_email=True)),
            phone=Count("id", filter=Q(consent_phone=True)),
            letter=Count("id", filter=Q(consent_letter=True)),
        )
    )
    start, end = period_bounds(period)
    leads = lead_figures_for_user(user=user).filter(created_at__gte=start, created_at__lt=end).order_by()
    by_source = sorted(leads.values_list("source").annotate(n=Count("id")), key=lambda row: (-row[1], row[0]))
    by_month = {
        (timezone.localtime(month) if isinstance(month, dt.datetime) else month).strftime("%Y-%m"): n
        for month, n in leads.annotate(month=TruncMonth("created_at")).values_list("month").annotate(n=Count("id"))
    }
    campaigns = figures_for_period(start=period.start, end=period.end, today=period.today)
    roi = campaigns.roi
    new_leads = sum(n for _s, n in by_source)
    converted = leads.filter(status=LeadStatus.CONVERTED).count()
    total = consent["contacts"]
    channels = [("email", _("Email")), ("phone", _("Phone")), ("letter", _("Letter"))]
    board.tiles = [
        Tile("contacts", _("Contacts"), total, "", _("People at customers")),
        *(
            Tile(
                f"consent_{key}",
                _("May be reached by %(channel)s") % {"channel": str(label).lower()},
                _share(consent[key], total),
                "percent",
                _("%(n)d contacts consented") % {"n": consent[key]},
            )
            for key, label in channels
        ),
        Tile("new_leads", _("New leads"), new_leads, "", _("Created in the period")),
        Tile(
            "converted",
            _("Leads converted"),
            _share(converted, new_leads),
            "percent",
            _("%(n)d of the period's leads became customers") % {"n": converted},
        ),
        Tile("campaign_spend", _("Campaign spend"), float(campaigns.spend), "money", _("Costs paid in the period")),
        Tile("campaign_responses", _("Campaign responses"), campaigns.responses, "", _("Cards, registrations, replies...")),
        Tile(
            "campaign_return",
            _("Return on campaigns"),
            None if roi is None else round(float(roi) * 100, 1),
            "percent",
            _("Revenue from responders against cost, for the %(n)d campaigns started in the period") % {"n": len(campaigns.campaigns)},
        ),
    ]
    top_sources = by_source[:TOP_SOURCES]
    top = sorted(campaigns.campaigns, key=lambda pair: (-pair[1].cost, pair[0].starts_on))[:TOP_CAMPAIGNS]
    keys = [f"{m:%Y-%m}" for m in period.months()]
    board.charts = [
        Chart(
            "consent",
            _("Marketing reach by channel"),
            "bar",
            [str(label) for _k, label in channels],
            [{"name": _("Contacts who consented (%)"), "data": [_share(consent[k], total) for k, _l in channels]}],
            "percent",
        ),
        Chart(
            "leads_by_source",
            _("New leads by source"),
            "hbar",
            [source or str(_("(no source)")) for source, _n in top_sources],
            [{"name": _("Leads"), "data": [n for _s, n in top_sources]}],
        ),
        Chart("leads_by_month", _("New leads by month"), "line", keys, [{"name": _("Leads"), "data": [by_month.get(k, 0) for k in keys]}]),
        Chart(
            "campaign_returns",
            _("Campaigns: cost and revenue from responders"),
            "hbar",  # campaign names are long: read along the bars
            [campaign.name for campaign, _f in top],
            [
                {"name": _("Cost"), "data": [float(found.cost) for _c, found in top]},
                {"name": _("Revenue from responders"), "data": [float(found.revenue) for _c, found in top]},
            ],
            "money",
            note=_("The period's campaigns that cost the most; a campaign's parts count in it."),
        ),
        Chart(
            "responses_by_month",
            _("Campaign responses by month"),
            "line",
            keys,
            [{"name": _("Responses"), "data": [campaigns.responses_by_month.get(k, 0) for k in keys]}],
        ),
    ]
    if campaigns.missing_rates:
        board.pending = [
            _("Some campaign amounts are left out for want of an exchange rate: %(rates)s.")
            % {"rates": ", ".join(sorted(campaigns.missing_rates))}
        ]
    return board

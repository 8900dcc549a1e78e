"""The service dashboard, live: cases (opened, complaints, resolved in time, past due now), what the timeline
holds (contacts by channel and direction, by month) and the care calls of the churn loop. Satisfaction
arrives with the surveys."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.analytics.dashboards import Chart, Dashboard, Period, Tile
from rapport.analytics.models import CareTask, ChurnModelRun
from rapport.core import policies
from rapport.core.models import User
from rapport.customers.models import ActivityStatus, Channel, Direction
from rapport.customers.selectors import interaction_figures_for_user
from rapport.sales.forecast import Converter
from rapport.service.models import OPEN_STATUSES, Case, CaseKind, SatisfactionSurvey


def period_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes in the installation's time zone (start inclusive, end exclusive)."""
    return (
        timezone.make_aware(dt.datetime.combine(period.start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(period.end, dt.time.min)),
    )


def service_dashboard(*, user: User, period: Period) -> Dashboard:
    whole = policies.figures_q(user) is None
    board = Dashboard("service", str(_("Service")), period, Converter().base, whole_base=whole)
    start, end = period_bounds(period)
    # Rapport's own notes (a case opened, a contract renewed) are history, not contacts with the customer.
    contacts = (
        interaction_figures_for_user(user=user)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .exclude(channel=Channel.SYSTEM)
        .order_by()
    )
    by_channel = {(channel, direction): n for channel, direction, n in contacts.values_list("channel", "direction").annotate(n=Count("id"))}
    by_month = {
        (timezone.localtime(month).strftime("%Y-%m") if isinstance(month, dt.datetime) else month.strftime("%Y-%m"), direction): n
        for month, direction, n in contacts.annotate(month=TruncMonth("occurred_at"))
        .values_list("month", "direction")
        .annotate(n=Count("id"))
    }
    care = policies.restrict_figures(CareTask.objects.order_by(), user, prefix="account__").aggregate(
        planned=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        done=Count("id", filter=Q(activity__status=ActivityStatus.DONE, activity__completed_at__gte=start, activity__completed_at__lt=end)),
    )
    case_figures = policies.restrict_figures(Case.objects.order_by(), user, prefix="account__").aggregate(
        opened=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        complaints=Count("id", filter=Q(created_at__gte=start, created_at__lt=end, kind=CaseKind.COMPLAINT)),
        resolved=Count("id", filter=Q(resolved_at__gte=start, resolved_at__lt=end)),
        in_time=Count("id", filter=Q(resolved_at__gte=start, resolved_at__lt=end, resolved_at__lte=F("due_at"))),
        past_due=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())),
    )
    csat = policies.restrict_figures(SatisfactionSurvey.objects.order_by(), user, prefix="account__").aggregate(
        asked=Count("id", filter=Q(sent_at__gte=start, sent_at__lt=end)),
        answered=Count("id", filter=Q(answered_at__gte=start, answered_at__lt=end)),
        satisfied=Count("id", filter=Q(answered_at__gte=start, answered_at__lt=end, score__gte=4)),
    )
    run = ChurnModelRun.objects.order_by("-created_at", "-id").first() if whole else None
    inbound = sum(n for (_c, d), n in by_channel.items() if d == Direction.INBOUND)
    outbound = sum(n for (_c, d), n in by_channel.items() if d == Direction.OUTBOUND)
    resolved = case_figures["resolved"]
    board.tiles = [
        Tile("cases_opened", _("Cases opened"), case_figures["opened"], "", _("Questions, problems, complaints and requests")),
        Tile("complaints", _("Complaints"), case_figures["complaints"], "", _("Cases opened as complaints")),
        Tile(
            "resolved_in_time",
            _("Resolved in time"),
            round(case_figures["in_time"] * 100 / resolved, 1) if resolved else None,
            "percent",
            _("%(n)d cases resolved in the period") % {"n": resolved},
        ),
        Tile("past_due", _("Past due now"), case_figures["past_due"], "", _("Open cases past the time promised")),
        Tile(
            "csat",
            _("Satisfaction (CSAT)"),
            round(csat["satisfied"] * 100 / csat["answered"], 1) if csat["answered"] else None,
            "percent",
            _("Answers of 4 or 5 out of 5; %(n)d answers, %(asked)d asked by email") % {"n": csat["answered"], "asked": csat["asked"]},
        ),
        Tile("inbound", _("Inbound contacts"), inbound, "", _("Calls, emails, visits... from customers")),
        Tile("outbound", _("Outbound contacts"), outbound, "", _("Reaching out to customers")),
        Tile("care_planned", _("Care calls planned"), care["planned"], "", _("For valuable customers at churn risk")),
        Tile("care_done", _("Care calls done"), care["done"], "", _("Completed in the period")),
        Tile(
            "kept",
            _("Called customers who ordered again"),
            run.retained if run is not None and run.contacted else None,
            "",
            _("Of %(n)d called before the last churn run") % {"n": run.contacted}
            if run is not None and run.contacted
            else _("Shown with the whole base's figures after a churn run"),
        ),
    ]
    contacted = [c for c in Channel if c != Channel.SYSTEM]
    channels = [c for c in contacted if by_channel.get((c.value, Direction.INBOUND)) or by_channel.get((c.value, Direction.OUTBOUND))]
    keys = [f"{m:%Y-%m}" for m in period.months()]
    board.charts = [
        Chart(
            "by_channel",
            _("Contacts by channel"),
            "hbar",
            [str(c.label) for c in channels],
            [
                {"name": str(d.label), "stack": "direction", "data": [by_channel.get((c.value, d.value), 0) for c in channels]}
                for d in Direction
            ],
        ),
        Chart(
            "by_month",
            _("Contacts by month"),
            "line",
            keys,
            [{"name": str(d.label), "data": [by_month.get((k, d.value), 0) for k in keys]} for d in Direction],
        ),
    ]
    return board

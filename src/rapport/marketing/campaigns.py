"""Campaigns and their costs: the reads everyone signed in may make, and the writes of those who run campaigns.

A campaign is not customer data: every user reads the list (the rep wants to know what the exhibition was).
Planning one, changing it, booking its costs and recording its outcome belong to marketers, sales managers and
administrators. A change applies only to the version the client read (``save_if_version``). A campaign may sit
under another (a lecture booked at an exhibition) one level deep, so the exhibition's return holds the lecture's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.common.concurrency import save_if_version
from rapport.common.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.common.ninja import is_id
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.activities import activity_cancel, activity_create, activity_update
from rapport.customers.models import Activity, ActivityKind, ActivityStatus
from rapport.customers.validation import Errors, clean_choice, clean_date, clean_positive_int, clean_text
from rapport.marketing.models import Campaign, CampaignCost, CampaignKind, CampaignStatus
from rapport.sales.services import clean_amount, clean_currency

EDITABLE = frozenset(
    {
        "name",
        "kind",
        "status",
        "parent_id",
        "description",
        "audience",
        "starts_on",
        "ends_on",
        "currency",
        "budget",
        "goal_minimum",
        "goal_stretch",
        "attribution_days",
        "outcome",
        "run_by_id",
    }
)
# Campaigns that are a day (or days) people attend: whoever runs one finds it as a meeting on their list.
HELD_ON_A_DAY = (CampaignKind.EXHIBITION, CampaignKind.LECTURE, CampaignKind.EVENT)
DAY_STARTS, DAY_ENDS = time(9), time(17)
REQUIRED = ("name", "starts_on", "currency")
MAX_ATTRIBUTION_DAYS = 1095
FILTER_STATUSES = ("current", *CampaignStatus.values, "all")


# -- reads ------------------------------------------------------------------------------


def campaign_list_for_user(*, user: User) -> QuerySet[Campaign]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Campaign.objects.none()
    return Campaign.objects.all()


def campaign_get_for_user(*, user: User, campaign_id: int) -> Campaign:
    found = campaign_list_for_user(user=user).select_related("parent", "owner", "team", "run_by").filter(pk=campaign_id).first()
    if found is None:
        raise NotFound("No such campaign.")
    return found


def parts_of(campaign: Campaign) -> list[Campaign]:
    """The campaigns run as part of this one (the lectures booked at an exhibition), in date order."""
    return list(campaign.children.order_by("starts_on", "id"))


def costs_of(campaign: Campaign) -> list[CampaignCost]:
    return list(campaign.costs.select_related("recorded_by").order_by("spent_on", "id")[:500])


@dataclass(frozen=True)
class CampaignFilter:
    """The campaign list's filters, as the page and the API take them."""

    status: str = "all"  # all, current (planned and running), or one status
    kind: str = ""
    year: int | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CampaignFilter:
        errors = Errors()
        status = clean_choice(params, "status", FILTER_STATUSES, errors=errors, default="all")
        kind = clean_choice(params, "kind", CampaignKind.values, errors=errors)
        year = None
        raw_year = params.get("year")
        if raw_year not in (None, ""):
            if not str(raw_year).isdigit() or not 1900 <= int(str(raw_year)) <= 2999:
                errors.add("year", "Must be a year such as 2026.")
            else:
                year = int(str(raw_year))
        errors.raise_if_any()
        return cls(status=status, kind=kind, year=year, q=str(params.get("q") or "").strip()[:100])

    def apply(self, campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
        if self.status == "current":
            campaigns = campaigns.filter(status__in=(CampaignStatus.PLANNED, CampaignStatus.RUNNING))
        elif self.status != "all":
            campaigns = campaigns.filter(status=self.status)
        if self.kind:
            campaigns = campaigns.filter(kind=self.kind)
        if self.year is not None:
            campaigns = campaigns.filter(starts_on__gte=date(self.year, 1, 1), starts_on__lt=date(self.year + 1, 1, 1))
        if self.q:
            campaigns = campaigns.filter(Q(name__icontains=self.q) | Q(audience__icontains=self.q))
        return campaigns


# -- checking input ---------------------------------------------------------------------


def _clean_parent(data: Mapping[str, Any], current: Campaign | None, errors: Errors) -> int | None:
    raw = data["parent_id"]
    if raw in (None, ""):
        return None
    parent = Campaign.objects.filter(pk=int(str(raw))).first() if is_id(raw) else None
    if parent is None:
        errors.add("parent_id", f"No such campaign: {raw}.")
        return None
    if current is not None and parent.pk == current.pk:
        errors.add("parent_id", "A campaign cannot be part of itself.")
    elif parent.parent_id is not None:
        errors.add("parent_id", "Choose a main campaign: parts go one level deep.")
    elif current is not None and current.children.exists():
        errors.add("parent_id", "This campaign has parts of its own, so it cannot be part of another.")
    return parent.pk


def _clean(data: Mapping[str, Any], *, current: Campaign | None) -> dict[str, Any]:
    errors = Errors()
    for key in data:
        if key not in EDITABLE:
            errors.add(key, "This field is set by the server and cannot be changed." if hasattr(Campaign, key) else "Unknown field.")
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = clean_text(data["name"], field="name", max_length=200, errors=errors, required=True)
    for name, limit in (("description", 20_000), ("audience", 255), ("outcome", 20_000)):
        if name in data:
            values[name] = clean_text(data[name], field=name, max_length=limit, errors=errors)
    for name, choices in (("kind", CampaignKind), ("status", CampaignStatus)):
        if name in data:
            if data[name] not in choices.values:
                errors.add(name, f"Choose one of {', '.join(choices.values)}.")
            else:
                values[name] = data[name]
    if "parent_id" in data:
        values["parent_id"] = _clean_parent(data, current, errors)
    if "run_by_id" in data:
        raw = data["run_by_id"]
        found = User.objects.filter(pk=int(str(raw)), is_active=True).first() if is_id(raw) else None
        if raw not in (None, "") and found is None:
            errors.add("run_by_id", f"No such user: {raw}.")
        values["run_by_id"] = found.pk if found is not None else None
    for name in ("starts_on", "ends_on"):
        if name in data:
            values[name] = clean_date(data[name], field=name, errors=errors)
    if "starts_on" in data and values.get("starts_on") is None and "starts_on" not in errors.fields:
        errors.add("starts_on", "This field is required.")
    if "currency" in data:
        values["currency"] = clean_currency(data["currency"], errors=errors)
    currency = values.get("currency", current.currency if current else None)
    if "budget" in data:
        values["budget"] = (
            Decimal(0) if data["budget"] in (None, "") else clean_amount(data["budget"], field="budget", errors=errors, currency=currency)
        )
    for name in ("goal_minimum", "goal_stretch"):
        if name in data:
            values[name] = clean_positive_int(data[name], field=name, errors=errors)
    if "attribution_days" in data:
        days = clean_positive_int(data["attribution_days"], field="attribution_days", errors=errors)
        if days is None and "attribution_days" not in errors.fields:
            errors.add("attribution_days", "This field is required.")
        elif days is not None and days > MAX_ATTRIBUTION_DAYS:
            errors.add("attribution_days", f"At most {MAX_ATTRIBUTION_DAYS} days (three years).")
        values["attribution_days"] = days
    starts = values.get("starts_on", current.starts_on if current else None)
    ends = values.get("ends_on", current.ends_on if current else None)
    if starts and ends and ends < starts and "ends_on" not in errors.fields:
        errors.add("ends_on", "Must be on or after the start.")
    low = values.get("goal_minimum", current.goal_minimum if current else None)
    high = values.get("goal_stretch", current.goal_stretch if current else None)
    if low is not None and high is not None and high < low and "goal_stretch" not in errors.fields:
        errors.add("goal_stretch", "Must be at least the minimum goal.")
    errors.raise_if_any()
    return values


def _snapshot(campaign: Campaign) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in sorted(EDITABLE)}


def require_campaign_runner(actor: User) -> None:
    if not policies.can_run_campaigns(actor):
        raise PermissionDenied("Marketers and sales managers run campaigns; your role reads them.")


# -- writes -----------------------------------------------------------------------------


def campaign_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Campaign:
    """A campaign owned by the actor; nothing is stored unless every field is valid."""
    require_campaign_runner(actor)
    missing = {name: ["This field is required."] for name in REQUIRED if data.get(name) in (None, "")}
    try:
        values = _clean({k: v for k, v in data.items() if k not in missing}, current=None)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field_errors={**missing, **exc.field_errors}) from None
    if missing:
        raise ValidationFailed(f"{next(iter(missing))}: This field is required.", field_errors=missing)
    with transaction.atomic():
        campaign = Campaign.objects.create(owner=actor, team_id=actor.team_id, **values)
        audit_record(actor=actor, action=AuditAction.CREATE, record=campaign, changes=diff({}, _snapshot(campaign)), via=via)
        book_the_day(actor=actor, campaign=campaign, via=via)
    return campaign


def campaign_update(
    *, actor: User, campaign: Campaign, data: Mapping[str, Any], expected_version: int | None, via: str = "web"
) -> Campaign:
    """Change the fields given if ``expected_version`` is still the stored one (else 412, nothing written)."""
    require_campaign_runner(actor)
    values = _clean(data, current=campaign)
    before = _snapshot(campaign)
    with transaction.atomic():
        save_if_version(campaign, expected_version=expected_version, fields=values)
        changes = diff(before, _snapshot(campaign))
        audit_record(actor=actor, action=AuditAction.UPDATE, record=campaign, changes=changes, via=via)
        if changes.keys() & {"kind", "status", "starts_on", "ends_on", "run_by_id", "name"}:
            book_the_day(actor=actor, campaign=campaign, via=via)
    return campaign


def the_day_of(campaign: Campaign) -> Activity | None:
    """The meeting booked for whoever runs the campaign's day, while it is still to come."""
    return Activity.objects.filter(concerns=f"marketing.campaign:{campaign.pk}", status=ActivityStatus.OPEN).first()


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def book_the_day(*, actor: User, campaign: Campaign, via: str = "web") -> Activity | None:
    """Put a lecture's (exhibition's, event's) day on the list of whoever runs it, as a meeting with the campaign's
    owner attending and a reminder the day before; move it when the dates or the person change; cancel it when the
    campaign is cancelled. One open meeting per campaign."""
    booked = the_day_of(campaign)
    runner = User.objects.filter(pk=campaign.run_by_id).first() if campaign.run_by_id is not None else None
    if runner is None or campaign.kind not in HELD_ON_A_DAY or campaign.status not in (CampaignStatus.PLANNED, CampaignStatus.RUNNING):
        if booked is not None:
            activity_cancel(actor=actor, activity=booked, via=via)
        return None
    # 9:00 to 17:00 where the person who runs the day works.
    zone = _zone(runner.time_zone)
    starts = timezone.make_aware(datetime.combine(campaign.starts_on, DAY_STARTS), zone)
    data: dict[str, Any] = {
        "subject": f"{CampaignKind(campaign.kind).label}: {campaign.name}"[:255],
        "due_at": starts,
        "ends_at": timezone.make_aware(datetime.combine(campaign.ends_on or campaign.starts_on, DAY_ENDS), zone),
        "reminder_at": starts - timedelta(days=1),
        "owner_id": campaign.run_by_id,
        "attendee_ids": [campaign.owner_id] if campaign.owner_id != campaign.run_by_id else [],
    }
    if booked is None:
        return activity_create(
            actor=actor,
            kind=ActivityKind.MEETING,
            details=campaign.audience,
            concerns=f"marketing.campaign:{campaign.pk}",
            via=via,
            **data,
        )
    return activity_update(actor=actor, activity=booked, data=data, expected_version=None, via=via)


def campaign_cost_add(*, actor: User, campaign: Campaign, data: Mapping[str, Any], via: str = "web") -> CampaignCost:
    """Book money paid for the campaign, in the currency it was paid in (the return converts it)."""
    require_campaign_runner(actor)
    errors = Errors()
    for key in data:
        if key not in ("description", "spent_on", "amount", "currency"):
            errors.add(key, "Unknown field.")
    description = clean_text(data.get("description"), field="description", max_length=200, errors=errors, required=True)
    spent_on = clean_date(data.get("spent_on"), field="spent_on", errors=errors)
    if spent_on is None and "spent_on" not in errors.fields:
        errors.add("spent_on", "This field is required.")
    currency = clean_currency(data.get("currency") or campaign.currency, errors=errors)
    amount = clean_amount(data.get("amount"), field="amount", errors=errors, currency=currency, positive=True)
    errors.raise_if_any()
    assert spent_on is not None and amount is not None  # else an error was raised above
    with transaction.atomic():
        cost = CampaignCost.objects.create(
            campaign=campaign, description=description, spent_on=spent_on, amount=amount, currency=currency, recorded_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=campaign,
            changes={"cost": [None, f"{description}: {amount} {currency} ({spent_on})"]},
            via=via,
        )
    return cost


def campaign_cost_remove(*, actor: User, campaign: Campaign, cost_id: int, via: str = "web") -> None:
    """Take back a cost booked by mistake; the audit log keeps what it was."""
    require_campaign_runner(actor)
    cost = campaign.costs.filter(pk=cost_id).first()
    if cost is None:
        raise NotFound("No such cost on this campaign.")
    with transaction.atomic():
        cost.delete()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=campaign,
            changes={"cost": [f"{cost.description}: {cost.amount} {cost.currency} ({cost.spent_on})", None]},
            via=via,
        )

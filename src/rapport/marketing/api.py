"""Campaigns over REST: the list with each campaign's return, one campaign, planning and changing it, its costs
and its responses.

Everyone signed in reads campaigns and their figures; marketers, sales managers and administrators plan them and
book costs; anyone but an analyst records a response about a person they can see. A change carries the version
read (or If-Match): a stale one gets 412 with nothing written.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.ninja import Id, OptionalId, expected_version
from rapport.common.pagination import keyset_page
from rapport.core.selectors import actor_of
from rapport.marketing import campaigns, responses
from rapport.marketing.models import Campaign, CampaignCost, CampaignResponse
from rapport.marketing.returns import CampaignReturn, return_of_campaign, returns_of_campaigns

router = Router(tags=["marketing: campaigns"])

KINDS = "exhibition, lecture, email, letter, telemarketing, online, event or other"
STATUSES = "planned, running, completed or cancelled"
RESPONSE_KINDS = "card, registered, attended, replied, asked, clicked or other"


class CampaignIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    kind: str = Field("other", description=KINDS)
    status: str = Field("planned", description=STATUSES)
    parent_id: OptionalId = Field(None, description="The main campaign this one is part of (a lecture at an exhibition)")
    run_by_id: OptionalId = Field(None, description="Who runs a lecture's, exhibition's or event's day: a meeting on their list")
    description: str = Field("", max_length=20000)
    audience: str = Field("", max_length=255, description="Who it is for")
    starts_on: date
    ends_on: date | None = None
    currency: str = Field(max_length=3, description="ISO 4217 code of the budget")
    budget: Decimal = Field(Decimal(0), ge=0, max_digits=18, decimal_places=2)
    goal_minimum: int | None = Field(None, ge=0, le=2_147_483_647, description="Responses it must reach")
    goal_stretch: int | None = Field(None, ge=0, le=2_147_483_647, description="Responses it hopes to reach")
    attribution_days: int = Field(180, ge=0, le=1095, description="Days after the end that responders' orders still count")
    outcome: str = Field("", max_length=20000)


class CampaignPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    kind: str | None = Field(None, description=KINDS)
    status: str | None = Field(None, description=STATUSES)
    parent_id: OptionalId = None
    run_by_id: OptionalId = None
    description: str | None = Field(None, max_length=20000)
    audience: str | None = Field(None, max_length=255)
    starts_on: date | None = None
    ends_on: date | None = None
    currency: str | None = Field(None, max_length=3)
    budget: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    goal_minimum: int | None = Field(None, ge=0, le=2_147_483_647)
    goal_stretch: int | None = Field(None, ge=0, le=2_147_483_647)
    attribution_days: int | None = Field(None, ge=0, le=1095)
    outcome: str | None = Field(None, max_length=20000, description="What came of it, recorded afterwards")
    version: int | None = Field(None, description="The version you read (or send If-Match)")


class CampaignFiguresOut(Schema):
    currency: str = Field(description="The base currency every figure is converted to")
    cost: Decimal
    revenue: Decimal = Field(description="Orders of the responders' companies from their first response to the window's end")
    roi: Decimal | None = Field(description="(revenue - cost) / cost; null while nothing is spent")
    paid_for_itself: bool | None
    responses: int
    leads: int
    converted_leads: int
    customers: int = Field(description="Responders' companies that ordered in the window")
    orders: int
    window_end: date | None = Field(description="Orders placed after this day no longer count")
    missing_rates: list[str] = Field(description="Currency and day of amounts left out for want of an exchange rate")


class CampaignOut(Schema):
    id: int
    version: int
    name: str
    kind: str
    status: str
    parent_id: int | None
    description: str
    audience: str
    starts_on: date
    ends_on: date | None
    currency: str
    budget: Decimal
    goal_minimum: int | None
    goal_stretch: int | None
    attribution_days: int
    outcome: str
    owner_id: int
    team_id: int | None
    run_by_id: int | None
    created_at: datetime
    updated_at: datetime
    figures: CampaignFiguresOut | None = Field(None, description="Cost, responses, revenue and return (with the campaign's parts)")


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignParams(Schema):
    status: str | None = Field(None, max_length=10, description="all (the default), current (planned and running), or one status")
    kind: str | None = Field(None, max_length=14)
    year: int | None = Field(None, ge=1900, le=2999, description="Campaigns starting in this year")
    q: str | None = Field(None, max_length=100, description="Part of the name or audience")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class CampaignCostIn(Schema):
    model_config = ConfigDict(extra="forbid")
    description: str = Field(max_length=200)
    spent_on: date
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, max_length=3, description="The currency it was paid in; the campaign's when left out")


class CampaignCostOut(Schema):
    id: int
    description: str
    spent_on: date
    amount: Decimal
    currency: str
    recorded_by_id: int
    created_at: datetime


class CampaignResponseIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field("replied", description=RESPONSE_KINDS)
    responded_on: date | None = Field(None, description="Today when left out")
    lead_id: OptionalId = None
    contact_id: OptionalId = None
    account_id: OptionalId = Field(None, description="Name exactly one of lead_id, contact_id and account_id")
    note: str = Field("", max_length=500)


class CampaignResponseOut(Schema):
    id: int
    campaign_id: int
    kind: str
    responded_on: date
    lead_id: int | None
    contact_id: int | None
    account_id: int | None
    note: str
    recorded_by_id: int
    created_at: datetime


class CampaignResponsePage(Schema):
    items: list[CampaignResponseOut]
    next_cursor: str | None


class CampaignResponseParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _figures(found: CampaignReturn) -> dict[str, Any]:
    return {
        "currency": found.currency,
        "cost": found.cost,
        "revenue": found.revenue,
        "roi": found.roi,
        "paid_for_itself": found.paid_for_itself,
        "responses": found.responses,
        "leads": found.leads,
        "converted_leads": found.converted_leads,
        "customers": found.customers,
        "orders": found.orders,
        "window_end": found.window_end,
        "missing_rates": sorted(found.missing_rates),
    }


def _with_figures(campaign: Campaign, found: CampaignReturn | None = None) -> Campaign:
    campaign.figures = _figures(found or return_of_campaign(campaign))  # type: ignore[attr-defined]
    return campaign


def _visible(request: HttpRequest, campaign_id: int) -> tuple[Any, Campaign]:
    user = actor_of(request)
    return user, campaigns.campaign_get_for_user(user=user, campaign_id=campaign_id)


@router.get("/campaigns", response=CampaignPage, summary="Campaigns, the latest start first, each with its cost and return")
def list_campaigns(request: HttpRequest, params: Query[CampaignParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    user = actor_of(request)
    found = campaigns.CampaignFilter.from_params(params.model_dump()).apply(campaigns.campaign_list_for_user(user=user))
    page = keyset_page(found, sort="-starts_on", cursor=params.cursor, limit=params.limit)
    figures = returns_of_campaigns(page.items)
    return {"items": [_with_figures(c, figures[c.pk]) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/campaigns", response={201: CampaignOut}, summary="Plan a campaign (owned by you)")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[Any]:
    user = actor_of(request)
    created = campaigns.campaign_create(actor=user, data=payload.model_dump(), via="api")
    return Status(201, _with_figures(campaigns.campaign_get_for_user(user=user, campaign_id=created.pk)))


@router.get("/campaigns/{campaign_id}", response=CampaignOut, summary="One campaign with its figures")
def get_campaign(request: HttpRequest, campaign_id: Id) -> Any:
    return _with_figures(_visible(request, campaign_id)[1])


@router.patch("/campaigns/{campaign_id}", response=CampaignOut, summary="Change a campaign (If-Match or version: a stale one gets 412)")
def update_campaign(request: HttpRequest, campaign_id: Id, payload: CampaignPatch) -> Any:
    user, campaign = _visible(request, campaign_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    return _with_figures(campaigns.campaign_update(actor=user, campaign=campaign, data=data, expected_version=version, via="api"))


@router.get("/campaigns/{campaign_id}/costs", response=list[CampaignCostOut], summary="The costs booked on a campaign, by date")
def list_costs(request: HttpRequest, campaign_id: Id) -> list[CampaignCost]:
    return campaigns.costs_of(_visible(request, campaign_id)[1])


@router.post("/campaigns/{campaign_id}/costs", response={201: CampaignCostOut}, summary="Book money paid for a campaign")
def add_cost(request: HttpRequest, campaign_id: Id, payload: CampaignCostIn) -> Status[CampaignCost]:
    user, campaign = _visible(request, campaign_id)
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    return Status(201, campaigns.campaign_cost_add(actor=user, campaign=campaign, data=data, via="api"))


@router.delete("/campaigns/{campaign_id}/costs/{cost_id}", response={204: None}, summary="Take back a cost booked by mistake")
def remove_cost(request: HttpRequest, campaign_id: Id, cost_id: Id) -> Status[None]:
    user, campaign = _visible(request, campaign_id)
    campaigns.campaign_cost_remove(actor=user, campaign=campaign, cost_id=cost_id, via="api")
    return Status(204, None)


@router.get("/campaigns/{campaign_id}/responses", response=CampaignResponsePage, summary="Who answered, newest first (people you may see)")
def list_responses(request: HttpRequest, campaign_id: Id, params: Query[CampaignResponseParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    user, campaign = _visible(request, campaign_id)
    found = responses.responses_of_campaign(user=user, campaign=campaign)
    page = keyset_page(found, sort="-responded_on", cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/campaigns/{campaign_id}/responses",
    response={201: CampaignResponseOut},
    summary="Record a person's response (409 when recorded already)",
)
def add_response(request: HttpRequest, campaign_id: Id, payload: CampaignResponseIn) -> Status[CampaignResponse]:
    user, campaign = _visible(request, campaign_id)
    data = {k: v for k, v in payload.model_dump().items() if v not in (None, "")}
    return Status(201, responses.response_record(actor=user, campaign=campaign, data=data, via="api"))


@router.delete("/campaigns/{campaign_id}/responses/{response_id}", response={204: None}, summary="Take back a response recorded by mistake")
def remove_response(request: HttpRequest, campaign_id: Id, response_id: Id) -> Status[None]:
    user, campaign = _visible(request, campaign_id)
    found = responses.response_get(user=user, campaign=campaign, response_id=response_id)
    responses.response_remove(actor=user, campaign=campaign, response=found, via="api")
    return Status(204, None)

"""Lead assignment rules, re-routing and lead conversion over REST.

Everyone signed in may read the rules (they say where leads go); only
administrators change them. A lead is converted by someone who may edit it;
a lead the caller cannot see is a 404.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.errors import NotFound
from rapport.common.ninja import Id, OptionalId
from rapport.core.selectors import actor_of
from rapport.customers.selectors import lead_get_for_user
from rapport.sales import assignment
from rapport.sales.conversion import lead_convert

router = Router(tags=["lead routing"])


class ConditionSchema(Schema):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(description="industry, region, country, source, company_size or custom.<key>")
    operator: Literal["equals", "in", "startswith", "between", "gte", "lte"]
    value: str | int | float | list[str | int | float] = Field(description="A list for in (any of) and between (low, high)")


class AssignmentRuleIn(Schema):
    """Every field optional so that PATCH sends only what changes; create needs a name and a user or a team."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=120)
    is_active: bool | None = None
    conditions: list[ConditionSchema] | None = Field(None, max_length=20, description="All must hold; none means every lead")
    owner_id: OptionalId = Field(None, description="Give matching leads to this user…")
    team_id: OptionalId = Field(None, description="…or spread them over this team's sales reps and managers")
    distribution: Literal["round_robin", "least_loaded"] | None = None
    create_follow_up: bool | None = Field(None, description="Put a follow-up to-do on the new owner's list")
    follow_up_hours: int | None = Field(None, ge=0, le=2160)


class AssignmentRuleOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    conditions: list[dict[str, Any]]
    owner_id: int | None
    team_id: int | None
    distribution: str
    create_follow_up: bool
    follow_up_hours: int
    created_at: Any
    updated_at: Any


class ReorderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    rule_ids: list[Id] = Field(max_length=1000, description="Every rule's id, in the new order")


class SampleLeadIn(Schema):
    model_config = ConfigDict(extra="forbid")
    industry: str | None = Field(None, max_length=80)
    region: str | None = Field(None, max_length=80)
    country: str | None = Field(None, max_length=2)
    source: str | None = Field(None, max_length=80)
    company_size: int | None = Field(None, ge=0, le=2**31 - 1)
    custom: dict[str, str | int | float] | None = None


class RuleFiredOut(Schema):
    rule_id: int | None = Field(description="The rule that would fire; null when none matches (the creator keeps the lead)")
    rule_name: str | None


class RerouteOut(Schema):
    routed: int
    unmatched: int
    by_rule: dict[str, int]


class LeadConvertIn(Schema):
    model_config = ConfigDict(extra="forbid")
    create_opportunity: bool = False
    opportunity_name: str | None = Field(None, max_length=200, description="The company's name when left out")
    pipeline_id: OptionalId = Field(None, description="The default pipeline when left out")
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, max_length=3)
    close_date: date | None = Field(None, description="Expected close date (90 days from today when left out)")
    account_id: OptionalId = Field(None, description="Attach to this account instead of finding one by the company's name")


class LeadConvertOut(Schema):
    lead_id: int
    account_id: int | None
    account_created: bool
    contact_id: int
    contact_created: bool
    opportunity_id: int | None
    interactions_moved: int


def _rule(request: HttpRequest, rule_id: Id) -> Any:
    found = assignment.assignment_rule_list().filter(pk=rule_id).first()
    if found is None:
        raise NotFound("No such assignment rule.")
    return found


@router.get("/assignment-rules", response=list[AssignmentRuleOut], summary="Lead assignment rules, in the order they are tried")
def list_rules(request: HttpRequest) -> list[Any]:
    return list(assignment.assignment_rule_list()[:1000])


@router.post("/assignment-rules", response={201: AssignmentRuleOut}, summary="Add an assignment rule at the end (administrators)")
def create_rule(request: HttpRequest, payload: AssignmentRuleIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    return Status(201, assignment.assignment_rule_create(actor=actor_of(request), data=data, via="api"))


@router.post("/assignment-rules/reorder", response=list[AssignmentRuleOut], summary="Put the rules in a new order (administrators)")
def reorder_rules(request: HttpRequest, payload: ReorderIn) -> list[Any]:
    return assignment.assignment_rule_reorder(actor=actor_of(request), rule_ids=payload.rule_ids, via="api")


@router.post("/assignment-rules/test", response=RuleFiredOut, summary="Which rule would fire for a lead like this (administrators)")
def test_rules(request: HttpRequest, payload: SampleLeadIn) -> dict[str, Any]:
    fired = assignment.rule_for_sample(user=actor_of(request), sample=payload.model_dump())
    return {"rule_id": fired.id if fired else None, "rule_name": fired.name if fired else None}


@router.get("/assignment-rules/{int:rule_id}", response=AssignmentRuleOut, summary="Get one assignment rule")
def get_rule(request: HttpRequest, rule_id: Id) -> Any:
    return _rule(request, rule_id)


@router.patch("/assignment-rules/{int:rule_id}", response=AssignmentRuleOut, summary="Change an assignment rule (administrators)")
def update_rule(request: HttpRequest, rule_id: int, payload: AssignmentRuleIn) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return assignment.assignment_rule_update(actor=actor_of(request), rule=_rule(request, rule_id), data=data, via="api")


@router.delete("/assignment-rules/{int:rule_id}", response={204: None}, summary="Delete an assignment rule (administrators)")
def delete_rule(request: HttpRequest, rule_id: Id) -> Status[None]:
    assignment.assignment_rule_delete(actor=actor_of(request), rule=_rule(request, rule_id), via="api")
    return Status(204, None)


@router.post(
    "/assignment-rules/apply",
    response=RerouteOut,
    summary="Route the new leads no rule has routed yet by the rules as they are now (administrators and sales managers)",
)
def reroute_leads(request: HttpRequest) -> Any:
    return assignment.leads_reroute(actor=actor_of(request), via="api")


@router.post(
    "/leads/{int:lead_id}/convert",
    response=LeadConvertOut,
    summary="Convert a lead into an account, a contact and optionally an opportunity",
    description="Reuses an account with the same company name and a contact with the same email or phone; "
    "moves the lead's timeline onto them. Converting a lead twice is a 409.",
)
def convert_lead(request: HttpRequest, lead_id: Id, payload: LeadConvertIn) -> dict[str, Any]:
    user = actor_of(request)
    lead = lead_get_for_user(user=user, lead_id=lead_id)
    result = lead_convert(actor=user, lead=lead, via="api", **payload.model_dump())
    return {
        "lead_id": result.lead.pk,
        "account_id": result.account.pk if result.account else None,
        "account_created": result.account_created,
        "contact_id": result.contact.pk,
        "contact_created": result.contact_created,
        "opportunity_id": result.opportunity.pk if result.opportunity else None,
        "interactions_moved": result.interactions_moved,
    }

"""API shapes for pipelines, opportunities and what hangs off them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int = Field(description="Chance of winning a deal in this stage, 0-100")
    is_won: bool
    is_lost: bool
    is_archived: bool = Field(description="Takes no deals; kept for the history that names it")


class PipelineOut(Schema):
    id: int
    name: str
    kind: str = Field(description="new_business, renewal or channel")
    is_default: bool
    is_archived: bool = Field(description="Takes no new deals and is not on the board")
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class OpportunityIn(Schema):
    """Every field optional so that PATCH sends only what changes; create needs name, account_id, expected_close_date."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    account_id: int | None = None
    primary_contact_id: int | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, max_length=3, description="ISO 4217; the base currency when left out")
    expected_close_date: date | None = None
    pipeline_id: int | None = Field(None, description="Create only: the default pipeline when left out")
    stage_id: int | None = Field(None, description="Create only: the pipeline's first open stage when left out")
    forecast_category: str | None = Field(None, description="pipeline, best_case, commit or omitted while open")
    owner_id: int | None = None
    team_id: int | None = None
    shared_with_team: bool | None = None
    partner_id: int | None = Field(None, description="The partner account that registered the deal (channel sales)")
    partner_share: Decimal | None = Field(None, ge=0, le=100, description="The partner's share in per cent")
    source: str | None = Field(None, max_length=80)
    next_step: str | None = Field(None, max_length=255)
    lost_reason: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)
    version: int | None = Field(None, description="For PATCH: the version you read; a stale one gets 409")


class OpportunityOut(Schema):
    id: int
    version: int
    name: str
    account_id: int
    account_name: str
    primary_contact_id: int | None
    amount: Decimal
    currency: str
    expected_close_date: date
    pipeline_id: int
    stage_id: int
    stage_name: str
    probability: int
    status: str = Field(description="open, won or lost")
    forecast_category: str
    stage_entered_at: datetime
    closed_at: datetime | None
    owner_id: int
    team_id: int | None
    shared_with_team: bool
    partner_id: int | None
    partner_share: Decimal | None
    source: str
    next_step: str
    lost_reason: str
    description: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_name(obj: Any) -> str:
        return obj.account.name

    @staticmethod
    def resolve_stage_name(obj: Any) -> str:
        return obj.stage.name

    @staticmethod
    def resolve_probability(obj: Any) -> int:
        return int(obj.stage.probability)


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    next_cursor: str | None


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    stage_id: int
    version: int | None = Field(None, description="The version you read (or send If-Match); a stale one gets 409/412")
    lost_reason: str | None = Field(None, max_length=200, description="Required when moving to a lost stage")
    closed_on: date | None = Field(None, description="For a won or lost stage: the day it closed (today when left out)")


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    at: datetime
    by_id: int | None
    seconds_in_previous: int | None
    amount: Decimal
    currency: str


class SalesCostIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="travel, samples, demo, entertainment or other")
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str = Field(max_length=3)
    incurred_on: date
    note: str = Field("", max_length=255)


class SalesCostOut(Schema):
    id: int
    kind: str
    amount: Decimal
    currency: str
    incurred_on: date
    note: str
    recorded_by_id: int | None
    created_at: datetime


class OpportunityContactIn(Schema):
    model_config = ConfigDict(extra="forbid")
    contact_id: int
    role: str = Field("other", description="decision_maker, economic_buyer, technical_buyer, influencer, champion, user or other")


class OpportunityContactOut(Schema):
    id: int
    contact_id: int
    full_name: str
    role: str

    @staticmethod
    def resolve_full_name(obj: Any) -> str:
        return obj.contact.full_name


class CompetitorIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=120)
    website: str = Field("", max_length=200)
    strengths: str = Field("", max_length=20000)
    weaknesses: str = Field("", max_length=20000)


class CompetitorOut(Schema):
    id: int
    name: str
    website: str
    strengths: str
    weaknesses: str


class OpportunityCompetitorIn(Schema):
    model_config = ConfigDict(extra="forbid")
    competitor_id: int
    notes: str = Field("", max_length=20000)


class OpportunityCompetitorOut(Schema):
    id: int
    competitor_id: int
    name: str
    notes: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.competitor.name


class ForecastRowOut(Schema):
    period: str = Field(description="2026-03 or 2026-Q1")
    period_start: date
    group_id: int | None
    group_name: str
    closed_won: Decimal
    commit: Decimal = Field(description="Open deals in category commit or in a stage of 80% or more")
    best_case: Decimal = Field(description="Commit plus the open deals in category best case")
    pipeline: Decimal = Field(description="Every open deal not omitted")
    weighted: Decimal = Field(description="Sum of amount x stage probability")
    quota: Decimal | None
    attainment: Decimal | None = Field(description="Closed won as a % of quota")
    open_count: int
    won_count: int


class ForecastOut(Schema):
    period: str
    group_by: str
    currency: str = Field(description="The base currency every amount is converted to")
    rows: list[ForecastRowOut]
    totals: list[ForecastRowOut]


class FunnelStageOut(Schema):
    stage_id: int
    name: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool
    open_count: int
    open_value: Decimal
    reached: int = Field(description="Deals of the cohort that got to this stage or further")
    conversion: Decimal | None = Field(description="% of the deals that reached the previous stage")
    avg_days: Decimal | None = Field(description="Average days in the stage before moving on")

    @staticmethod
    def resolve_stage_id(obj: Any) -> int:
        return int(obj.stage.pk)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.stage.name)

    @staticmethod
    def resolve_position(obj: Any) -> int:
        return int(obj.stage.position)

    @staticmethod
    def resolve_probability(obj: Any) -> int:
        return int(obj.stage.probability)

    @staticmethod
    def resolve_is_won(obj: Any) -> bool:
        return bool(obj.stage.is_won)

    @staticmethod
    def resolve_is_lost(obj: Any) -> bool:
        return bool(obj.stage.is_lost)


class FunnelOut(Schema):
    pipeline_id: int
    start: date
    end: date
    currency: str
    created: int
    won: int
    lost: int
    won_value: Decimal
    win_rate: Decimal | None = Field(description="Won as a % of the cohort's closed deals")
    stages: list[FunnelStageOut]

    @staticmethod
    def resolve_pipeline_id(obj: Any) -> int:
        return int(obj.pipeline.pk)


class CostRowOut(Schema):
    key: int | str | None
    name: str
    cost: Decimal
    won_deals: int
    won_value: Decimal
    cost_per_won_deal: Decimal | None
    cost_share: Decimal | None = Field(description="Cost as a % of the value won")


class CostAnalysisOut(Schema):
    group_by: str
    currency: str
    rows: list[CostRowOut]
    total: CostRowOut


class QuotaIn(Schema):
    model_config = ConfigDict(extra="forbid")
    user_id: int
    period_start: date
    period_end: date = Field(description="Inclusive: 2026-03-31 for March")
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: str = Field(max_length=3)


class QuotaOut(Schema):
    id: int
    user_id: int
    period_start: date
    period_end: date
    amount: Decimal
    currency: str
    set_by_id: int | None

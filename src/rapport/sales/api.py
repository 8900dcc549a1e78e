"""Pipelines, opportunities, their moves, contacts, competitors and costs over REST.

Handlers map input to a service or selector and nothing more; every
opportunity is looked up through the user's visibility first (not yours: 404).
"""

import csv
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.common.errors import ValidationFailed
from rapport.common.ninja import expected_version
from rapport.common.pagination import keyset_page
from rapport.core.models import User
from rapport.core.selectors import actor_of
from rapport.sales import cost_analysis, deal_services, filters, forecast, funnel, quotas, selectors, services
from rapport.sales.models import Opportunity
from rapport.sales.schemas import (
    CompetitorIn,
    CompetitorOut,
    CostAnalysisOut,
    ForecastOut,
    FunnelOut,
    MoveIn,
    OpportunityCompetitorIn,
    OpportunityCompetitorOut,
    OpportunityContactIn,
    OpportunityContactOut,
    OpportunityIn,
    OpportunityOut,
    OpportunityPage,
    QuotaIn,
    QuotaOut,
    SalesCostIn,
    SalesCostOut,
    StageChangeOut,
)

router = Router(tags=["sales"])


class OpportunityParams(Schema):
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    account_id: int | None = None
    partner_id: int | None = None
    status: str | None = Field(None, description="open, won or lost")
    forecast_category: str | None = None
    source: str | None = None
    close_month: str | None = Field(None, description="YYYY-MM: expected to close in that month")
    closes_after: str | None = Field(None, description="YYYY-MM-DD, inclusive")
    closes_before: str | None = Field(None, description="YYYY-MM-DD, inclusive")
    q: str | None = Field(None, description="Part of the opportunity's name")
    sort: str | None = Field(None, description="expected_close_date, amount, name, created_at or updated_at; prefix - for descending")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _visible(request: HttpRequest, opportunity_id: int) -> tuple[User, Opportunity]:
    user = actor_of(request)
    return user, selectors.opportunity_get_for_user(user=user, opportunity_id=opportunity_id)


@router.get("/opportunities", response=OpportunityPage, summary="List opportunities")
def list_opportunities(request: HttpRequest, params: Query[OpportunityParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    qs = filters.apply_filters(selectors.opportunity_list_for_user(user=actor_of(request)), request.GET)
    page = keyset_page(qs, sort=filters.OPPORTUNITIES.sort_field(params.sort), cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/opportunities/{opportunity_id}", response=OpportunityOut, summary="Get one opportunity")
def get_opportunity(request: HttpRequest, opportunity_id: int) -> Any:
    return _visible(request, opportunity_id)[1]


@router.post("/opportunities", response={201: OpportunityOut}, summary="Create an opportunity")
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    if "version" in data:
        raise ValidationFailed.for_field("version", "A new record has no version yet.")
    user = actor_of(request)
    created = services.opportunity_create(actor=user, data=data, via="api")
    return Status(201, selectors.opportunity_get_for_user(user=user, opportunity_id=created.pk))


@router.patch(
    "/opportunities/{opportunity_id}",
    response=OpportunityOut,
    summary="Update an opportunity",
    description="Send only the fields that change, with the version you read (If-Match header or body). Stages change with /move.",
)
def update_opportunity(request: HttpRequest, opportunity_id: int, payload: OpportunityIn) -> Any:
    user, opportunity = _visible(request, opportunity_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    services.opportunity_update(actor=user, opportunity=opportunity, data=data, expected_version=version, via="api")
    return selectors.opportunity_get_for_user(user=user, opportunity_id=opportunity_id)


@router.delete("/opportunities/{opportunity_id}", response={204: None}, summary="Delete an opportunity")
def delete_opportunity(request: HttpRequest, opportunity_id: int) -> Status[None]:
    user, opportunity = _visible(request, opportunity_id)
    services.opportunity_delete(actor=user, opportunity=opportunity, expected_version=expected_version(request, None), via="api")
    return Status(204, None)


@router.post(
    "/opportunities/{opportunity_id}/move",
    response=OpportunityOut,
    summary="Move an opportunity to another stage of its pipeline",
    description="Carries the version you read; if someone moved or changed it since, you get 409 (412 with If-Match) and nothing changes.",
)
def move_opportunity(request: HttpRequest, opportunity_id: int, payload: MoveIn) -> Any:
    user, opportunity = _visible(request, opportunity_id)
    services.opportunity_move_stage(
        actor=user,
        opportunity=opportunity,
        stage_id=payload.stage_id,
        expected_version=expected_version(request, payload.version),
        lost_reason=payload.lost_reason,
        closed_on=payload.closed_on,
        via="api",
    )
    return selectors.opportunity_get_for_user(user=user, opportunity_id=opportunity_id)


@router.get(
    "/opportunities/{opportunity_id}/history", response=list[StageChangeOut], summary="The opportunity's stage changes, oldest first"
)
def opportunity_history(request: HttpRequest, opportunity_id: int) -> list[Any]:
    return selectors.stage_history_for(opportunity=_visible(request, opportunity_id)[1])


@router.get("/opportunities/{opportunity_id}/costs", response=list[SalesCostOut], summary="Sales costs of an opportunity")
def list_costs(request: HttpRequest, opportunity_id: int) -> list[Any]:
    return selectors.sales_costs_for(opportunity=_visible(request, opportunity_id)[1])


@router.post("/opportunities/{opportunity_id}/costs", response={201: SalesCostOut}, summary="Record a sales cost")
def add_cost(request: HttpRequest, opportunity_id: int, payload: SalesCostIn) -> Status[Any]:
    user, opportunity = _visible(request, opportunity_id)
    return Status(201, deal_services.sales_cost_add(actor=user, opportunity=opportunity, via="api", **payload.model_dump()))


@router.delete("/sales-costs/{cost_id}", response={204: None}, summary="Remove a sales cost")
def remove_cost(request: HttpRequest, cost_id: int) -> Status[None]:
    user = actor_of(request)
    cost = selectors.sales_cost_get_for_user(user=user, cost_id=cost_id)
    deal_services.sales_cost_remove(actor=user, cost=cost, via="api")
    return Status(204, None)


@router.get("/opportunities/{opportunity_id}/contacts", response=list[OpportunityContactOut], summary="People in the deal and their roles")
def list_deal_contacts(request: HttpRequest, opportunity_id: int) -> list[Any]:
    user, opportunity = _visible(request, opportunity_id)
    return selectors.opportunity_contacts_for(user=user, opportunity=opportunity)


@router.post("/opportunities/{opportunity_id}/contacts", response={201: OpportunityContactOut}, summary="Add a contact in a role")
def add_deal_contact(request: HttpRequest, opportunity_id: int, payload: OpportunityContactIn) -> Status[Any]:
    user, opportunity = _visible(request, opportunity_id)
    return Status(201, deal_services.opportunity_contact_add(actor=user, opportunity=opportunity, via="api", **payload.model_dump()))


@router.delete("/opportunity-contacts/{link_id}", response={204: None}, summary="Take a contact out of the deal")
def remove_deal_contact(request: HttpRequest, link_id: int) -> Status[None]:
    user = actor_of(request)
    link = selectors.opportunity_contact_get_for_user(user=user, link_id=link_id)
    deal_services.opportunity_contact_remove(actor=user, link=link, via="api")
    return Status(204, None)


@router.get("/opportunities/{opportunity_id}/competitors", response=list[OpportunityCompetitorOut], summary="Competitors met in the deal")
def list_deal_competitors(request: HttpRequest, opportunity_id: int) -> list[Any]:
    return selectors.opportunity_competitors_for(opportunity=_visible(request, opportunity_id)[1])


@router.post(
    "/opportunities/{opportunity_id}/competitors", response={201: OpportunityCompetitorOut}, summary="Track a competitor in the deal"
)
def add_deal_competitor(request: HttpRequest, opportunity_id: int, payload: OpportunityCompetitorIn) -> Status[Any]:
    user, opportunity = _visible(request, opportunity_id)
    return Status(201, deal_services.opportunity_competitor_add(actor=user, opportunity=opportunity, via="api", **payload.model_dump()))


@router.delete("/opportunity-competitors/{link_id}", response={204: None}, summary="Stop tracking a competitor in a deal")
def remove_deal_competitor(request: HttpRequest, link_id: int) -> Status[None]:
    user = actor_of(request)
    link = selectors.opportunity_competitor_get_for_user(user=user, link_id=link_id)
    deal_services.opportunity_competitor_remove(actor=user, link=link, via="api")
    return Status(204, None)


@router.get("/competitors", response=list[CompetitorOut], summary="The competitor list with strengths and weaknesses")
def list_competitors(request: HttpRequest) -> list[Any]:
    return selectors.competitor_list()


@router.post("/competitors", response={201: CompetitorOut}, summary="Add a competitor to the list")
def create_competitor(request: HttpRequest, payload: CompetitorIn) -> Status[Any]:
    return Status(201, deal_services.competitor_create(actor=actor_of(request), via="api", **payload.model_dump()))


class PeriodParams(Schema):
    start: str | None = Field(None, description="First month, YYYY-MM (default: this quarter's first month)")
    end: str | None = Field(None, description="Last month included, YYYY-MM (default: a year after start)")


class ForecastParams(PeriodParams):
    period: str = Field("month", description="month or quarter")
    group_by: str = Field("owner", description="owner, team, pipeline or none")
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None


class FunnelParams(PeriodParams):
    pipeline_id: int | None = Field(None, description="The default pipeline when left out")
    owner_id: int | None = None
    team_id: int | None = None
    source: str | None = None


class CostParams(PeriodParams):
    group_by: str = Field("owner", description="owner, source or deal (each won deal)")
    pipeline_id: int | None = None


def _range(params: PeriodParams, *, looking: str = "ahead") -> tuple[dt.date, dt.date]:
    return filters.period_range(params.start, params.end, today=timezone.localdate(), looking=looking)


def _forecast(request: HttpRequest, params: ForecastParams) -> forecast.Forecast:
    start, end = _range(params)
    return forecast.forecast(
        user=actor_of(request),
        start=start,
        end=end,
        period=params.period,
        group_by=params.group_by,
        owner_id=params.owner_id,
        team_id=params.team_id,
        pipeline_id=params.pipeline_id,
    )


@router.get("/forecast", response=ForecastOut, summary="Forecast: closed won, commit, best case, weighted pipeline against quota")
def get_forecast(request: HttpRequest, params: Query[ForecastParams]) -> Any:  # type: ignore[type-arg]
    return _forecast(request, params)


@router.get(
    "/forecast/export.csv",
    summary="Export the forecast as CSV",
    openapi_extra={"responses": {200: {"description": "CSV file", "content": {"text/csv": {}}}}},
)
def export_forecast(request: HttpRequest, params: Query[ForecastParams]) -> HttpResponse:  # type: ignore[type-arg]
    result = _forecast(request, params)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="forecast.csv"'
    csv.writer(response).writerows(forecast.forecast_csv_rows(result))
    return response


@router.get("/funnel", response=FunnelOut, summary="Funnel: deals per stage, conversion, days in stage, win rate")
def get_funnel(request: HttpRequest, params: Query[FunnelParams]) -> Any:  # type: ignore[type-arg]
    start, end = _range(params, looking="back")
    pipeline = selectors.pipeline_get(pipeline_id=params.pipeline_id) if params.pipeline_id else selectors.pipeline_default()
    if pipeline is None:
        raise ValidationFailed.for_field("pipeline_id", "There is no pipeline yet.")
    return funnel.funnel(
        user=actor_of(request),
        pipeline=pipeline,
        start=start,
        end=end,
        owner_id=params.owner_id,
        team_id=params.team_id,
        source=params.source,
    )


@router.get("/cost-analysis", response=CostAnalysisOut, summary="Sales costs per won deal, per rep or per source")
def get_cost_analysis(request: HttpRequest, params: Query[CostParams]) -> Any:  # type: ignore[type-arg]
    start, end = _range(params, looking="back")
    return cost_analysis.cost_analysis(
        user=actor_of(request), start=start, end=end, group_by=params.group_by, pipeline_id=params.pipeline_id
    )


@router.get("/quotas", response=list[QuotaOut], summary="Quotas of the reps whose deals you see")
def list_quotas(request: HttpRequest, user_id: int | None = None) -> list[Any]:
    qs = quotas.quota_list_for_user(user=actor_of(request))
    return list(qs.filter(user_id=user_id) if user_id is not None else qs[:1000])


@router.post("/quotas", response={201: QuotaOut}, summary="Set a rep's quota for a period (their manager or an administrator)")
def set_quota(request: HttpRequest, payload: QuotaIn) -> Status[Any]:
    return Status(201, quotas.quota_set(actor=actor_of(request), via="api", **payload.model_dump()))


# Products, quotes, orders and contracts have their own modules under the same router.
from rapport.sales.catalog_api import router as catalog_router  # noqa: E402
from rapport.sales.quote_api import router as quote_router  # noqa: E402

router.add_router("/", catalog_router)
router.add_router("/", quote_router)


# Lead routing and conversion live in their own module; their paths hang off this router.
from rapport.sales.assignment_api import router as assignment_router  # noqa: E402

router.add_router("/", assignment_router)


# Orders, invoices, payments and balances; returns; contracts.
from rapport.sales.order_api import router as order_router  # noqa: E402

router.add_router("/", order_router)
from rapport.sales.return_api import router as return_router  # noqa: E402

router.add_router("/", return_router)
from rapport.sales.contract_api import router as contract_router  # noqa: E402

router.add_router("/", contract_router)


# Setting up pipelines and stages.
from rapport.sales.pipeline_api import router as pipeline_router  # noqa: E402

router.add_router("/", pipeline_router)

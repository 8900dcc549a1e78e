"""The screen pop over REST, for a phone system (CTI) that shows the card in its own softphone or opens the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from rapport.core.selectors import actor_of
from rapport.service.case_api import router as case_router
from rapport.service.screen_pop import Caller, ScreenPop, screen_pop_for_number

router = Router(tags=["service: call centre"])
router.add_router("/", case_router)


class ScreenPopParams(Schema):
    number: str = Field(max_length=40, description="The caller's number in any format: +86 138 0013 8000, 010-6552 9988, 0044 20 7946 0958")
    caller: str | None = Field(None, max_length=40, description="When several records share the number: the one chosen, as contact:12")


class CallerOut(Schema):
    key: str = Field(description="contact:12, account:7 or lead:3: pass it back as caller")
    kind: str = Field(description="contact, account (a company line) or lead")
    id: int
    name: str
    account_id: int | None
    account_name: str | None


class CallerValueOut(Schema):
    is_vip: bool
    churn_band: str = Field(description="low, medium, high, or empty when not scored")
    churn_risk: float | None
    rfm_segment: str
    value_decile: int | None
    clv: Decimal | None


class PurchaseOut(Schema):
    ordered_on: dt.date
    order_id: int
    order_number: str
    product: str
    quantity: Decimal
    unit: str
    returned: Decimal


class OpenActivityOut(Schema):
    id: int
    kind: str
    subject: str
    due_at: dt.datetime | None


class OpenCaseOut(Schema):
    id: int
    number: str | None
    subject: str
    kind: str
    priority: str
    status: str
    due_at: dt.datetime


class TimelineEntryOut(Schema):
    id: int
    channel: str
    direction: str
    subject: str
    occurred_at: dt.datetime


class ScreenPopOut(Schema):
    number: str = Field(description="The number in E.164")
    callers: list[CallerOut] = Field(description="Every record you may see with this number; empty for an unknown caller")
    caller: CallerOut | None = Field(
        description="The caller the card is for: the only record, or the one chosen; null when several and none chosen"
    )
    profile: CallerValueOut | None
    purchases: list[PurchaseOut] = Field(description="The caller's company's latest order lines, newest first")
    open_cases: list[OpenCaseOut] = Field(description="The caller's company's open cases, the soonest due first")
    open_activities: list[OpenActivityOut]
    timeline: list[TimelineEntryOut] = Field(description="The latest interactions, newest first")


def _caller_out(caller: Caller) -> CallerOut:
    account = caller.account
    return CallerOut(
        key=caller.key,
        kind=caller.kind,
        id=caller.record.pk,
        name=caller.name,
        account_id=account.pk if account else None,
        account_name=account.name if account else None,
    )


def _card_out(card: ScreenPop) -> ScreenPopOut:
    profile = card.profile
    return ScreenPopOut(
        number=card.e164,
        callers=[_caller_out(c) for c in card.callers],
        caller=_caller_out(card.caller) if card.caller else None,
        profile=CallerValueOut(
            is_vip=profile.is_vip,
            churn_band=profile.churn_band,
            churn_risk=profile.churn_risk,
            rfm_segment=profile.rfm_segment,
            value_decile=profile.value_decile,
            clv=profile.clv,
        )
        if profile is not None
        else None,
        purchases=[PurchaseOut(**vars(p)) for p in card.purchases],
        open_cases=[
            OpenCaseOut(id=k.pk, number=k.number, subject=k.subject, kind=k.kind, priority=k.priority, status=k.status, due_at=k.due_at)
            for k in card.open_cases
        ],
        open_activities=[OpenActivityOut(id=a.pk, kind=a.kind, subject=a.subject, due_at=a.due_at) for a in card.open_activities],
        timeline=[
            TimelineEntryOut(id=i.pk, channel=i.channel, direction=i.direction, subject=i.subject, occurred_at=i.occurred_at)
            for i in card.timeline
        ],
    )


@router.get(
    "/service/screen-pop",
    response=ScreenPopOut,
    summary="Who is calling: the screen-pop card for a phone number",
    description=(
        "The records you may see with this number, and for the caller (the only one, or `caller`): their value, "
        "what they bought, what is open and the latest on their timeline. A number that is not one answers 422 naming "
        "`number`. Cross-sell suggestions for the caller's account: `GET /analytics/accounts/{account_id}/cross-sell`."
    ),
)
def screen_pop_get(request: HttpRequest, params: Query[ScreenPopParams]) -> ScreenPopOut:
    return _card_out(screen_pop_for_number(user=actor_of(request), number=params.number, caller=params.caller or ""))

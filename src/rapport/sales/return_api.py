"""Returns and refunds over REST: an order's returns, a new return, refund or reject it.

Every order and return is looked up through the user's visibility first (not yours: 404).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.ninja import MAX_ID, Id
from rapport.core.selectors import actor_of
from rapport.sales import billing, returns
from rapport.sales.order_models import PaymentMethod

router = Router(tags=["sales: returns"])


class ReturnIn(Schema):
    model_config = ConfigDict(extra="forbid")
    line_id: int = Field(ge=1, le=MAX_ID, description="The order line the goods come from")
    quantity: Decimal = Field(max_digits=14, decimal_places=3, description="No more than the line's ordered quantity not yet returned")
    reason: str = Field(max_length=255)
    refund_amount: Decimal | None = Field(
        None, max_digits=18, decimal_places=2, description="The line's value for the quantity when left out; never more"
    )


class RefundIn(Schema):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(
        PaymentMethod.BANK_TRANSFER, max_length=16, description="How money already paid goes back: " + ", ".join(PaymentMethod.values)
    )
    refunded_on: date | None = Field(None, description="Today when left out")


class ReturnOut(Schema):
    id: int
    order_id: int
    line_id: int
    description: str
    quantity: Decimal
    reason: str
    refund_amount: Decimal
    status: str = Field(description="requested, refunded or rejected")
    recorded_by_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_order_id(obj: Any) -> int:
        return int(obj.line.order_id)

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.line.description)


def _visible_return(request: HttpRequest, return_id: int) -> tuple[Any, Any]:
    user = actor_of(request)
    return user, returns.return_get_for_user(user=user, return_id=return_id)


@router.get("/orders/{order_id}/returns", response=list[ReturnOut], summary="The order's returns, oldest first")
def list_returns(request: HttpRequest, order_id: Id) -> list[Any]:
    order = billing.order_get_for_user(user=actor_of(request), order_id=order_id)
    return list(returns.return_list_for_order(order=order))


@router.post(
    "/orders/{order_id}/returns",
    response={201: ReturnOut},
    summary="Record goods coming back from a shipped order (422 on quantity when more than is left to return)",
)
def create_return(request: HttpRequest, order_id: Id, payload: ReturnIn) -> Status[Any]:
    user = actor_of(request)
    order = billing.order_get_for_user(user=user, order_id=order_id)
    created = returns.return_request(actor=user, order=order, via="api", **payload.model_dump())
    return Status(201, returns.return_get_for_user(user=user, return_id=created.pk))


@router.get("/returns/{return_id}", response=ReturnOut, summary="Get one return")
def get_return(request: HttpRequest, return_id: Id) -> Any:
    return _visible_return(request, return_id)[1]


@router.post(
    "/returns/{return_id}/refund", response=ReturnOut, summary="Refund a requested return: credit the invoices, pay back what was paid"
)
def refund_return(request: HttpRequest, return_id: Id, payload: RefundIn) -> Any:
    user, found = _visible_return(request, return_id)
    returns.return_refund(actor=user, order_return=found, via="api", **payload.model_dump())
    return returns.return_get_for_user(user=user, return_id=found.pk)


@router.post("/returns/{return_id}/reject", response=ReturnOut, summary="Turn a requested return down; its quantity is returnable again")
def reject_return(request: HttpRequest, return_id: Id) -> Any:
    user, found = _visible_return(request, return_id)
    returns.return_reject(actor=user, order_return=found, via="api")
    return returns.return_get_for_user(user=user, return_id=found.pk)

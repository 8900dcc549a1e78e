"""Orders, invoices, payments and balances over REST.

Every order, invoice and account is looked up through the user's visibility first (not yours: 404).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.errors import NotFound
from rapport.common.ninja import Id, expected_version
from rapport.core.selectors import actor_of
from rapport.customers.selectors import visible_account
from rapport.sales import billing, orders
from rapport.sales.catalog_schemas import LineIn, LineOut
from rapport.sales.pricing import round_money
from rapport.sales.quote_api import DocumentListParams, filtered_page, no_version_on_create

router = Router(tags=["sales: orders"])


class OrderLineIn(LineIn):
    # Left to lines.clean_line, so that a wrong product is named lines[i].product_id like every other line error.
    product_id: int | None = Field(None, le=2**63 - 1, description="A product: description, unit, tax and price come from it")


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    account_id: int = Field(ge=1, le=2**63 - 1)
    currency: str = Field(max_length=3)
    lines: list[OrderLineIn] = Field(max_length=200, description="At least one")
    channel: str = Field("online", max_length=20, description="online, phone, sales or partner")
    reference: str = Field("", max_length=80, description="The customer's own order number")
    notes: str = Field("", max_length=20000)
    shared_with_team: bool = False


class OrderOut(Schema):
    id: int
    version: int
    number: str | None
    account_id: int
    quote_id: int | None
    owner_id: int
    team_id: int | None
    currency: str
    status: str = Field(description="draft, confirmed, shipped, delivered or cancelled")
    ordered_on: date
    channel: str
    reference: str
    notes: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    created_at: datetime
    updated_at: datetime


class OrderLineOut(LineOut):
    returned_quantity: Decimal


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return orders.order_lines(order=obj)


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderListParams(DocumentListParams):
    channel: str | None = Field(None, max_length=20)


class OrderStatusIn(Schema):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(description="confirmed, shipped, delivered or cancelled")
    version: int | None = None


class InvoiceIn(Schema):
    model_config = ConfigDict(extra="forbid")
    issued_on: date | None = Field(None, description="Today when left out")
    due_in_days: int = Field(30, ge=0, le=365)


class InvoiceOut(Schema):
    id: int
    number: str | None
    order_id: int
    issued_on: date
    due_on: date
    currency: str
    amount: Decimal
    paid_amount: Decimal
    credited_amount: Decimal
    outstanding: Decimal
    status: str = Field(description="open, paid or void")
    settled_on: date | None


class PaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    amount: Decimal = Field(max_digits=18, decimal_places=2)
    paid_on: date
    method: str = Field(max_length=16, description="bank_transfer, card, cash, alipay, wechat_pay, cheque or other")
    reference: str = Field("", max_length=80)


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: Decimal
    paid_on: date
    method: str
    reference: str
    recorded_by_id: int | None
    created_at: datetime


class BalanceOut(Schema):
    currency: str
    invoiced: Decimal
    outstanding: Decimal
    overdue: Decimal
    average_days_late: Decimal
    max_days_late: int


def _visible(request: HttpRequest, order_id: int) -> tuple[Any, Any]:
    user = actor_of(request)
    return user, billing.order_get_for_user(user=user, order_id=order_id)


@router.get("/orders", response=OrderPage, summary="List orders, newest first (filters: account, owner, status, channel)")
def list_orders(request: HttpRequest, params: Query[OrderListParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    qs = billing.order_list_for_user(user=actor_of(request))
    if params.channel is not None:
        qs = qs.filter(channel=params.channel)
    return filtered_page(qs, params, sort="-created_at")


@router.post("/orders", response={201: OrderDetailOut}, summary="Place an order (lines priced from the customer's price book)")
def place_order(request: HttpRequest, payload: OrderIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    no_version_on_create(data)
    data["lines"] = [line.model_dump(exclude_none=True) for line in payload.lines]
    user = actor_of(request)
    order = orders.order_place(actor=user, data=data, via="api")
    return Status(201, billing.order_get_for_user(user=user, order_id=order.pk))


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="Get one order with its lines")
def get_order(request: HttpRequest, order_id: Id) -> Any:
    return _visible(request, order_id)[1]


@router.post("/orders/{order_id}/status", response=OrderDetailOut, summary="Confirm, ship, deliver or cancel an order")
def set_order_status(request: HttpRequest, order_id: Id, payload: OrderStatusIn) -> Any:
    user, order = _visible(request, order_id)
    version = expected_version(request, payload.version)
    orders.order_set_status(actor=user, order=order, status=payload.status, expected_version=version, via="api")
    return billing.order_get_for_user(user=user, order_id=order.pk)


@router.get("/orders/{order_id}/invoices", response=list[InvoiceOut], summary="The order's invoices")
def list_invoices(request: HttpRequest, order_id: Id) -> list[Any]:
    return list(_visible(request, order_id)[1].invoices.order_by("issued_on", "id"))


@router.post("/orders/{order_id}/invoices", response={201: InvoiceOut}, summary="Invoice what is not yet invoiced of the order")
def issue_invoice(request: HttpRequest, order_id: Id, payload: InvoiceIn) -> Status[Any]:
    user, order = _visible(request, order_id)
    invoice = billing.invoice_issue(actor=user, order=order, issued_on=payload.issued_on, due_in_days=payload.due_in_days, via="api")
    return Status(201, invoice)


@router.get("/invoices/{invoice_id}", response=InvoiceOut, summary="Get one invoice")
def get_invoice(request: HttpRequest, invoice_id: Id) -> Any:
    return billing.invoice_get_for_user(user=actor_of(request), invoice_id=invoice_id)


@router.get("/invoices/{invoice_id}/payments", response=list[PaymentOut], summary="Payments received against the invoice")
def list_payments(request: HttpRequest, invoice_id: Id) -> list[Any]:
    invoice = billing.invoice_get_for_user(user=actor_of(request), invoice_id=invoice_id)
    return list(invoice.payments.order_by("paid_on", "id"))


@router.post(
    "/invoices/{invoice_id}/payments", response={201: PaymentOut}, summary="Record money received; more than is outstanding is refused"
)
def record_payment(request: HttpRequest, invoice_id: Id, payload: PaymentIn) -> Status[Any]:
    user = actor_of(request)
    invoice = billing.invoice_get_for_user(user=user, invoice_id=invoice_id)
    return Status(201, billing.payment_record(actor=user, invoice=invoice, via="api", **payload.model_dump()))


@router.get(
    "/accounts/{account_id}/balance", response=list[BalanceOut], summary="What the customer owes per currency, and how late they pay"
)
def get_balance(request: HttpRequest, account_id: Id) -> list[Any]:
    user = actor_of(request)
    account = visible_account(user, account_id)
    if account is None:
        raise NotFound("No such account.")
    # SQLite sums decimals as floats; the client gets the currency's own precision.
    return [
        {
            **vars(row),
            **{name: round_money(getattr(row, name), row.currency) for name in ("invoiced", "outstanding", "overdue")},
        }
        for row in billing.account_balance(user=user, account=account)
    ]

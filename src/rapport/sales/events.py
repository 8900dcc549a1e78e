"""What the sales app announces (delivered after commit)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OpportunityStageChanged:
    opportunity_id: int
    pipeline_id: int
    from_stage_id: int | None
    to_stage_id: int
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class OpportunityWon:
    opportunity_id: int
    account_id: int
    owner_id: int
    amount: Decimal
    currency: str
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class OpportunityLost:
    opportunity_id: int
    account_id: int
    owner_id: int
    lost_reason: str
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class OrderPlaced:
    order_id: int
    account_id: int
    owner_id: int
    amount: Decimal
    currency: str
    channel: str
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class InvoiceIssued:
    """An order was invoiced: what the customer owes, and by when, changed."""

    invoice_id: int
    order_id: int
    account_id: int
    amount: Decimal
    currency: str
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class PaymentReceived:
    payment_id: int
    invoice_id: int
    order_id: int
    amount: Decimal
    currency: str
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class OrderReturned:
    """Goods of an order came back (a return was requested and its quantity reserved)."""

    return_id: int
    order_id: int
    line_id: int
    account_id: int
    quantity: Decimal
    refund_amount: Decimal
    currency: str
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class ReturnRefunded:
    """A return was credited against the order's invoices; ``paid_back`` is the money that went back to the customer."""

    return_id: int
    order_id: int
    account_id: int
    refund_amount: Decimal
    paid_back: Decimal
    currency: str
    actor_id: int | None
    via: str

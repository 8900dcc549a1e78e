"""API shapes for products, price books and prices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from rapport.sales.products import price_book_entries


class ProductIn(Schema):
    """Every field optional so that PATCH sends only what changes; create needs sku and name."""

    model_config = ConfigDict(extra="forbid")
    sku: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=200)
    category: str | None = Field(None, max_length=80)
    unit: str | None = Field(None, max_length=20, description="pcs, box, hour, licence...")
    tax_rate: Decimal | None = Field(None, ge=0, le=100, description="VAT or sales tax in per cent")
    is_active: bool | None = None
    description: str | None = Field(None, max_length=20000)
    attributes: dict[str, Any] | None = Field(None, description="Facts for rules: author, warranty_months...")
    version: int | None = Field(None, description="For PATCH: the version you read; a stale one gets 409")


class ProductOut(Schema):
    id: int
    version: int
    sku: str
    name: str
    category: str
    unit: str
    tax_rate: Decimal
    is_active: bool
    description: str
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class PriceBookIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=120)
    currency: str = Field(max_length=3)
    account_id: int | None = Field(None, description="A corporate group: the prices apply to this account and its subsidiaries")
    tag: str = Field("", max_length=60, description="Or a customer group: accounts with this tag")
    is_default: bool = Field(False, description="The currency's prices for every other customer")


class PriceBookEntryIn(Schema):
    model_config = ConfigDict(extra="forbid")
    product_id: int
    unit_price: Decimal = Field(ge=0, max_digits=18, decimal_places=2)


class PriceBookEntryOut(Schema):
    product_id: int
    sku: str
    product_name: str
    unit_price: Decimal

    @staticmethod
    def resolve_sku(obj: Any) -> str:
        return str(obj.product.sku)

    @staticmethod
    def resolve_product_name(obj: Any) -> str:
        return str(obj.product.name)


class PriceBookOut(Schema):
    id: int
    name: str
    currency: str
    account_id: int | None
    tag: str
    is_default: bool
    is_active: bool

    @staticmethod
    def resolve_tag(obj: Any) -> str:
        return obj.tag.name if obj.tag_id else ""


class PriceBookDetailOut(PriceBookOut):
    entries: list[PriceBookEntryOut]

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return price_book_entries(book=obj)


class PriceOut(Schema):
    product_id: int
    currency: str
    unit_price: Decimal
    price_book_id: int
    price_book_name: str


class LineIn(Schema):
    model_config = ConfigDict(extra="forbid")
    product_id: int | None = Field(None, ge=1, le=2**63 - 1, description="A product: description, unit, tax and price come from it")
    description: str | None = Field(None, max_length=500, description="Required without a product")
    quantity: Decimal = Field(Decimal(1), max_digits=14, decimal_places=3)
    unit_price: Decimal | None = Field(None, max_digits=18, decimal_places=2, description="The price book's when left out")
    discount_percent: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    discount_amount: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    tax_rate: Decimal | None = Field(None, max_digits=5, decimal_places=2, description="The product's when left out")


class LineOut(Schema):
    id: int
    position: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    tax_rate: Decimal
    line_discount: Decimal
    line_tax: Decimal
    line_total: Decimal


class QuoteIn(Schema):
    """Create needs account_id, title and currency; PATCH sends only what changes (on a draft)."""

    model_config = ConfigDict(extra="forbid")
    account_id: int | None = Field(None, description="Create only")
    currency: str | None = Field(None, max_length=3, description="On PATCH only while the quote has no lines")
    title: str | None = Field(None, max_length=200)
    contact_id: int | None = None
    opportunity_id: int | None = None
    valid_until: date | None = None
    notes: str | None = Field(None, max_length=20000)
    shared_with_team: bool | None = Field(None, description="Create only")
    lines: list[LineIn] | None = Field(None, description="Create only; add and remove lines afterwards")
    version: int | None = Field(None, description="For PATCH: the version you read; a stale one gets 409")


class QuoteOut(Schema):
    id: int
    version: int
    number: str | None
    revision: int
    family_id: int | None
    title: str
    account_id: int
    contact_id: int | None
    opportunity_id: int | None
    owner_id: int
    team_id: int | None
    currency: str
    status: str = Field(description="draft, sent, accepted, rejected, expired or superseded")
    valid_until: date | None
    notes: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


class QuoteDetailOut(QuoteOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.order_by("position", "id"))


class QuotePage(Schema):
    items: list[QuoteOut]
    next_cursor: str | None


class StatusIn(Schema):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(description="sent, accepted, rejected or expired")
    version: int | None = None


class SendIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to: list[str] = Field(max_length=20, description="At least one address")
    message: str = Field("", max_length=20000)

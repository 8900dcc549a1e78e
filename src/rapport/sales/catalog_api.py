"""Products, price books and the price a customer pays, over REST.

The catalogue is shared configuration: everyone signed in reads it, only
administrators write it (the services refuse others with 403).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.ninja import Id, expected_version
from rapport.common.pagination import keyset_page
from rapport.core.selectors import actor_of
from rapport.customers.selectors import account_get_for_user
from rapport.customers.validation import Errors
from rapport.sales import pricing, products
from rapport.sales.catalog_schemas import (
    PriceBookDetailOut,
    PriceBookEntryIn,
    PriceBookEntryOut,
    PriceBookIn,
    PriceBookOut,
    PriceOut,
    ProductIn,
    ProductOut,
    ProductPage,
)
from rapport.sales.services import clean_currency

router = Router(tags=["sales: products and prices"])

PRODUCT_SORTS = {"name": "name", "sku": "sku", "category": "category", "updated_at": "updated_at"}


class ProductParams(Schema):
    q: str | None = Field(None, max_length=200, description="Part of the name or SKU")
    category: str | None = Field(None, max_length=80)
    is_active: bool | None = None
    sort: str = Field("name", description="name, sku, category or updated_at; prefix - for descending")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def product_sort_field(sort: str | None) -> str:
    name = (sort or "name").lstrip("-")
    if name not in PRODUCT_SORTS:
        raise ValidationFailed.for_field("sort", f"Sort by one of: {', '.join(sorted(PRODUCT_SORTS))} (prefix - for descending).")
    return ("-" if (sort or "").startswith("-") else "") + PRODUCT_SORTS[name]


def product_filter(params: ProductParams) -> Any:
    return products.product_search(q=params.q, category=params.category, is_active=params.is_active)


@router.get("/products", response=ProductPage, summary="List products")
def list_products(request: HttpRequest, params: Query[ProductParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    page = keyset_page(product_filter(params), sort=product_sort_field(params.sort), cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/products/{product_id}", response=ProductOut, summary="Get one product")
def get_product(request: HttpRequest, product_id: Id) -> Any:
    actor_of(request)
    return products.product_get(product_id=product_id)


@router.post("/products", response={201: ProductOut}, summary="Add a product (administrators)")
def create_product(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    if "version" in data:
        raise ValidationFailed.for_field("version", "A new record has no version yet.")
    return Status(201, products.product_create(actor=actor_of(request), data=data, via="api"))


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product (administrators)")
def update_product(request: HttpRequest, product_id: Id, payload: ProductIn) -> Any:
    user = actor_of(request)
    product = products.product_get(product_id=product_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    return products.product_update(actor=user, product=product, data=data, expected_version=version, via="api")


@router.get("/price-books", response=list[PriceBookOut], summary="Price books")
def list_price_books(request: HttpRequest) -> list[Any]:
    actor_of(request)
    return list(products.price_book_list()[:500])


@router.get("/price-books/{book_id}", response=PriceBookDetailOut, summary="A price book and its prices")
def get_price_book(request: HttpRequest, book_id: Id) -> Any:
    actor_of(request)
    return products.price_book_get(book_id=book_id)


@router.post("/price-books", response={201: PriceBookOut}, summary="Add a price book (administrators)")
def create_price_book(request: HttpRequest, payload: PriceBookIn) -> Status[Any]:
    return Status(201, products.price_book_create(actor=actor_of(request), via="api", **payload.model_dump()))


@router.post(
    "/price-books/{book_id}/entries", response={201: PriceBookEntryOut}, summary="Set a product's price in the book (administrators)"
)
def set_price(request: HttpRequest, book_id: Id, payload: PriceBookEntryIn) -> Status[Any]:
    user = actor_of(request)
    book = products.price_book_get(book_id=book_id)
    return Status(201, products.price_book_entry_set(actor=user, book=book, via="api", **payload.model_dump()))


class PriceParams(Schema):
    currency: str = Field(max_length=3)
    account_id: Id | None = Field(None, description="The customer: their group's price book applies (the default book without it)")


@router.get("/products/{product_id}/price", response=PriceOut, summary="The price a customer pays for the product in a currency")
def get_price(request: HttpRequest, product_id: Id, params: Query[PriceParams]) -> Any:  # type: ignore[type-arg]
    user = actor_of(request)
    errors = Errors()
    currency = clean_currency(params.currency, errors=errors)
    errors.raise_if_any()
    account = account_get_for_user(user=user, account_id=params.account_id) if params.account_id else None
    product = products.product_get(product_id=product_id)
    price = pricing.price_for(account=account, product=product, currency=currency)
    if price is None:
        raise NotFound(f"No price book in {currency} lists this product.")
    return {
        "product_id": product.pk,
        "currency": currency,
        "unit_price": price.unit_price,
        "price_book_id": price.book.pk,
        "price_book_name": price.book.name,
    }

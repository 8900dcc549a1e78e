"""Document lines shared by quotes and orders: checking one, and writing the document's totals.

A line names a product (its description, unit and tax rate come from it, its
price from the customer's price book) or is free text with a price. Only a
sales manager or an administrator may set a price other than the book's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from rapport.core.models import Role, User
from rapport.customers.models import Account
from rapport.customers.validation import Errors, clean_text
from rapport.sales.catalog_models import Product
from rapport.sales.pricing import LineAmounts, document_totals, line_amounts, price_for
from rapport.sales.products import clean_percent
from rapport.sales.services import clean_amount

LINE_FIELDS = frozenset({"product_id", "description", "quantity", "unit_price", "discount_percent", "discount_amount", "tax_rate"})
MAX_LINES = 200


def may_override_price(actor: User) -> bool:
    return actor.is_administrator or actor.role == Role.SALES_MANAGER


def clean_line(*, actor: User, data: Mapping[str, Any], account: Account, currency: str, prefix: str = "") -> dict[str, Any]:
    """The line's stored fields with its amounts, or one ValidationFailed naming each wrong field (``prefix`` + name)."""
    errors = Errors()
    for key in data:
        if key not in LINE_FIELDS:
            errors.add(f"{prefix}{key}", "Unknown field.")
    values: dict[str, Any] = {"product": None, "unit": ""}
    product: Product | None = None
    raw_product = data.get("product_id")
    if raw_product not in (None, ""):
        try:
            product = Product.objects.filter(pk=int(raw_product)).first()
        except (TypeError, ValueError, OverflowError):
            product = None
        if product is None:
            errors.add(f"{prefix}product_id", f"No such product: {raw_product}.")
        elif not product.is_active:
            errors.add(f"{prefix}product_id", f"{product.sku} is no longer sold.")
            product = None
    quantity = clean_amount(data.get("quantity", 1), field=f"{prefix}quantity", errors=errors, currency=None, positive=True)
    description = clean_text(
        data.get("description") or (product.name if product else ""), field=f"{prefix}description", max_length=500, errors=errors
    )
    if not description and not raw_product:
        errors.add(f"{prefix}product_id", "Choose a product or describe the line.")
    unit_price: Decimal | None = None
    if data.get("unit_price") not in (None, ""):
        unit_price = clean_amount(data["unit_price"], field=f"{prefix}unit_price", errors=errors, currency=currency)
    if product is not None:
        listed = price_for(account=account, product=product, currency=currency)
        if listed is None and unit_price is None:
            errors.add(f"{prefix}product_id", f"No price book in {currency} lists {product.sku}.")
        elif unit_price is not None and (listed is None or unit_price != listed.unit_price) and not may_override_price(actor):
            errors.add(f"{prefix}unit_price", "Only a sales manager may set a price other than the price book's.")
        elif unit_price is None and listed is not None:
            unit_price = listed.unit_price
        values.update(product=product, unit=product.unit)
    elif unit_price is None and raw_product in (None, "") and f"{prefix}unit_price" not in errors.fields:
        errors.add(f"{prefix}unit_price", "A line without a product needs a price.")
    default_tax = product.tax_rate if product is not None else 0
    tax_rate = clean_percent(data.get("tax_rate", default_tax), field=f"{prefix}tax_rate", errors=errors)
    discount_percent = clean_percent(data.get("discount_percent", 0), field=f"{prefix}discount_percent", errors=errors)
    discount_amount = clean_amount(data.get("discount_amount") or 0, field=f"{prefix}discount_amount", errors=errors, currency=currency)
    errors.raise_if_any()
    assert quantity is not None and unit_price is not None and discount_amount is not None  # refused above when missing
    amounts = line_amounts(
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_rate=tax_rate,
        currency=currency,
    )
    values.update(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_rate=tax_rate,
        line_discount=amounts.discount,
        line_tax=amounts.tax,
        line_total=amounts.total,
    )
    return values


def stored_amounts(line: Any) -> LineAmounts:
    """A stored line's amounts (gross is total - tax + discount)."""
    net = line.line_total - line.line_tax
    return LineAmounts(gross=net + line.line_discount, discount=line.line_discount, net=net, tax=line.line_tax, total=line.line_total)


def totals_of(lines: models.QuerySet[Any], currency: str) -> dict[str, Decimal]:
    return document_totals((stored_amounts(line) for line in lines), currency).as_fields()

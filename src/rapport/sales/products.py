"""The product catalogue and the price books: reads for everyone signed in, writes for administrators.

Products and prices are shared configuration, not customer data: every user
sees the whole catalogue (a rep quotes from it), and only an administrator
changes it, so a price cannot drift because one rep edited it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from rapport.common.concurrency import save_if_version
from rapport.common.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.models import Tag
from rapport.customers.selectors import visible_account
from rapport.customers.validation import Errors, clean_text
from rapport.sales.catalog_models import PriceBook, PriceBookEntry, Product
from rapport.sales.services import clean_amount, clean_currency

PRODUCT_TEXT = {"sku": 64, "name": 200, "category": 80, "unit": 20, "description": 20000}
PRODUCT_FIELDS = (*PRODUCT_TEXT, "tax_rate", "is_active", "attributes")
MAX_ATTRIBUTES = 50


def require_catalogue_manager(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied("Only an administrator changes the catalogue and its prices.")


def product_list() -> QuerySet[Product]:
    return Product.objects.all()


def product_search(*, q: str | None = None, category: str | None = None, is_active: bool | None = None) -> QuerySet[Product]:
    """The catalogue narrowed by part of the name or SKU, a category and whether it is still sold (the page and the API)."""
    return products_narrow(product_list(), q=q, category=category, is_active=is_active)


def products_narrow(
    qs: QuerySet[Product], *, q: str | None = None, category: str | None = None, is_active: bool | None = None
) -> QuerySet[Product]:
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(sku__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs


def product_categories() -> list[str]:
    return list(Product.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct()[:200])


def product_get(*, product_id: int) -> Product:
    found = Product.objects.filter(pk=product_id).first()
    if found is None:
        raise NotFound("No such product.")
    return found


def clean_percent(value: Any, *, field: str, errors: Errors) -> Decimal:
    amount = clean_amount(value if value not in (None, "") else 0, field=field, errors=errors, currency=None)
    if amount is not None and amount > 100:
        errors.add(field, "A percentage is between 0 and 100.")
    return amount if amount is not None and field not in errors.fields else Decimal(0)


def _clean_product(data: Mapping[str, Any], record: Product | None) -> dict[str, Any]:
    errors = Errors()
    for key in data:
        if key not in PRODUCT_FIELDS:
            errors.add(key, "This field is set by the server and cannot be changed." if hasattr(Product, key) else "Unknown field.")
    values: dict[str, Any] = {}
    for name, limit in PRODUCT_TEXT.items():
        if name in data:
            values[name] = clean_text(data[name], field=name, max_length=limit, errors=errors, required=name in {"sku", "name", "unit"})
        elif record is None and name in {"sku", "name"}:
            errors.add(name, "This field is required.")
    if "tax_rate" in data:
        values["tax_rate"] = clean_percent(data["tax_rate"], field="tax_rate", errors=errors)
    if "is_active" in data:
        if not isinstance(data["is_active"], bool):
            errors.add("is_active", "Must be true or false.")
        values["is_active"] = bool(data["is_active"])
    if "attributes" in data:
        attributes = data["attributes"] if data["attributes"] is not None else {}
        if not isinstance(attributes, dict) or len(attributes) > MAX_ATTRIBUTES:
            errors.add("attributes", f"Must be an object of at most {MAX_ATTRIBUTES} names and values.")
        values["attributes"] = attributes
    sku = values.get("sku")
    others = Product.objects.exclude(pk=record.pk) if record is not None else Product.objects.all()
    if sku and others.filter(sku__iexact=sku).exists():
        errors.add("sku", "Another product has this SKU.")
    errors.raise_if_any()
    return values


def _product_snapshot(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in PRODUCT_FIELDS}


def product_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Product:
    require_catalogue_manager(actor)
    values = _clean_product(data, None)
    try:
        with transaction.atomic():
            product = Product.objects.create(**values)
            audit_record(actor=actor, action=AuditAction.CREATE, record=product, changes=diff({}, _product_snapshot(product)), via=via)
    except IntegrityError as exc:
        raise ValidationFailed.for_field("sku", "Another product has this SKU.") from exc
    return product


def product_update(*, actor: User, product: Product, data: Mapping[str, Any], expected_version: int | None, via: str = "web") -> Product:
    require_catalogue_manager(actor)
    values = _clean_product(data, product)
    try:
        with transaction.atomic():
            before = _product_snapshot(product)
            save_if_version(product, expected_version=expected_version, fields=values)
            audit_record(actor=actor, action=AuditAction.UPDATE, record=product, changes=diff(before, _product_snapshot(product)), via=via)
    except IntegrityError as exc:
        raise ValidationFailed.for_field("sku", "Another product has this SKU.") from exc
    return product


# -- price books ---------------------------------------------------------------------


def price_book_list() -> QuerySet[PriceBook]:
    return PriceBook.objects.select_related("account", "tag")


def price_book_list_with_counts() -> QuerySet[PriceBook]:
    return price_book_list().annotate(entry_count=Count("entries"))


def price_book_get(*, book_id: int) -> PriceBook:
    found = price_book_list().filter(pk=book_id).first()
    if found is None:
        raise NotFound("No such price book.")
    return found


def price_book_entries(*, book: PriceBook) -> list[PriceBookEntry]:
    return list(book.entries.select_related("product").order_by("product__name", "product_id"))


def price_book_create(
    *,
    actor: User,
    name: str,
    currency: str,
    account_id: int | None = None,
    tag: str = "",
    is_default: bool = False,
    via: str = "web",
) -> PriceBook:
    """A price book for everyone (``is_default``), for a corporate group (``account_id``) or for a tag."""
    require_catalogue_manager(actor)
    errors = Errors()
    name = clean_text(name, field="name", max_length=120, errors=errors, required=True)
    code = clean_currency(currency, errors=errors)
    account = visible_account(actor, account_id) if account_id else None
    if account_id and account is None:
        errors.add("account_id", f"No such account: {account_id}.")
    tag = clean_text(tag, field="tag", max_length=60, errors=errors)
    if account_id and tag:
        errors.add("tag", "A price book is for an account group or for a tag, not both.")
    if is_default and (account_id or tag):
        errors.add("is_default", "The default book is for every customer; leave the account and tag empty.")
    if is_default and PriceBook.objects.filter(currency=code, is_default=True).exists():
        errors.add("is_default", f"There is a default price book in {code} already.")
    if name and PriceBook.objects.filter(name=name).exists():
        errors.add("name", "There is a price book with this name already.")
    errors.raise_if_any()
    with transaction.atomic():
        tag_row = Tag.objects.get_or_create(name=tag)[0] if tag else None
        book = PriceBook.objects.create(name=name, currency=code, account=account, tag=tag_row, is_default=is_default)
        changes = diff({}, {"name": name, "currency": code, "account_id": account_id, "tag": tag, "is_default": is_default})
        audit_record(actor=actor, action=AuditAction.CREATE, record=book, changes=changes, via=via)
    return book


def price_book_entry_set(*, actor: User, book: PriceBook, product_id: int, unit_price: Any, via: str = "web") -> PriceBookEntry:
    """Set (or change) the product's price in the book."""
    require_catalogue_manager(actor)
    errors = Errors()
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        errors.add("product_id", f"No such product: {product_id}.")
    price = clean_amount(unit_price, field="unit_price", errors=errors, currency=book.currency)
    errors.raise_if_any()
    assert price is not None  # raise_if_any has refused it missing
    with transaction.atomic():
        entry, created = PriceBookEntry.objects.select_for_update().get_or_create(
            book=book, product=product, defaults={"unit_price": price}
        )
        before = {} if created else {"unit_price": entry.unit_price}
        if not created:
            entry.unit_price = price
            entry.save(update_fields=["unit_price", "updated_at"])
        action = AuditAction.CREATE if created else AuditAction.UPDATE
        audit_record(actor=actor, action=action, record=entry, changes=diff(before, {"unit_price": price}), via=via)
    return entry

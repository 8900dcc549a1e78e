"""Prices and sums: which price book applies to a customer, and a line's and a document's totals.

Every amount is a Decimal rounded to the currency's minor units with
ROUND_HALF_EVEN (banker's rounding), line by line: the document's totals are
the sums of its rounded lines, so what the customer reads on each line adds
up to the total printed below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Q

from rapport.common.money import CURRENCY_MINOR_UNITS
from rapport.customers.models import Account
from rapport.sales.catalog_models import PriceBook, PriceBookEntry, Product

HUNDRED = Decimal(100)
# A corporate group is rarely more than a few levels deep; the bound stops a cycle in bad data.
MAX_GROUP_DEPTH = 20


def round_money(amount: Decimal, currency: str) -> Decimal:
    quantum = Decimal(1).scaleb(-CURRENCY_MINOR_UNITS[currency])
    return amount.quantize(quantum, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal  # quantity x unit price
    discount: Decimal  # the percentage of gross plus the fixed amount, never more than gross
    net: Decimal
    tax: Decimal  # on the net amount
    total: Decimal


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, discount_amount: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    gross = round_money(quantity * unit_price, currency)
    discount = round_money(gross * discount_percent / HUNDRED, currency) + round_money(discount_amount, currency)
    discount = min(discount, gross)
    net = gross - discount
    tax = round_money(net * tax_rate / HUNDRED, currency)
    return LineAmounts(gross=gross, discount=discount, net=net, tax=tax, total=net + tax)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    grand_total: Decimal

    def as_fields(self) -> dict[str, Decimal]:
        return {
            "subtotal": self.subtotal,
            "discount_total": self.discount_total,
            "tax_total": self.tax_total,
            "grand_total": self.grand_total,
        }


def document_totals(lines: Iterable[LineAmounts], currency: str) -> Totals:
    zero = round_money(Decimal(0), currency)
    subtotal = discount = tax = zero
    for line in lines:
        subtotal += line.gross
        discount += line.discount
        tax += line.tax
    return Totals(subtotal=subtotal, discount_total=discount, tax_total=tax, grand_total=subtotal - discount + tax)


def group_chain(account: Account) -> list[int]:
    """The account's id, then its parent's, up to the top of the corporate group."""
    chain = [account.pk]
    parent_id = account.parent_id
    while parent_id is not None and parent_id not in chain and len(chain) < MAX_GROUP_DEPTH:
        chain.append(parent_id)
        parent_id = Account.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return chain


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    currency: str
    book: PriceBook


def price_for(*, account: Account | None, product: Product, currency: str) -> Price | None:
    """The price the customer pays for the product in the currency, or None if no book lists it.

    The nearest group book wins: the account's own, then its parent's and so up
    the corporate group; then a book for one of the account's tags; then the
    currency's default book.
    """
    chain = group_chain(account) if account is not None else []
    tag_ids = list(account.tags.values_list("id", flat=True)) if account is not None else []
    entries = list(
        PriceBookEntry.objects.filter(product=product, book__currency=currency, book__is_active=True)
        .filter(Q(book__account_id__in=chain) | Q(book__tag_id__in=tag_ids) | Q(book__is_default=True))
        .select_related("book")
        .order_by("book__name", "book_id")
    )

    def rank(entry: PriceBookEntry) -> tuple[int, int]:
        book = entry.book
        if book.account_id is not None:
            return (0, chain.index(book.account_id))
        return (1, 0) if book.tag_id is not None else (2, 0)

    if not entries:
        return None
    best = min(entries, key=rank)
    return Price(unit_price=best.unit_price, currency=currency, book=best.book)

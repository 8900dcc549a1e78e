"""Tables from the sales app: the product dimension; order-line, invoice, payment and return facts.

Drafts and cancelled orders are not sales: their lines are left out, so an order cancelled after a
build drops out of the next one like a deleted row. Order-line amounts are net of discounts and tax
(``line_total - line_tax``), in the order's currency and in the base currency.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import F

from rapport.analytics.warehouse.extractors.dates import DATE_FIELDS, with_date_key
from rapport.analytics.warehouse.extractors.money import AMOUNT, base_amount_converter
from rapport.analytics.warehouse.sources import Col, Extract, extracted
from rapport.sales.models import Invoice, OrderLine, OrderReturn, OrderStatus, Payment, Product

ID = pa.int64()
TEXT = pa.string()
DAY = pa.date32()
QUANTITY = pa.decimal128(14, 3)
BASE = pa.field("amount_base", AMOUNT)
NOT_SALES = [OrderStatus.DRAFT, OrderStatus.CANCELLED]


def dated_in_base(day: str, amount: str) -> tuple[Callable[[pa.Table], pa.Table], tuple[pa.Field, ...]]:
    convert = base_amount_converter()

    def derive(table: pa.Table) -> pa.Table:
        table = with_date_key(table, day)
        return table.append_column(BASE, convert(table.column(amount), table.column("currency"), table.column("day")))

    return derive, (*DATE_FIELDS, BASE)


@extracted("dim_product", key="product_id")
def products() -> Extract:
    return Extract(
        queryset=Product.objects.all(),
        columns=[
            Col("product_id", "id", ID),
            Col("sku", "sku", TEXT),
            Col("name", "name", TEXT),
            Col("category", "category", TEXT),
            Col("unit", "unit", TEXT),
            Col("is_active", "is_active", pa.bool_()),
        ],
    )


@extracted("fact_order_line", key="order_line_id")
def order_lines() -> Extract:
    convert = base_amount_converter()

    def derive(table: pa.Table) -> pa.Table:
        table = with_date_key(table, "ordered_on")
        net = pc.subtract(table.column("line_total"), table.column("line_tax")).cast(AMOUNT)
        table = table.append_column(pa.field("net_amount", AMOUNT), net)
        return table.append_column(BASE, convert(net, table.column("currency"), table.column("day")))

    return Extract(
        queryset=OrderLine.objects.exclude(order__status__in=NOT_SALES),
        columns=[
            Col("order_line_id", "id", ID),
            Col("order_id", "order_id", ID),
            Col("account_id", "order__account_id", ID),
            Col("product_id", "product_id", ID),
            Col("owner_id", "order__owner_id", ID),
            Col("team_id", "order__team_id", ID),
            Col("channel", "order__channel", TEXT),
            Col("status", "order__status", TEXT),
            Col("ordered_on", "order__ordered_on", DAY),
            Col("currency", "order__currency", TEXT),
            Col("quantity", "quantity", QUANTITY),
            Col("returned_quantity", "returned_quantity", QUANTITY),
            Col("line_total", "line_total", AMOUNT),
            Col("line_tax", "line_tax", AMOUNT),
        ],
        changed=("updated_at", "order__updated_at"),
        derive=derive,
        derived_columns=(*DATE_FIELDS, pa.field("net_amount", AMOUNT), BASE),
    )


@extracted("fact_invoice", key="invoice_id")
def invoices() -> Extract:
    derive, fields = dated_in_base("issued_on", "amount")
    return Extract(
        queryset=Invoice.objects.all(),
        columns=[
            Col("invoice_id", "id", ID),
            Col("order_id", "order_id", ID),
            Col("account_id", "order__account_id", ID),
            Col("issued_on", "issued_on", DAY),
            Col("due_on", "due_on", DAY),
            Col("settled_on", "settled_on", DAY),
            Col("status", "status", TEXT),
            Col("currency", "currency", TEXT),
            Col("amount", "amount", AMOUNT),
            Col("paid_amount", "paid_amount", AMOUNT),
            Col("credited_amount", "credited_amount", AMOUNT),
        ],
        derive=derive,
        derived_columns=fields,
    )


@extracted("fact_payment", key="payment_id")
def payments() -> Extract:
    derive, fields = dated_in_base("paid_on", "amount")
    return Extract(
        queryset=Payment.objects.annotate(currency=F("invoice__currency")),
        columns=[
            Col("payment_id", "id", ID),
            Col("invoice_id", "invoice_id", ID),
            Col("account_id", "invoice__order__account_id", ID),
            Col("paid_on", "paid_on", DAY),
            Col("method", "method", TEXT),
            Col("currency", "currency", TEXT),
            Col("amount", "amount", AMOUNT),
        ],
        derive=derive,
        derived_columns=fields,
    )


@extracted("fact_return", key="return_id")
def returns() -> Extract:
    derive, fields = dated_in_base("returned_on", "refund_amount")
    return Extract(
        queryset=OrderReturn.objects.annotate(returned_on=F("created_at__date"), currency=F("line__order__currency")),
        columns=[
            Col("return_id", "id", ID),
            Col("order_line_id", "line_id", ID),
            Col("order_id", "line__order_id", ID),
            Col("account_id", "line__order__account_id", ID),
            Col("product_id", "line__product_id", ID),
            Col("returned_on", "returned_on", DAY),
            Col("status", "status", TEXT),
            Col("currency", "currency", TEXT),
            Col("quantity", "quantity", QUANTITY),
            Col("refund_amount", "refund_amount", AMOUNT),
        ],
        derive=derive,
        derived_columns=fields,
    )

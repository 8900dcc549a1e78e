"""Sales facts in the warehouse: order lines net of tax in the base currency, invoices, payments, returns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rapport.analytics.warehouse import read_manifest, warehouse_build
from rapport.core.services import exchange_rate_set
from rapport.customers.services import account_create
from rapport.sales.models import Invoice, Order, OrderLine, OrderReturn, OrderStatus, Payment
from rapport.sales.products import product_create

pytestmark = pytest.mark.django_db


def _table(root: Path, name: str) -> pa.Table:
    manifest = read_manifest(root)
    assert manifest is not None
    entry = manifest["tables"][name]
    return pa.concat_tables([pq.read_table(root / manifest["version"] / name / part) for part in entry["parts"]]).sort_by(entry["key"])


def _order(
    account: Any, owner: Any, *, on: date, currency: str, lines: list[tuple[Any, str, str]], status: str = OrderStatus.CONFIRMED
) -> Order:
    """Lines as (product, net amount, tax): the ORM here because orders have no service yet."""
    order = Order.objects.create(account=account, owner=owner, currency=currency, ordered_on=on, status=status, channel="online")
    for position, (product, net, tax) in enumerate(lines, start=1):
        OrderLine.objects.create(
            order=order,
            position=position,
            product=product,
            description=product.name,
            quantity=Decimal(1),
            unit_price=Decimal(net),
            line_tax=Decimal(tax),
            line_total=Decimal(net) + Decimal(tax),
        )
    return order


@pytest.fixture
def sales(users: dict[str, Any]) -> dict[str, Any]:
    admin, rep = users["admin"], users["north_rep"]
    exchange_rate_set(actor=admin, currency="USD", rate_to_base=Decimal("7.10000000"), valid_from=date(2025, 1, 1))
    exchange_rate_set(actor=admin, currency="USD", rate_to_base=Decimal("7.30000000"), valid_from=date(2025, 6, 1))
    laptop = product_create(actor=admin, data={"sku": "X-200", "name": "Laptop", "category": "laptops"})
    acme = account_create(actor=rep, data={"name": "Acme"})
    cny = _order(acme, rep, on=date(2025, 3, 1), currency="CNY", lines=[(laptop, "1000.00", "130.00"), (laptop, "50.00", "6.50")])
    usd_early = _order(acme, rep, on=date(2025, 5, 31), currency="USD", lines=[(laptop, "10.00", "0.00")])
    usd_late = _order(acme, rep, on=date(2025, 6, 1), currency="USD", lines=[(laptop, "10.00", "0.00")])
    eur = _order(acme, rep, on=date(2025, 7, 1), currency="EUR", lines=[(laptop, "10.00", "0.00")])
    _order(acme, rep, on=date(2025, 7, 1), currency="CNY", lines=[(laptop, "99.00", "0.00")], status=OrderStatus.DRAFT)
    invoice = Invoice.objects.create(
        order=cny,
        issued_on=date(2025, 3, 2),
        due_on=date(2025, 4, 1),
        currency="CNY",
        amount=Decimal("1186.50"),
        paid_amount=Decimal("500.00"),
    )
    payment = Payment.objects.create(invoice=invoice, amount=Decimal("500.00"), paid_on=date(2025, 3, 10), method="transfer")
    returned = OrderReturn.objects.create(
        line=cny.lines.get(position=2), quantity=Decimal(1), reason="Broken", refund_amount=Decimal("56.50")
    )
    return {
        "acme": acme,
        "laptop": laptop,
        "orders": [cny, usd_early, usd_late, eur],
        "invoice": invoice,
        "payment": payment,
        "return": returned,
    }


def test_order_lines_are_net_of_tax_in_the_base_currency(sales: dict[str, Any], tmp_path: Path) -> None:
    warehouse_build(root=tmp_path)
    lines = _table(tmp_path, "fact_order_line")
    assert lines.column("order_id").to_pylist() == [o.pk for o in sales["orders"] for _ in o.lines.all()]  # no draft
    assert lines.column("net_amount").to_pylist() == [
        Decimal("1000.00"),
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("10.00"),
    ]
    # USD at the rate in force on the day; EUR has no rate, so no base amount rather than a wrong one.
    assert lines.column("amount_base").to_pylist() == [Decimal("1000.00"), Decimal("50.00"), Decimal("71.00"), Decimal("73.00"), None]
    assert lines.column("date_key").to_pylist() == [20250301, 20250301, 20250531, 20250601, 20250701]
    assert set(lines.column("account_id").to_pylist()) == {sales["acme"].pk}
    assert _table(tmp_path, "dim_product").column("sku").to_pylist() == ["X-200"]
    channels = _table(tmp_path, "dim_channel")
    assert ("online", "Online") in zip(channels.column("channel").to_pylist(), channels.column("name").to_pylist(), strict=True)


def test_invoices_payments_and_returns(sales: dict[str, Any], tmp_path: Path) -> None:
    warehouse_build(root=tmp_path)
    invoices = _table(tmp_path, "fact_invoice").to_pylist()
    assert [(r["invoice_id"], r["account_id"], r["amount"], r["paid_amount"], r["date_key"]) for r in invoices] == [
        (sales["invoice"].pk, sales["acme"].pk, Decimal("1186.50"), Decimal("500.00"), 20250302)
    ]
    payments = _table(tmp_path, "fact_payment").to_pylist()
    assert [(r["payment_id"], r["account_id"], r["amount_base"], r["method"]) for r in payments] == [
        (sales["payment"].pk, sales["acme"].pk, Decimal("500.00"), "transfer")
    ]
    returns = _table(tmp_path, "fact_return").to_pylist()
    assert [(r["return_id"], r["order_id"], r["refund_amount"], r["amount_base"]) for r in returns] == [
        (sales["return"].pk, sales["orders"][0].pk, Decimal("56.50"), Decimal("56.50"))
    ]


def test_an_order_cancelled_after_a_build_drops_out_of_the_next(sales: dict[str, Any], tmp_path: Path) -> None:
    warehouse_build(root=tmp_path)
    cancelled = sales["orders"][1]
    cancelled.status = OrderStatus.CANCELLED
    cancelled.save(update_fields=["status", "updated_at"])  # the order changes, not its lines
    warehouse_build(root=tmp_path)
    assert cancelled.pk not in _table(tmp_path, "fact_order_line").column("order_id").to_pylist()
    full = tmp_path / "full"
    warehouse_build(root=full, full=True)
    assert _table(tmp_path, "fact_order_line").equals(_table(full, "fact_order_line"))

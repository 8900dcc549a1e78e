"""Orders from accepted quotes, invoices and payments against them, and what each customer still owes.

Lock order, always: order, then invoice (docs/adr/0004-balances-and-locks.md).
An invoice's paid amount changes only by ``F()`` under the invoice's row lock,
so two payments recorded at the same moment are both counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone

from rapport.common import events
from rapport.common.errors import Conflict, NotFound
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.models import Account
from rapport.customers.validation import Errors, clean_date
from rapport.sales.catalog_models import Quote, QuoteStatus
from rapport.sales.events import InvoiceIssued, OrderPlaced, PaymentReceived
from rapport.sales.order_models import Invoice, InvoiceStatus, Order, OrderLine, OrderStatus, Payment, PaymentMethod
from rapport.sales.services import clean_amount, require_writer

COPIED_LINE_FIELDS = (
    "position",
    "product_id",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "discount_amount",
    "tax_rate",
    "line_discount",
    "line_tax",
    "line_total",
)


def order_list_for_user(*, user: User) -> Any:
    return policies.restrict(Order.objects.all(), user).select_related("account", "owner")


def order_get_for_user(*, user: User, order_id: int) -> Order:
    found = order_list_for_user(user=user).filter(pk=order_id).first()
    if found is None:
        raise NotFound("No such order.")
    return found


def invoice_list_for_user(*, user: User) -> Any:
    return policies.restrict(Invoice.objects.all(), user, prefix="order__").select_related("order__account")


def invoice_overdue_for(*, user: User, account: Account, today: dt.date | None = None, limit: int = 20) -> list[Invoice]:
    """The account's open invoices past their due date, the oldest due first."""
    day = today or timezone.localdate()
    overdue = invoice_list_for_user(user=user).filter(order__account=account, status=InvoiceStatus.OPEN, due_on__lt=day)
    return list(overdue.order_by("due_on", "id")[:limit])


def invoice_payments(*, invoice: Invoice) -> list[Payment]:
    return list(invoice.payments.select_related("recorded_by").order_by("paid_on", "id"))


def invoice_get_for_user(*, user: User, invoice_id: int) -> Invoice:
    found = policies.restrict(Invoice.objects.all(), user, prefix="order__").select_related("order__account").filter(pk=invoice_id).first()
    if found is None:
        raise NotFound("No such invoice.")
    return found


def order_from_quote(*, actor: User, quote: Quote, via: str = "web") -> Order:
    """The order for an accepted quote, with its lines and totals; one order per quote."""
    require_writer(actor)
    if not policies.can_edit(actor, quote):
        raise NotFound("No such quote.")
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        if locked.status != QuoteStatus.ACCEPTED:
            raise Conflict("Only an accepted quote becomes an order.")
        if Order.objects.filter(quote=locked).exists():
            raise Conflict("This quote is ordered already.")
        order = Order.objects.create(
            account_id=locked.account_id,
            quote=locked,
            owner=actor,
            team_id=locked.team_id,
            shared_with_team=locked.shared_with_team,
            currency=locked.currency,
            ordered_on=timezone.localdate(),
            subtotal=locked.subtotal,
            discount_total=locked.discount_total,
            tax_total=locked.tax_total,
            grand_total=locked.grand_total,
        )
        Order.objects.filter(pk=order.pk).update(number=f"SO-{order.pk:06d}")
        order.number = f"SO-{order.pk:06d}"
        OrderLine.objects.bulk_create(
            OrderLine(order=order, **{name: getattr(line, name) for name in COPIED_LINE_FIELDS}) for line in locked.lines.all()
        )
        audit_record(actor=actor, action=AuditAction.CREATE, record=order, changes=diff({}, {"quote_id": locked.pk}), via=via)
        events.publish(
            OrderPlaced(order.pk, order.account_id, order.owner_id, order.grand_total, order.currency, order.channel, actor.pk, via)
        )
    return order


def invoice_issue(*, actor: User, order: Order, issued_on: Any = None, due_in_days: int = 30, via: str = "web") -> Invoice:
    """Invoice what is not yet invoiced of the order."""
    require_writer(actor)
    if not policies.can_edit(actor, order):
        raise NotFound("No such order.")
    errors = Errors()
    day = clean_date(issued_on, field="issued_on", errors=errors) or timezone.localdate()
    if not 0 <= due_in_days <= 365:
        errors.add("due_in_days", "Between 0 and 365 days.")
    errors.raise_if_any()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.CANCELLED:
            raise Conflict("A cancelled order is not invoiced.")
        invoiced = locked.invoices.exclude(status=InvoiceStatus.VOID).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        remaining = locked.grand_total - invoiced
        if remaining <= 0:
            raise Conflict("The order is invoiced in full.")
        invoice = Invoice.objects.create(
            order=locked, issued_on=day, due_on=day + dt.timedelta(days=due_in_days), currency=locked.currency, amount=remaining
        )
        Invoice.objects.filter(pk=invoice.pk).update(number=f"INV-{invoice.pk:06d}")
        invoice.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.CREATE, record=invoice, changes=diff({}, {"amount": remaining}), via=via)
        events.publish(InvoiceIssued(invoice.pk, locked.pk, locked.account_id, remaining, locked.currency, actor.pk, via))
    return invoice


def payment_record(
    *, actor: User, invoice: Invoice, amount: Any, paid_on: Any, method: str, reference: str = "", via: str = "web"
) -> Payment:
    """Money received against the invoice; more than is outstanding is refused."""
    require_writer(actor)
    if not policies.can_edit(actor, invoice.order):
        raise NotFound("No such invoice.")
    errors = Errors()
    value = clean_amount(amount, field="amount", errors=errors, currency=invoice.currency, positive=True)
    day = clean_date(paid_on, field="paid_on", errors=errors)
    if day is None and "paid_on" not in errors.fields:
        errors.add("paid_on", "When was it paid? (YYYY-MM-DD)")
    if method not in PaymentMethod.values:
        errors.add("method", f"Choose one of {', '.join(PaymentMethod.values)}.")
    errors.raise_if_any()
    assert value is not None and day is not None
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=invoice.order_id).first()  # the fixed lock order: order, then invoice
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status == InvoiceStatus.VOID:
            raise Conflict("The invoice is void.")
        if value > locked.outstanding:
            errors.add("amount", f"Only {locked.outstanding} {locked.currency} is outstanding.")
            errors.raise_if_any()
        payment = Payment.objects.create(
            invoice=locked, amount=value, paid_on=day, method=method, reference=reference[:80], recorded_by=actor
        )
        settled = value == locked.outstanding
        Invoice.objects.filter(pk=locked.pk).update(
            paid_amount=F("paid_amount") + value,
            status=InvoiceStatus.PAID if settled else InvoiceStatus.OPEN,
            settled_on=day if settled else None,
        )
        audit_record(actor=actor, action=AuditAction.CREATE, record=payment, changes=diff({}, {"amount": value, "method": method}), via=via)
        events.publish(PaymentReceived(payment.pk, locked.pk, locked.order_id, value, locked.currency, actor.pk, via))
    return payment


@dataclass(frozen=True)
class Balance:
    currency: str
    invoiced: Decimal
    outstanding: Decimal
    overdue: Decimal
    average_days_late: Decimal  # over settled and overdue invoices
    max_days_late: int


def account_balance(*, user: User, account: Account, today: dt.date | None = None) -> list[Balance]:
    """What the customer owes per currency and how late they pay (call with an account the user sees)."""
    today = today or timezone.localdate()
    invoices = (
        policies.restrict(Invoice.objects.all(), user, prefix="order__").filter(order__account=account).exclude(status=InvoiceStatus.VOID)
    )
    rows = invoices.values("currency").annotate(
        invoiced=Sum("amount"),
        owed=Sum(F("amount") - F("credited_amount") - F("paid_amount")),
        overdue=Sum(
            Case(
                When(status=InvoiceStatus.OPEN, due_on__lt=today, then=F("amount") - F("credited_amount") - F("paid_amount")),
                default=Decimal(0),
            )
        ),
    )
    lateness: dict[str, list[int]] = {}
    for currency, due_on, settled_on, status in invoices.values_list("currency", "due_on", "settled_on", "status"):
        end = settled_on if status == InvoiceStatus.PAID else today
        lateness.setdefault(currency, []).append(max(0, (end - due_on).days) if end else 0)
    result = []
    for row in rows.order_by("currency"):
        days = lateness.get(row["currency"], [0])
        result.append(
            Balance(
                currency=row["currency"],
                invoiced=row["invoiced"],
                outstanding=row["owed"],
                overdue=row["overdue"],
                average_days_late=(Decimal(sum(days)) / len(days)).quantize(Decimal("0.1")),
                max_days_late=max(days),
            )
        )
    return result

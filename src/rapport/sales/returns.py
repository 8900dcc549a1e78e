"""Returns and refunds: goods sent back from a shipped order, and the money given back for them.

A return is *requested* for a quantity of one order line; the quantity is
reserved at once on the line (``returned_quantity``), so two returns asked
for at the same moment can never add up to more than was ordered. It is then
*refunded* (the invoice is credited; what the customer had already paid beyond
what they now owe goes back to them as a negative payment) or *rejected* (the
quantity is released).

Lock order, always: order, then invoice (docs/adr/0004-balances-and-locks.md).
Every counter changes with ``F()`` under those locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from rapport.common import events
from rapport.common.errors import Conflict, NotFound, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.validation import Errors, clean_date, clean_text
from rapport.sales.events import OrderReturned, ReturnRefunded
from rapport.sales.order_models import (
    Invoice,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderReturn,
    OrderStatus,
    Payment,
    PaymentMethod,
    ReturnStatus,
)
from rapport.sales.pricing import round_money
from rapport.sales.services import clean_amount, require_writer

RETURNABLE_STATUSES = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


# -- reads ------------------------------------------------------------------------------


def return_list_for_user(*, user: User) -> QuerySet[OrderReturn]:
    """The returns of the orders the user sees, with what the list shows of each."""
    visible = policies.restrict(OrderReturn.objects.all(), user, prefix="line__order__")
    return visible.select_related("line__order__account", "recorded_by")


def returns_filter(qs: QuerySet[OrderReturn], params: Mapping[str, Any]) -> QuerySet[OrderReturn]:
    """The list's one filter, ``status``; a value that is not a status is named, not ignored."""
    status = params.get("status")
    if status not in (None, ""):
        if status not in ReturnStatus.values:
            raise ValidationFailed.for_field("status", f"Choose one of {', '.join(ReturnStatus.values)}.")
        qs = qs.filter(status=status)
    return qs


def return_list_for_order(*, order: Order) -> QuerySet[OrderReturn]:
    """The returns of an order the caller already found through the visibility selectors."""
    return OrderReturn.objects.filter(line__order=order).select_related("line").order_by("created_at", "id")


def return_get_for_user(*, user: User, return_id: int) -> OrderReturn:
    visible = policies.restrict(OrderReturn.objects.all(), user, prefix="line__order__")
    found = visible.select_related("line__order").filter(pk=return_id).first()
    if found is None:
        raise NotFound("No such return.")
    return found


def returnable_quantity(line: OrderLine) -> Decimal:
    return line.quantity - line.returned_quantity


def refund_for(line: OrderLine, quantity: Decimal, currency: str) -> Decimal:
    """The line's total (after discount, with tax) for ``quantity`` of it."""
    return round_money(line.line_total * quantity / line.quantity, currency)


# -- checking input ---------------------------------------------------------------------


def _clean_quantity(value: Any, errors: Errors) -> Decimal | None:
    try:
        quantity = Decimal(str(value))
        if not quantity.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        errors.add("quantity", f"'{value}' is not a quantity.")
        return None
    if quantity <= 0:
        errors.add("quantity", "Must be more than zero.")
    elif -quantity.as_tuple().exponent > 3:  # type: ignore[operator]
        errors.add("quantity", "At most three decimal places.")
    elif quantity >= Decimal("1e11"):
        errors.add("quantity", "Too large.")
    else:
        return quantity
    return None


def _can_change(actor: User, order: Order) -> None:
    require_writer(actor)
    if not policies.can_edit(actor, order):
        raise NotFound("No such order.")


# -- writes -----------------------------------------------------------------------------


def return_request(
    *,
    actor: User,
    order: Order,
    line_id: Any,
    quantity: Any,
    reason: Any,
    refund_amount: Any = None,
    via: str = "web",
) -> OrderReturn:
    """Record goods coming back from one line of a shipped order; more than is left to return is refused (422 on ``quantity``)."""
    _can_change(actor, order)
    errors = Errors()
    line = order.lines.filter(pk=line_id).first() if str(line_id or "").isdigit() else None
    if line is None:
        errors.add("line_id", "Choose a line of this order.")
    amount = _clean_quantity(quantity, errors)
    text = clean_text(reason, field="reason", max_length=255, errors=errors, required=True)
    refund = None
    if refund_amount not in (None, ""):
        refund = clean_amount(refund_amount, field="refund_amount", errors=errors, currency=order.currency)
    errors.raise_if_any()
    assert line is not None and amount is not None
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in RETURNABLE_STATUSES:
            raise Conflict(f"Only a shipped or delivered order takes returns; this one is {locked.get_status_display().lower()}.")
        # The reservation: one UPDATE that matches only while the quantity is still there.
        reserved = OrderLine.objects.filter(pk=line.pk, returned_quantity__lte=F("quantity") - amount).update(
            returned_quantity=F("returned_quantity") + amount, updated_at=timezone.now()
        )
        if not reserved:
            line.refresh_from_db(fields=["returned_quantity"])
            errors.add("quantity", f"Only {returnable_quantity(line).normalize():f} of this line can still be returned.")
            errors.raise_if_any()
        most = refund_for(line, amount, locked.currency)
        if refund is not None and refund > most:
            errors.add("refund_amount", f"At most {most} {locked.currency} for this quantity.")
            errors.raise_if_any()  # rolls the reservation back with the transaction
        created = OrderReturn.objects.create(
            line=line, quantity=amount, reason=text, refund_amount=most if refund is None else refund, recorded_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=created,
            changes=diff({}, {"order_id": locked.pk, "line_id": line.pk, "quantity": amount, "refund_amount": created.refund_amount}),
            via=via,
        )
        events.publish(
            OrderReturned(created.pk, locked.pk, line.pk, locked.account_id, amount, created.refund_amount, locked.currency, actor.pk, via)
        )
    return created


def _locked_return(order_return: OrderReturn) -> tuple[Order, OrderReturn]:
    order = Order.objects.select_for_update().get(pk=order_return.line.order_id)
    locked = OrderReturn.objects.select_for_update().select_related("line").get(pk=order_return.pk)
    if locked.status != ReturnStatus.REQUESTED:
        raise Conflict(f"This return is {locked.get_status_display().lower()} already.")
    return order, locked


def return_reject(*, actor: User, order_return: OrderReturn, via: str = "web") -> OrderReturn:
    """Turn the return down: the quantity it held becomes returnable again."""
    _can_change(actor, order_return.line.order)
    with transaction.atomic():
        _, locked = _locked_return(order_return)
        OrderLine.objects.filter(pk=locked.line_id).update(
            returned_quantity=F("returned_quantity") - locked.quantity, updated_at=timezone.now()
        )
        OrderReturn.objects.filter(pk=locked.pk).update(status=ReturnStatus.REJECTED, updated_at=timezone.now())
        locked.refresh_from_db()
        audit_record(
            actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff({"status": "requested"}, {"status": "rejected"}), via=via
        )
    return locked


def return_refund(
    *, actor: User, order_return: OrderReturn, method: str = PaymentMethod.BANK_TRANSFER, refunded_on: Any = None, via: str = "web"
) -> OrderReturn:
    """Credit the order's invoices with the refund, oldest first; money already paid beyond what is now owed is paid back.

    The account's outstanding balance falls by the part of the refund that was
    not yet paid; the rest leaves as a negative payment recorded with ``method``.
    """
    _can_change(actor, order_return.line.order)
    errors = Errors()
    if method not in PaymentMethod.values:
        errors.add("method", f"Choose one of {', '.join(PaymentMethod.values)}.")
    day = clean_date(refunded_on, field="refunded_on", errors=errors) or timezone.localdate()
    errors.raise_if_any()
    with transaction.atomic():
        order, locked = _locked_return(order_return)
        invoices = list(
            Invoice.objects.select_for_update().filter(order=order).exclude(status=InvoiceStatus.VOID).order_by("issued_on", "id")
        )
        creditable = sum((invoice.amount - invoice.credited_amount for invoice in invoices), Decimal(0))
        if locked.refund_amount > creditable:
            raise Conflict(
                "Invoice the order first: a refund is credited against its invoices."
                if not invoices
                else f"Only {creditable} {order.currency} of the invoices is left to credit."
            )
        paid_back = _credit(invoices, locked, method=method, day=day, actor=actor)
        OrderReturn.objects.filter(pk=locked.pk).update(status=ReturnStatus.REFUNDED, updated_at=timezone.now())
        locked.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=locked,
            changes=diff({"status": "requested"}, {"status": "refunded", "paid_back": paid_back}),
            via=via,
        )
        events.publish(
            ReturnRefunded(locked.pk, order.pk, order.account_id, locked.refund_amount, paid_back, order.currency, actor.pk, via)
        )
    return locked


def _credit(invoices: list[Invoice], order_return: OrderReturn, *, method: str, day: dt.date, actor: User) -> Decimal:
    """Spread the refund over the (locked) invoices; returns how much money went back to the customer."""
    remaining = order_return.refund_amount
    paid_back = Decimal(0)
    for invoice in invoices:
        take = min(remaining, invoice.amount - invoice.credited_amount)
        if take <= 0:
            continue
        remaining -= take
        owed_after = invoice.amount - invoice.credited_amount - take
        excess = max(Decimal(0), invoice.paid_amount - owed_after)
        if excess:
            Payment.objects.create(
                invoice=invoice,
                amount=-excess,
                paid_on=day,
                method=method,
                reference=f"Refund for return #{order_return.pk}",
                recorded_by=actor,
            )
            paid_back += excess
        settled = invoice.paid_amount - excess == owed_after
        Invoice.objects.filter(pk=invoice.pk).update(
            credited_amount=F("credited_amount") + take,
            paid_amount=F("paid_amount") - excess,
            status=InvoiceStatus.PAID if settled else InvoiceStatus.OPEN,
            settled_on=(invoice.settled_on or day) if settled else None,
            updated_at=timezone.now(),
        )
        if not remaining:
            break
    return paid_back

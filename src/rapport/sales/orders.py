"""Orders placed directly (online, by phone) and an order's way through the warehouse.

An order from a quote is made in ``billing.order_from_quote``; this module
prices a new order's lines like a quote's (``lines.clean_line``) and moves an
order along draft -> confirmed -> shipped -> delivered, or cancels it before
it ships. Cancelling voids its unpaid invoices under the order-then-invoice
lock of docs/adr/0004-balances-and-locks.md; an order with money received is
not cancelled (refund it through a return instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rapport.common import events
from rapport.common.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.selectors import visible_account
from rapport.customers.validation import Errors, clean_text
from rapport.sales.events import OrderPlaced
from rapport.sales.lines import totals_of
from rapport.sales.order_models import Invoice, InvoiceStatus, Order, OrderChannel, OrderLine, OrderStatus
from rapport.sales.quotes import clean_lines
from rapport.sales.services import clean_currency, require_writer

CREATE_FIELDS = frozenset({"account_id", "currency", "lines", "channel", "reference", "notes", "shared_with_team"})
CHANNELS = tuple(OrderChannel.values)
# status -> the statuses it may move to
NEXT: dict[str, frozenset[str]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def order_lines(*, order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("product").order_by("position", "id"))


def order_line_get_for_user(*, user: User, line_id: int) -> OrderLine:
    visible = policies.restrict(OrderLine.objects.all(), user, prefix="order__")
    found = visible.select_related("order").filter(pk=line_id).first()
    if found is None:
        raise NotFound("No such order line.")
    return found


def order_place(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Order:
    """A confirmed order for an account the actor sees, its lines priced from the price book; nothing is stored unless all is valid."""
    require_writer(actor)
    errors = Errors()
    for key in data:
        if key not in CREATE_FIELDS:
            errors.add(key, "This field is set by the server and cannot be changed." if hasattr(Order, key) else "Unknown field.")
    raw_account = data.get("account_id")
    account = visible_account(actor, int(str(raw_account))) if str(raw_account or "").isdigit() else None
    if account is None:
        errors.add("account_id", "Choose an account you can see.")
    currency = clean_currency(data.get("currency"), errors=errors)
    channel = data.get("channel") or "online"
    if channel not in CHANNELS:
        errors.add("channel", f"Choose one of {', '.join(CHANNELS)}.")
    reference = clean_text(data.get("reference", ""), field="reference", max_length=80, errors=errors)
    notes = clean_text(data.get("notes", ""), field="notes", max_length=20000, errors=errors)
    if not data.get("lines"):
        errors.add("lines", "An order needs at least one line.")
    errors.raise_if_any()
    assert account is not None  # refused above
    lines = clean_lines(actor, data["lines"], account, currency)
    with transaction.atomic():
        order = Order.objects.create(
            account=account,
            owner=actor,
            team_id=actor.team_id,
            shared_with_team=bool(data.get("shared_with_team", False)),
            currency=currency,
            status=OrderStatus.CONFIRMED,
            ordered_on=timezone.localdate(),
            channel=channel,
            reference=reference,
            notes=notes,
        )
        OrderLine.objects.bulk_create(OrderLine(order=order, position=i + 1, **line) for i, line in enumerate(lines))
        Order.objects.filter(pk=order.pk).update(number=f"SO-{order.pk:06d}", **totals_of(order.lines.all(), currency))
        order.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=order,
            changes=diff({}, {"channel": channel, "grand_total": order.grand_total, "lines": len(lines)}),
            via=via,
        )
        events.publish(
            OrderPlaced(order.pk, order.account_id, order.owner_id, order.grand_total, order.currency, order.channel, actor.pk, via)
        )
    return order


def order_set_status(*, actor: User, order: Order, status: str, expected_version: int | None = None, via: str = "web") -> Order:
    """Confirm, ship, deliver or cancel; only forward along the way, and no cancelling once shipped or paid."""
    require_writer(actor)
    if not policies.can_edit(actor, order):
        raise NotFound("No such order.")
    if status not in OrderStatus.values:
        raise ValidationFailed.for_field("status", f"Choose one of {', '.join(OrderStatus.values)}.")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(current_version=locked.version)
        if status not in NEXT[locked.status]:
            raise Conflict(f"A {locked.get_status_display().lower()} order cannot become {OrderStatus(status).label.lower()}.")
        if status == OrderStatus.CANCELLED:
            invoices = Invoice.objects.select_for_update().filter(order=locked).exclude(status=InvoiceStatus.VOID)
            if any(invoice.paid_amount != 0 for invoice in invoices):
                raise Conflict("Money was received for this order; record a return and refund instead.")
            invoices.update(status=InvoiceStatus.VOID, updated_at=timezone.now())
        before = locked.status
        Order.objects.filter(pk=locked.pk).update(status=status, version=F("version") + 1, updated_at=timezone.now())
        locked.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff({"status": before}, {"status": status}), via=via)
    return locked

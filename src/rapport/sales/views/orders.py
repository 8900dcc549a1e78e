"""Order and invoice pages: lists, one order with its status actions and invoices, one invoice with its payments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.common.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.sales import billing, orders
from rapport.sales.document_forms import InvoiceForm, PaymentForm
from rapport.sales.order_models import InvoiceStatus, OrderStatus
from rapport.sales.views.common import document_list, found, page_context
from rapport.sales.views.messages import refusal, translated
from rapport.sales.views.order_returns import returns_context

# The button that moves an order to a status, in the order the buttons appear.
STATUS_ACTIONS = (
    (OrderStatus.CONFIRMED, gettext_lazy("Confirm")),
    (OrderStatus.SHIPPED, gettext_lazy("Mark shipped")),
    (OrderStatus.DELIVERED, gettext_lazy("Mark delivered")),
    (OrderStatus.CANCELLED, gettext_lazy("Cancel order")),
)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return document_list(
        request,
        billing.order_list_for_user(user=user),
        tab="orders",
        statuses=OrderStatus.choices,
        template="sales/orders/order_list.html",
        partial="sales/orders/_order_table.html",
    )


@login_required
def order_detail(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    invoice_form: InvoiceForm | None = None,
    return_forms: dict[str, Any] | None = None,
) -> HttpResponse:
    """The order, its lines, invoices and returns; ``return_forms`` are a refused return or refund with its errors."""
    user = core_selectors.actor_of(request)
    order = found(billing.order_get_for_user, user=user, order_id=pk)
    may_edit = policies.can_edit(user, order)
    # The returns section's context carries the order lines (with what can still be returned) that the page shows too.
    returns_section = returns_context(user, order, return_forms)
    invoices = list(order.invoices.order_by("issued_on", "id"))
    invoiced = sum((i.amount for i in invoices if i.status != InvoiceStatus.VOID), start=order.grand_total * 0)
    context = page_context(
        "orders",
        **returns_section,
        invoices=invoices,
        uninvoiced=order.grand_total - invoiced,
        actions=[(status, label) for status, label in STATUS_ACTIONS if status in orders.NEXT[order.status]] if may_edit else [],
        invoice_form=invoice_form or InvoiceForm(),
        error=error,
        audit=audit_log_for(order, limit=20),
    )
    status = 422 if invoice_form is not None or return_forms else 409 if error else 200
    return render(request, "sales/orders/order_detail.html", context, status=status)


@login_required
@require_POST
def order_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    order = found(billing.order_get_for_user, user=user, order_id=pk)
    wanted = request.POST.get("status", "")
    version = request.POST.get("version", "")
    try:
        orders.order_set_status(
            actor=user, order=order, status=wanted, expected_version=int(version) if version.isdigit() else None, via="web"
        )
    except StaleVersion:
        return order_detail(request, pk, error=_("Someone else changed this order meanwhile; here it is as it is now."))
    except (Conflict, ValidationFailed, PermissionDenied) as exc:
        return order_detail(request, pk, error=refusal(exc, order=order, wanted=wanted))
    messages.success(
        request, _("Order %(number)s is now %(status)s.") % {"number": order.number, "status": OrderStatus(wanted).label.lower()}
    )
    return redirect("sales:order_detail", pk=pk)


@login_required
@require_POST
def invoice_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    order = found(billing.order_get_for_user, user=user, order_id=pk)
    form = InvoiceForm(request.POST)
    if form.is_valid():
        try:
            invoice = billing.invoice_issue(
                actor=user,
                order=order,
                issued_on=form.cleaned_data["issued_on"] or None,
                due_in_days=form.cleaned_data["due_in_days"],
                via="web",
            )
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except (Conflict, PermissionDenied) as exc:
            return order_detail(request, pk, error=refusal(exc))
        else:
            messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
            return redirect("sales:invoice_detail", pk=invoice.pk)
    return order_detail(request, pk, invoice_form=form)


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return document_list(
        request,
        billing.invoice_list_for_user(user=user),
        tab="invoices",
        statuses=InvoiceStatus.choices,
        template="sales/orders/invoice_list.html",
        partial="sales/orders/_invoice_table.html",
        via="order__",
    )


@login_required
def invoice_detail(request: HttpRequest, pk: int, *, form: PaymentForm | None = None, error: str = "") -> HttpResponse:
    user = core_selectors.actor_of(request)
    invoice = found(billing.invoice_get_for_user, user=user, invoice_id=pk)
    context: dict[str, Any] = page_context(
        "invoices",
        invoice=invoice,
        order=invoice.order,
        payments=billing.invoice_payments(invoice=invoice),
        may_pay=policies.can_edit(user, invoice.order) and invoice.status == InvoiceStatus.OPEN,
        form=form or PaymentForm(initial={"amount": invoice.outstanding, "paid_on": timezone.localdate().isoformat()}),
        error=error,
    )
    return render(request, "sales/orders/invoice_detail.html", context, status=422 if form is not None else 409 if error else 200)


@login_required
@require_POST
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    invoice = found(billing.invoice_get_for_user, user=user, invoice_id=pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            billing.payment_record(actor=user, invoice=invoice, via="web", **form.cleaned_data)
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except (Conflict, PermissionDenied) as exc:
            return invoice_detail(request, pk, error=refusal(exc))
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("sales:invoice_detail", pk=pk)
    return invoice_detail(request, pk, form=form)

"""Return pages: recent returns, one order's returns with the form to record one, refund and reject.

The order page includes the returns section (``returns_context``); a return
or refund recorded there comes back to it, and a refused one shows its errors
there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import billing, orders, returns
from rapport.sales.contract_forms import RefundForm, ReturnForm
from rapport.sales.order_models import Order, OrderReturn, ReturnStatus
from rapport.sales.views.common import page_context, record_list
from rapport.sales.views.order_returns import returns_context
from rapport.sales.views.orders import order_detail


def _order(request: HttpRequest, pk: int) -> tuple[User, Order]:
    user = core_selectors.actor_of(request)
    try:
        return user, billing.order_get_for_user(user=user, order_id=pk)
    except NotFound:
        raise Http404("No such order.") from None


def _return(request: HttpRequest, pk: int) -> tuple[User, OrderReturn]:
    user = core_selectors.actor_of(request)
    try:
        return user, returns.return_get_for_user(user=user, return_id=pk)
    except NotFound:
        raise Http404("No such return.") from None


@login_required
def return_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        returns.return_list_for_user(user=user),
        tab="returns",
        narrow=returns.returns_filter,
        sort="-created_at",
        template="sales/return_list.html",
        partial="sales/partials/return_table.html",
        filter_choices=lambda: {"statuses": ReturnStatus.choices},
    )


@login_required
def order_returns(request: HttpRequest, pk: int, forms: dict[str, Any] | None = None) -> HttpResponse:
    user, order = _order(request, pk)
    context = page_context("returns", **returns_context(user, order, forms))
    return render(request, "sales/order_returns.html", context, status=422 if forms else 200)


@login_required
@require_POST
def return_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, order = _order(request, pk)
    form = ReturnForm(request.POST, lines=orders.order_lines(order=order))
    if form.is_valid():
        try:
            returns.return_request(actor=user, order=order, via="web", **form.cleaned_data)
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, PermissionDenied) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Return recorded."))
            return _back_to_order(pk)
    return order_detail(request, pk, return_forms={"return": form})


@login_required
@require_POST
def return_refund(request: HttpRequest, pk: int) -> HttpResponse:
    user, found = _return(request, pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            returns.return_refund(actor=user, order_return=found, via="web", **form.cleaned_data)
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, PermissionDenied) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Refunded: the invoice is credited."))
            return _back_to_order(found.line.order_id)
    return order_detail(request, found.line.order_id, return_forms={"refund": form, "refund_for": found.pk})


@login_required
@require_POST
def return_reject(request: HttpRequest, pk: int) -> HttpResponse:
    user, found = _return(request, pk)
    try:
        returns.return_reject(actor=user, order_return=found, via="web")
    except (Conflict, PermissionDenied) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Return rejected."))
    return _back_to_order(found.line.order_id)


def _back_to_order(order_id: int) -> HttpResponse:
    return redirect(reverse("sales:order_detail", args=[order_id]) + "#order-returns")

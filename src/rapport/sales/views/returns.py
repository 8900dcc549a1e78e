"""Return pages: recent returns, one order's returns with the form to record one, refund and reject.

``sales/partials/order_returns.html`` is the returns section on its own, for
the order page to include (context: ``order``, ``lines``, ``returns``,
``return_form``, ``refund_form``, ``may_edit``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.common.pagination import Page, keyset_page
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import billing, orders, returns
from rapport.sales.contract_forms import RefundForm, ReturnForm
from rapport.sales.order_models import Order, OrderReturn
from rapport.sales.views.common import page_context


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


def returns_context(user: User, order: Order, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the returns section needs; the order page includes the section with it."""
    lines = orders.order_lines(order=order)
    for line in lines:
        line.returnable = returns.returnable_quantity(line)  # type: ignore[attr-defined]
    forms = forms or {}
    return {
        "order": order,
        "lines": lines,
        "returns": list(returns.return_list_for_order(order=order)),
        "return_form": forms.get("return") or ReturnForm(lines=[line for line in lines if line.returnable > 0]),  # type: ignore[attr-defined]
        "refund_form": forms.get("refund") or RefundForm(),
        "refund_for": forms.get("refund_for"),
        "may_edit": policies.can_edit(user, order),
    }


@login_required
def return_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    page: Page[Any] = Page(items=[], next_cursor=None, limit=50)
    qs = policies.restrict(OrderReturn.objects.all(), user, prefix="line__order__").select_related("line__order__account", "recorded_by")
    status = request.GET.get("status") or ""
    if status:
        qs = qs.filter(status=status)
    try:
        page = keyset_page(qs, sort="-created_at", cursor=request.GET.get("cursor"), limit=50)
    except ValidationFailed:
        raise Http404("No such page.") from None
    return render(request, "sales/return_list.html", page_context("returns", page=page, status=status))


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
            return redirect("sales:order_returns", pk=pk)
    return order_returns(request, pk, forms={"return": form})


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
            return redirect("sales:order_returns", pk=found.line.order_id)
    return order_returns(request, found.line.order_id, forms={"refund": form, "refund_for": found.pk})


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
    return redirect("sales:order_returns", pk=found.line.order_id)

"""The sales panel of the account 360: what the customer owes, overdue invoices, recent quotes and orders.

Loaded by HTMX after the 360 page itself, so the page's own queries stay as they are.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.customers.selectors import visible_account
from rapport.sales import billing, quotes

RECENT = 5


@login_required
def account_sales(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    account = visible_account(user, pk)
    if account is None:
        raise Http404("No such account.")
    context = {
        "account": account,
        "balances": billing.account_balance(user=user, account=account),
        "overdue": billing.invoice_overdue_for(user=user, account=account),
        "quotes": list(quotes.quote_list_for_user(user=user).filter(account=account).order_by("-created_at", "-id")[:RECENT]),
        "orders": list(billing.order_list_for_user(user=user).filter(account=account).order_by("-created_at", "-id")[:RECENT]),
        "may_quote": policies.can_edit(user, account),
    }
    return render(request, "sales/_account_sales.html", context)

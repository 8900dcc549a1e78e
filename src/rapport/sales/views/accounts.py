"""The sales panel of the account 360: what the customer owes, overdue invoices, recent quotes and orders.

Loaded by HTMX after the 360 page itself, so the page's own queries stay as they are.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.core import policies
from rapport.sales import billing, quotes
from rapport.sales.views.common import account_or_404

RECENT = 5


@login_required
def account_sales(request: HttpRequest, pk: int) -> HttpResponse:
    user, account = account_or_404(request, pk)
    context = {
        "account": account,
        "balances": billing.account_balance(user=user, account=account),
        "overdue": billing.invoice_overdue_for(user=user, account=account),
        "quotes": list(quotes.quote_list_for_user(user=user).filter(account=account).order_by("-created_at", "-id")[:RECENT]),
        "orders": list(billing.order_list_for_user(user=user).filter(account=account).order_by("-created_at", "-id")[:RECENT]),
        "may_quote": policies.can_edit(user, account),
    }
    return render(request, "sales/_account_sales.html", context)

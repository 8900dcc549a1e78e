"""The returns section of an order: what the order page and the order's returns page show."""

from __future__ import annotations

from typing import Any

from rapport.core import policies
from rapport.core.models import User
from rapport.sales import orders, returns
from rapport.sales.contract_forms import RefundForm, ReturnForm
from rapport.sales.order_models import Order


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

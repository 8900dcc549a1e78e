"""Anomaly flags found by the real job on orders and returns written through the sales services.

* "Spiky" (north rep, the manager's team): five orders of about 100 CNY and one of 2,000, all on one day:
  an unusual amount (order 6) and a burst of orders.
* "Southern" (south rep, outside the manager's team): the same pattern.
* "Refunder" (north rep): a shipped order never paid, returned with a refund of 100: a refund above what was paid.
"""

from __future__ import annotations

from typing import Any

from rapport.analytics.anomalies import anomalies_detect
from rapport.analytics.models import AnomalyFlag
from rapport.customers.services import account_create
from rapport.sales.billing import invoice_issue
from rapport.sales.orders import order_place, order_set_status
from rapport.sales.returns import return_request


def _order(owner: Any, account: Any, price: str) -> Any:
    line = {"description": "Paper", "unit_price": price, "quantity": "1", "tax_rate": "0"}
    return order_place(actor=owner, data={"account_id": account.pk, "currency": "CNY", "lines": [line]}, via="test")


def spiky(owner: Any, name: str) -> Any:
    account = account_create(actor=owner, data={"name": name})
    for price in ["100.00", "110.00", "90.00", "105.00", "95.00", "2000.00"]:
        _order(owner, account, price)
    return account


def refunder(owner: Any, name: str = "Refunder") -> Any:
    account = account_create(actor=owner, data={"name": name})
    order = order_set_status(actor=owner, order=_order(owner, account, "100.00"), status="shipped")
    invoice_issue(actor=owner, order=order)
    return_request(actor=owner, order=order, line_id=order.lines.get().pk, quantity="1", reason="Arrived broken")
    return account


def flag_book(users: dict[str, Any]) -> dict[str, Any]:
    accounts = {
        "spiky": spiky(users["north_rep"], "Spiky"),
        "southern": spiky(users["south_rep"], "Southern"),
        "refunder": refunder(users["north_rep"]),
    }
    anomalies_detect()
    flags = {
        f"{name}_{rule}": flag
        for name, account in accounts.items()
        for flag in AnomalyFlag.objects.filter(account=account)
        for rule in [flag.rule]
    }
    return {"accounts": accounts, "flags": flags}

"""A small book of invoices with hand-worked credit figures (docs/analytics/credit-and-anomalies.md), written through the sales services.

As of 30 June 2026, base currency CNY, 1 USD = 7.1 CNY:

* "Late Ltd" (north rep): five invoices. Paid on time (30 days to pay); paid 30 days late (60 days to pay);
  400 of 1,000 paid, 30 days overdue; 500 not yet due; 100 USD not yet due. Come due: 3, late: 2,
  delays 0/30/30 (average 20.0, longest 30), days to pay median 45.0 and 90th percentile 60.0;
  outstanding 600 + 500 + 710 = 1,810, overdue 600. Points: punctuality 40 x 1/3 = 13, delay
  30 x (1 - 20/60) = 20, exposure 20 x (1 - 600/1810) = 13.37 -> 13, history 10 x 364/365 -> 10: 56, grade C.
* "Prompt Co" (second north rep): one invoice paid in 14 days, 16 before it was due, first issued
  121 days before: 40 + 30 + 20 + 3 = 93, grade A.
* "Defaulter Inc" (south rep): 2,000 open since 31 January (150 days overdue), first issued 180 days
  before: 0 + 0 + 0 + 5 = 5, grade E.
* "Newcomer" (north rep): one invoice not yet due: outstanding 300, no grade.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rapport.core.services import exchange_rate_set
from rapport.customers.services import account_create
from rapport.sales.billing import invoice_issue, payment_record
from rapport.sales.orders import order_place

AS_OF = dt.date(2026, 6, 30)


def bill(
    owner: Any, account: Any, amount: str, issued_on: dt.date, *, paid: tuple[str, dt.date] | None = None, currency: str = "CNY"
) -> Any:
    line = {"description": "Service", "unit_price": amount, "quantity": "1", "tax_rate": "0"}
    order = order_place(actor=owner, data={"account_id": account.pk, "currency": currency, "lines": [line]}, via="test")
    invoice = invoice_issue(actor=owner, order=order, issued_on=issued_on, due_in_days=30, via="test")
    if paid:
        payment_record(actor=owner, invoice=invoice, amount=paid[0], paid_on=paid[1], method="bank_transfer", via="test")
    return invoice


def credit_book(users: dict[str, Any]) -> dict[str, Any]:
    exchange_rate_set(actor=users["admin"], currency="USD", rate_to_base=Decimal("7.1"), valid_from=dt.date(2026, 1, 1))
    north, north2, south = users["north_rep"], users["north_rep2"], users["south_rep"]
    late = account_create(actor=north, data={"name": "Late Ltd"})
    bill(north, late, "1000.00", dt.date(2025, 7, 1), paid=("1000.00", dt.date(2025, 7, 31)))
    bill(north, late, "1000.00", dt.date(2026, 1, 1), paid=("1000.00", dt.date(2026, 3, 2)))
    bill(north, late, "1000.00", dt.date(2026, 5, 1), paid=("400.00", dt.date(2026, 6, 1)))
    bill(north, late, "500.00", dt.date(2026, 6, 20))
    bill(north, late, "100.00", dt.date(2026, 6, 1), currency="USD")
    prompt = account_create(actor=north2, data={"name": "Prompt Co"})
    bill(north2, prompt, "800.00", dt.date(2026, 3, 1), paid=("800.00", dt.date(2026, 3, 15)))
    defaulter = account_create(actor=south, data={"name": "Defaulter Inc"})
    bill(south, defaulter, "2000.00", dt.date(2026, 1, 1))
    newcomer = account_create(actor=north, data={"name": "Newcomer"})
    bill(north, newcomer, "300.00", dt.date(2026, 6, 25))
    return {"late": late, "prompt": prompt, "defaulter": defaulter, "newcomer": newcomer}

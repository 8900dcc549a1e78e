"""The demo's sales story around Mr Zhang's company: its contracts (one nearing its end, one expired) and the order of his
accepted X-200 quote, which he sends back, with a return waiting for a refund. Written through the sales services, like
any other door."""

from __future__ import annotations

import datetime as dt

from rapport.core.models import User
from rapport.customers.models import Account
from rapport.sales.billing import invoice_issue, order_from_quote, payment_record
from rapport.sales.contract_terms import contracts_roll_over
from rapport.sales.contracts import contract_create
from rapport.sales.models import Order, Quote
from rapport.sales.orders import order_place, order_set_status
from rapport.sales.returns import return_request

CONTRACTS = (
    # title, days from the start to today, days from today to the end, value, renews automatically, renewal terms
    ("年度维护合同", 340, 25, "48000.00", True, "到期前 30 天书面通知，否则按原价自动续约一年。"),
    ("X-200 延保服务", 160, 205, "12000.00", False, ""),
    ("办公设备租赁", 700, -30, "36000.00", False, "按季度付款。"),
)


def sales_story(*, account: Account, today: dt.date) -> None:
    """Contracts for ``account``, written by its owner."""
    owner = User.objects.get(pk=account.owner_id)
    for title, since, until, value, auto_renew, terms in CONTRACTS:
        contract_create(
            actor=owner,
            data={
                "title": title,
                "account_id": account.pk,
                "start_date": today - dt.timedelta(days=since),
                "end_date": today + dt.timedelta(days=until),
                "value": value,
                "currency": "CNY",
                "auto_renew": auto_renew,
                "renewal_terms": terms,
                "status": "active",
            },
            via="cli",
        )
    # The lease ended a month ago: what the daily job would have done since, so the demo shows it expired.
    contracts_roll_over(today=today)


def zhang_order_story(*, quote: Quote, ordered_on: dt.date) -> Order:
    """The order of Mr Zhang's accepted quote (one X-200) on the day he bought it, invoiced that day and paid ten
    days later; the laptop rattles, so a return waits for a refund."""
    owner = User.objects.get(pk=quote.owner_id)
    order = order_from_quote(actor=owner, quote=quote, via="cli")
    # A past order: the service dates what it orders today, so the demo moves it to the day of the timeline's call.
    Order.objects.filter(pk=order.pk).update(ordered_on=ordered_on)
    order = order_set_status(actor=owner, order=order, status="shipped", via="cli")
    invoice = invoice_issue(actor=owner, order=order, issued_on=ordered_on, via="cli")
    payment_record(
        actor=owner, invoice=invoice, amount=invoice.amount, paid_on=ordered_on + dt.timedelta(days=10), method="bank_transfer", via="cli"
    )
    laptop = order.lines.get()
    return_request(actor=owner, order=order, line_id=laptop.pk, quantity="1", reason="噪音大，客户要求退货", via="cli")
    return order


# Payment habits of a few customers, so the credit page has late payers beside good ones:
# name, invoices as (days before today issued, amount, days after issue paid or None while open).
PAYERS = (
    ("punctual", ((330, "12000.00", 21), (270, "8600.00", 18), (200, "15400.00", 25), (120, "9900.00", 20), (45, "11200.00", 14))),
    ("slow", ((300, "7800.00", 52), (240, "6400.00", 61), (170, "9100.00", 48), (100, "5600.00", 75), (20, "4800.00", None))),
    ("defaulting", ((260, "23000.00", 95), (150, "18500.00", None), (95, "21000.00", None))),
    ("new", ((12, "3600.00", None),)),
)


def payment_story(*, accounts: list[Account], today: dt.date) -> None:
    """Invoices and payments for ``accounts`` (one habit each, in PAYERS' order), written by each account's owner."""
    for account, (_, invoices) in zip(accounts, PAYERS, strict=False):
        owner = User.objects.get(pk=account.owner_id)
        for issued_ago, amount, paid_after in invoices:
            line = {"description": "年度服务费", "unit_price": amount, "quantity": "1", "tax_rate": "0"}
            order = order_place(
                actor=owner, data={"account_id": account.pk, "currency": "CNY", "channel": "sales", "lines": [line]}, via="cli"
            )
            issued = today - dt.timedelta(days=issued_ago)
            # A past order: the service dates what it places today, so the demo moves it to when it was invoiced.
            Order.objects.filter(pk=order.pk).update(ordered_on=issued)
            invoice = invoice_issue(actor=owner, order=order, issued_on=issued, due_in_days=30, via="cli")
            if paid_after is not None:
                paid_on = issued + dt.timedelta(days=paid_after)
                payment_record(actor=owner, invoice=invoice, amount=invoice.amount, paid_on=paid_on, method="bank_transfer", via="cli")


def suspicious_story(*, account: Account) -> None:
    """A new account that orders five times in a day, then a large order, and sends back goods it never paid for.

    What the anomaly rules are for: the worker checks each order and the return as they arrive (the sales events) and
    flags the burst, the unusual amount and the refund; `rapport anomalies detect` finds the same three.
    """
    owner = User.objects.get(pk=account.owner_id)
    for price in ("1180.00", "1320.00", "990.00", "1250.00", "1100.00", "46800.00"):
        line = {"description": "显卡 RTX 工作站", "unit_price": price, "quantity": "1", "tax_rate": "13"}
        order = order_place(
            actor=owner, data={"account_id": account.pk, "currency": "CNY", "channel": "online", "lines": [line]}, via="cli"
        )
    order = order_set_status(actor=owner, order=order, status="shipped", via="cli")
    invoice_issue(actor=owner, order=order, via="cli")
    return_request(actor=owner, order=order, line_id=order.lines.get().pk, quantity="1", reason="包裹未收到，要求退款", via="cli")

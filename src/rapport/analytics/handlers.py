"""Analytics' reactions to the sales events: keep credit behaviour current between nightly runs (an invoice issued,
a payment, a refund), and check each new order and return for fraud review as it arrives.

Delivered after commit; the work goes to the worker so recording a payment or placing an order does not wait for it.
"""

from __future__ import annotations

from rapport.analytics.anomalies import order_subject, return_subject
from rapport.analytics.tasks import anomalies_check_new_subject, credit_refresh_accounts
from rapport.common import events
from rapport.sales.events import InvoiceIssued, OrderPlaced, OrderReturned, PaymentReceived, ReturnRefunded
from rapport.sales.selectors import order_account_ids


@events.subscribe(PaymentReceived)
def credit_after_payment(event: PaymentReceived) -> None:
    account_id = order_account_ids(order_ids=[event.order_id]).get(event.order_id)
    if account_id is not None:
        credit_refresh_accounts.enqueue(account_ids=[account_id])


@events.subscribe(InvoiceIssued)
def credit_after_invoice(event: InvoiceIssued) -> None:
    # A first invoice makes a new customer's credit known (outstanding, due date) without waiting for the night.
    credit_refresh_accounts.enqueue(account_ids=[event.account_id])


@events.subscribe(ReturnRefunded)
def credit_after_refund(event: ReturnRefunded) -> None:
    credit_refresh_accounts.enqueue(account_ids=[event.account_id])


@events.subscribe(OrderPlaced)
def anomalies_after_order(event: OrderPlaced) -> None:
    anomalies_check_new_subject.enqueue(account_id=event.account_id, subject=order_subject(event.order_id))


@events.subscribe(OrderReturned)
def anomalies_after_return(event: OrderReturned) -> None:
    anomalies_check_new_subject.enqueue(account_id=event.account_id, subject=return_subject(event.return_id))

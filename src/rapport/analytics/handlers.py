"""Analytics' reactions to the sales events: keep credit behaviour current between nightly runs.

Delivered after commit; the work goes to the worker so recording a payment does not wait for it.
"""

from __future__ import annotations

from rapport.analytics.tasks import credit_refresh_accounts
from rapport.common import events
from rapport.sales.events import PaymentReceived, ReturnRefunded
from rapport.sales.selectors import order_account_ids


@events.subscribe(PaymentReceived)
def credit_after_payment(event: PaymentReceived) -> None:
    account_id = order_account_ids(order_ids=[event.order_id]).get(event.order_id)
    if account_id is not None:
        credit_refresh_accounts.enqueue(account_ids=[account_id])


@events.subscribe(ReturnRefunded)
def credit_after_refund(event: ReturnRefunded) -> None:
    credit_refresh_accounts.enqueue(account_ids=[event.account_id])

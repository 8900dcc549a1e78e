"""Marketing test data: the spring exhibition in Shanghai, a lecture booked there, and the people who answered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from rapport.sales.tests.commerce_fixtures import catalogue  # noqa: F401

SHOW_START = dt.date(2026, 3, 10)


@pytest.fixture
def show(users: dict[str, Any]) -> Any:
    from rapport.marketing.campaigns import campaign_create

    return campaign_create(
        actor=users["marketer"],
        data={
            "name": "Shanghai Industry Fair 2026",
            "kind": "exhibition",
            "status": "completed",
            "starts_on": SHOW_START,
            "ends_on": SHOW_START + dt.timedelta(days=3),
            "currency": "CNY",
            "budget": Decimal("50000"),
            "attribution_days": 90,
        },
    )


@pytest.fixture
def buyers(users: dict[str, Any], catalogue: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """A north rep's customer whose buyer came to the stand, and a card whose company became a customer later."""
    from rapport.customers.models import Lead, LeadStatus
    from rapport.customers.services import account_create, contact_create, lead_create

    rep = users["north_rep"]
    lotus = account_create(actor=rep, data={"name": "Lotus Trading"})
    buyer = contact_create(actor=rep, data={"first_name": "Wei", "last_name": "Zhang", "account_id": lotus.pk})
    newco = account_create(actor=rep, data={"name": "Hengda Machinery"})
    card = lead_create(actor=rep, data={"first_name": "Li", "last_name": "Na", "company": "Hengda Machinery"})
    Lead.objects.filter(pk=card.pk).update(status=LeadStatus.CONVERTED, converted_account=newco)
    card.refresh_from_db()
    return {"rep": rep, "lotus": lotus, "buyer": buyer, "newco": newco, "card": card}


def place(rep: Any, account: Any, product: Any, on: dt.date, quantity: str = "1", status: str | None = None) -> Any:
    """An order of one product placed (as if) on ``on``."""
    from rapport.sales.models import Order
    from rapport.sales.orders import order_place

    order = order_place(
        actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": product.pk, "quantity": quantity}]}
    )
    Order.objects.filter(pk=order.pk).update(ordered_on=on, **({"status": status} if status else {}))
    order.refresh_from_db()
    return order

"""Service test data: Mr Zhang of Lotus Trading, who bought a laptop and a cable, and the people who share numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rapport.sales.tests.commerce_fixtures import catalogue  # noqa: F401

ZHANG_MOBILE = "+86 138 0013 8000"
LOTUS_SWITCHBOARD = "+86 10 6552 9988"


@pytest.fixture
def zhang(users: dict[str, Any], catalogue: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """A north rep's account with a switchboard line, Mr Zhang on it with a mobile, and two orders."""
    from rapport.customers.profiles import customer_profiles_write
    from rapport.customers.services import account_create, contact_create
    from rapport.sales.models import Order
    from rapport.sales.orders import order_place

    rep = users["north_rep"]
    lotus = account_create(actor=rep, data={"name": "Lotus Trading", "city": "Beijing", "phones": [{"value": LOTUS_SWITCHBOARD}]})
    contact = contact_create(
        actor=rep,
        data={"first_name": "Wei", "last_name": "Zhang", "title": "Buyer", "account_id": lotus.pk, "phones": [{"value": "138-0013-8000"}]},
    )
    first = order_place(
        actor=rep,
        data={"account_id": lotus.pk, "currency": "CNY", "lines": [{"product_id": catalogue["cable"].pk, "quantity": "3"}]},
    )
    second = order_place(
        actor=rep,
        data={"account_id": lotus.pk, "currency": "CNY", "lines": [{"product_id": catalogue["laptop"].pk, "quantity": "1"}]},
    )
    Order.objects.filter(pk=first.pk).update(ordered_on=dt.date(2026, 1, 8))
    Order.objects.filter(pk=second.pk).update(ordered_on=dt.date(2026, 3, 12))
    customer_profiles_write(
        rows=[{"account_id": lotus.pk, "is_vip": True, "churn_band": "high", "churn_risk": 0.71}], scored_at=timezone.now(), via="test"
    )
    return {"account": lotus, "contact": contact, "orders": [first, second], "rep": rep}

"""The customer services announce what they did, after commit."""

from __future__ import annotations

import pytest

from rapport.common import events


@pytest.mark.django_db(transaction=True)
def test_customer_services_publish_their_events(users):
    from rapport.customers.events import CustomerRecordCreated, CustomerRecordUpdated
    from rapport.customers.services import contact_create, contact_update

    got: list[object] = []
    events.subscribe(CustomerRecordCreated)(got.append)
    events.subscribe(CustomerRecordUpdated)(got.append)
    try:
        contact = contact_create(actor=users["north_rep"], data={"last_name": "Event"})
        contact_update(actor=users["north_rep"], contact=contact, data={"title": "Buyer"}, expected_version=1)
    finally:
        events.unsubscribe(CustomerRecordCreated, got.append)
        events.unsubscribe(CustomerRecordUpdated, got.append)
    assert got == [
        CustomerRecordCreated("contact", contact.pk, users["north_rep"].pk, "web"),
        CustomerRecordUpdated("contact", contact.pk, users["north_rep"].pk, ("title",), "web"),
    ]

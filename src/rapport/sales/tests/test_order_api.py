"""Orders over REST: placing one online, every bad input refused with nothing stored, the way through the warehouse,
invoices, payments and the customer's balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def account(users, make_account):
    return make_account(users["north_rep"], "华星上海")


def _place(api, account, catalogue, **extra):
    body = {"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": catalogue["laptop"].pk, "quantity": "2"}], **extra}
    return api.post("orders", body)


def _counts():
    from rapport.sales.models import Order, OrderLine

    return Order.objects.count(), OrderLine.objects.count()


def test_an_online_order_is_priced_from_the_book_and_announced(users, api_for, account, catalogue, django_capture_on_commit_callbacks):
    from rapport.common import events
    from rapport.sales.events import OrderPlaced

    seen: list[OrderPlaced] = []
    events.subscribe(OrderPlaced)(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = _place(api_for(users["north_rep"]), account, catalogue, reference="PO-7")
    finally:
        events.unsubscribe(OrderPlaced, seen.append)
    assert response.status_code == 201, response.content
    body = response.json()
    # 2 x 5999.00 = 11998.00 + 13% 1559.74
    assert (body["number"], body["status"], body["channel"], body["grand_total"], body["tax_total"], body["reference"]) == (
        f"SO-{body['id']:06d}",
        "confirmed",
        "online",
        "13557.74",
        "1559.74",
        "PO-7",
    )
    assert [(line["description"], line["unit_price"], line["returned_quantity"]) for line in body["lines"]] == [
        ("笔记本电脑 X-200", "5999.00", "0.000")
    ]
    assert [(e.order_id, e.amount, e.channel) for e in seen] == [(body["id"], D("13557.74"), "online")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XXX"}, "currency"),
        ({"lines": [{"product_id": 0, "quantity": "1"}]}, "lines[0].product_id"),
        ({"lines": [{"product_id": 999999, "quantity": "1"}]}, "lines[0].product_id"),
        ({"lines": [{"product_id": "old", "quantity": "0"}]}, "lines[0].quantity"),
        ({"lines": [{"product_id": "laptop", "quantity": "0"}]}, "lines[0].quantity"),
        ({"lines": [{"product_id": "laptop", "quantity": "-1"}]}, "lines[0].quantity"),
        ({"lines": [{"product_id": "old", "quantity": "1"}]}, "lines[0].product_id"),
        ({"lines": [{"product_id": "laptop", "quantity": "1", "unit_price": "1.00"}]}, "lines[0].unit_price"),
        ({"lines": [{"product_id": "laptop"}, {"description": "Free text without a price"}]}, "lines[1].unit_price"),
        ({"lines": [{"product_id": "laptop"}], "currency": "USD"}, "lines[0].product_id"),
        ({"lines": []}, "lines"),
        ({"channel": "fax"}, "channel"),
        ({"status": "delivered"}, "status"),
        ({"grand_total": "1.00"}, "grand_total"),
    ],
)
def test_bad_input_is_named_and_nothing_is_stored(users, api_for, account, catalogue, change, field):
    for line in change.get("lines", []):
        if isinstance(line.get("product_id"), str):
            line["product_id"] = catalogue[line["product_id"]].pk
    response = _place(api_for(users["north_rep"]), account, catalogue, **change)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert _counts() == (0, 0)


def test_an_account_the_caller_cannot_see_is_refused(users, api_for, make_account, catalogue):
    hidden = make_account(users["south_rep"], "Southern secret")
    response = _place(api_for(users["north_rep"]), hidden, catalogue)
    assert (response.status_code, list(response.json()["errors"])) == (422, ["account_id"])
    assert _counts() == (0, 0)


def test_a_manager_may_override_the_price(users, api_for, account, catalogue):
    body = {"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": catalogue["cable"].pk, "unit_price": "30.00"}]}
    response = api_for(users["manager"]).post("orders", body)
    assert response.status_code == 201, response.content
    assert (response.json()["lines"][0]["unit_price"], response.json()["grand_total"]) == ("30.00", "31.50")


def test_the_list_filters_pages_and_hides_other_peoples_orders(users, api_for, account, make_account, catalogue):
    north = api_for(users["north_rep"])
    ids = [_place(north, account, catalogue).json()["id"] for _ in range(3)]
    other = make_account(users["north_rep"], "Other")
    other_id = _place(north, other, catalogue).json()["id"]
    first = north.get("orders", {"account_id": account.pk, "limit": 2}).json()
    second = north.get("orders", {"account_id": account.pk, "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [o["id"] for o in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert north.get("orders", {"status": "cancelled"}).json()["items"] == []
    assert [o["id"] for o in north.get("orders", {"status": "confirmed", "account_id": other.pk}).json()["items"]] == [other_id]
    south = api_for(users["south_rep"])
    assert south.get("orders").json()["items"] == []
    assert south.get(f"orders/{other_id}").status_code == 404
    assert south.post(f"orders/{other_id}/status", {"status": "cancelled"}).status_code == 404


def test_an_order_moves_forward_only_and_is_not_cancelled_once_shipped(users, api_for, account, catalogue):
    from rapport.sales.models import Order

    api = api_for(users["north_rep"])
    order_id = _place(api, account, catalogue).json()["id"]
    assert api.post(f"orders/{order_id}/status", {"status": "delivered"}).status_code == 409
    assert api.post(f"orders/{order_id}/status", {"status": "lost"}).status_code == 422
    assert api.post(f"orders/{order_id}/status", {"status": "shipped", "version": 99}).status_code == 409
    shipped = api.post(f"orders/{order_id}/status", {"status": "shipped"})
    assert (shipped.status_code, shipped.json()["status"], shipped.json()["version"]) == (200, "shipped", 2)
    assert api.post(f"orders/{order_id}/status", {"status": "cancelled"}).status_code == 409
    assert api.post(f"orders/{order_id}/status", {"status": "delivered"}).json()["status"] == "delivered"
    assert Order.objects.get(pk=order_id).status == "delivered"


def test_cancelling_voids_unpaid_invoices_but_not_a_paid_order(users, api_for, account, catalogue):
    api = api_for(users["north_rep"])
    unpaid = _place(api, account, catalogue).json()["id"]
    invoice = api.post(f"orders/{unpaid}/invoices", {"issued_on": "2026-01-05"}).json()
    assert api.post(f"orders/{unpaid}/status", {"status": "cancelled"}).json()["status"] == "cancelled"
    assert api.get(f"invoices/{invoice['id']}").json()["status"] == "void"

    paid = _place(api, account, catalogue).json()["id"]
    invoice = api.post(f"orders/{paid}/invoices", {"issued_on": "2026-01-05"}).json()
    api.post(f"invoices/{invoice['id']}/payments", {"amount": "100.00", "paid_on": "2026-01-06", "method": "card"})
    refused = api.post(f"orders/{paid}/status", {"status": "cancelled"})
    assert refused.status_code == 409
    assert (api.get(f"orders/{paid}").json()["status"], api.get(f"invoices/{invoice['id']}").json()["status"]) == ("confirmed", "open")


def test_invoices_payments_and_the_balance(users, api_for, account, catalogue):
    from rapport.sales.models import Payment

    api = api_for(users["north_rep"])
    order_id = _place(api, account, catalogue).json()["id"]
    issued = api.post(f"orders/{order_id}/invoices", {"issued_on": "2026-01-05", "due_in_days": 30})
    assert issued.status_code == 201, issued.content
    invoice = issued.json()
    assert (invoice["amount"], invoice["due_on"], invoice["outstanding"]) == ("13557.74", "2026-02-04", "13557.74")
    assert api.post(f"orders/{order_id}/invoices", {}).status_code == 409
    assert [i["id"] for i in api.get(f"orders/{order_id}/invoices").json()] == [invoice["id"]]

    pay = f"invoices/{invoice['id']}/payments"
    for bad, field in (
        ({"amount": "20000.00", "paid_on": "2026-02-01", "method": "card"}, "amount"),
        ({"amount": "0", "paid_on": "2026-02-01", "method": "card"}, "amount"),
        ({"amount": "10.00", "paid_on": "2026-02-01", "method": "barter"}, "method"),
        ({"amount": "10.00", "paid_on": "someday", "method": "card"}, "paid_on"),
    ):
        response = api.post(pay, bad)
        assert (response.status_code, field in response.json()["errors"]) == (422, True), bad
    assert Payment.objects.count() == 0

    paid = api.post(pay, {"amount": "5000.00", "paid_on": "2026-02-01", "method": "alipay", "reference": "A-1"})
    assert paid.status_code == 201, paid.content
    assert [(p["amount"], p["method"], p["reference"]) for p in api.get(pay).json()] == [("5000.00", "alipay", "A-1")]
    balance = api.get(f"accounts/{account.pk}/balance").json()
    assert [(b["currency"], b["invoiced"], b["outstanding"]) for b in balance] == [("CNY", "13557.74", "8557.74")]

    south = api_for(users["south_rep"])
    assert south.get(f"invoices/{invoice['id']}").status_code == 404
    assert south.post(pay, {"amount": "1.00", "paid_on": "2026-02-01", "method": "card"}).status_code == 404
    assert south.get(f"accounts/{account.pk}/balance").status_code == 404
    assert Payment.objects.count() == 1

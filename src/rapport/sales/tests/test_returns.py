"""Returns and refunds: reserving the quantity, crediting the invoice, paying back, refusals named, two returns at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

D = Decimal


@pytest.fixture
def account(users, make_account):
    return make_account(users["north_rep"], "华星上海")


def _shipped_order(api, account, catalogue, quantity="2"):
    body = {"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": catalogue["laptop"].pk, "quantity": quantity}]}
    order = api.post("orders", body).json()
    assert api.post(f"orders/{order['id']}/status", {"status": "shipped"}).status_code == 200
    return order


def _balance(api, account):
    return [(row["currency"], row["outstanding"]) for row in api.get(f"accounts/{account.pk}/balance").json()]


def _state():
    from rapport.sales.models import Invoice, OrderLine, OrderReturn, Payment

    return (
        list(OrderLine.objects.values_list("returned_quantity", flat=True)),
        list(OrderReturn.objects.values_list("status", flat=True)),
        list(Invoice.objects.values_list("credited_amount", "paid_amount")),
        Payment.objects.count(),
    )


@pytest.mark.django_db
def test_a_return_is_credited_then_paid_back_and_the_balance_follows(
    users, api_for, account, catalogue, django_capture_on_commit_callbacks
):
    from rapport.common import events
    from rapport.sales.events import OrderReturned, ReturnRefunded

    api = api_for(users["north_rep"])
    order = _shipped_order(api, account, catalogue)  # 2 x 5999.00 + 13% = 13557.74
    line_id = order["lines"][0]["id"]
    invoice = api.post(f"orders/{order['id']}/invoices", {"issued_on": "2026-01-05"}).json()
    api.post(f"invoices/{invoice['id']}/payments", {"amount": "5000.00", "paid_on": "2026-01-10", "method": "alipay"})
    seen: list[object] = []
    for kind in (OrderReturned, ReturnRefunded):
        events.subscribe(kind)(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = api.post(f"orders/{order['id']}/returns", {"line_id": line_id, "quantity": "1", "reason": "屏幕破损"})
            assert first.status_code == 201, first.content
            assert (first.json()["status"], first.json()["refund_amount"], first.json()["order_id"]) == (
                "requested",
                "6778.87",
                order["id"],
            )
            assert api.get(f"orders/{order['id']}").json()["lines"][0]["returned_quantity"] == "1.000"
            refunded = api.post(f"returns/{first.json()['id']}/refund", {"refunded_on": "2026-01-20"})
    finally:
        for kind in (OrderReturned, ReturnRefunded):
            events.unsubscribe(kind, seen.append)
    assert (refunded.status_code, refunded.json()["status"]) == (200, "refunded")
    assert [(type(e).__name__, e.return_id) for e in seen] == [
        ("OrderReturned", first.json()["id"]),
        ("ReturnRefunded", first.json()["id"]),
    ]
    # Half the invoice credited; the 5000.00 paid is less than the 6778.87 still owed, so nothing goes back yet.
    after_first = api.get(f"invoices/{invoice['id']}").json()
    assert (after_first["credited_amount"], after_first["paid_amount"], after_first["outstanding"]) == ("6778.87", "5000.00", "1778.87")
    assert _balance(api, account) == [("CNY", "1778.87")]

    second = api.post(
        f"orders/{order['id']}/returns", {"line_id": line_id, "quantity": "1", "reason": "Not needed", "refund_amount": "6000.00"}
    )
    assert second.json()["refund_amount"] == "6000.00"
    api.post(f"returns/{second.json()['id']}/refund", {"method": "alipay", "refunded_on": "2026-01-21"})
    # 6000.00 more credited: 778.87 still owed, and the 4221.13 paid beyond that goes back as a negative payment.
    settled = api.get(f"invoices/{invoice['id']}").json()
    assert (settled["credited_amount"], settled["paid_amount"], settled["outstanding"], settled["status"]) == (
        "12778.87",
        "778.87",
        "0.00",
        "paid",
    )
    payments = api.get(f"invoices/{invoice['id']}/payments").json()
    assert [(p["amount"], p["method"]) for p in payments] == [("5000.00", "alipay"), ("-4221.13", "alipay")]
    assert _balance(api, account) == [("CNY", "0.00")]
    assert [r["status"] for r in api.get(f"orders/{order['id']}/returns").json()] == ["refunded", "refunded"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "3"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "0.0001"}, "quantity"),
        ({"reason": "   "}, "reason"),
        ({"line_id": "other"}, "line_id"),
        ({"refund_amount": "99999.00"}, "refund_amount"),
        ({"refund_amount": "-1.00"}, "refund_amount"),
        ({"status": "refunded"}, "status"),
    ],
)
def test_bad_returns_are_named_and_nothing_changes(users, api_for, account, catalogue, change, field):
    api = api_for(users["north_rep"])
    order = _shipped_order(api, account, catalogue)
    other = _shipped_order(api, account, catalogue)
    body = {"line_id": order["lines"][0]["id"], "quantity": "1", "reason": "Broken", **change}
    if body["line_id"] == "other":
        body["line_id"] = other["lines"][0]["id"]
    before = _state()
    response = api.post(f"orders/{order['id']}/returns", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert _state() == before


@pytest.mark.django_db
def test_what_is_left_to_return_is_named_and_a_rejected_return_frees_it(users, api_for, account, catalogue):
    api = api_for(users["north_rep"])
    order = _shipped_order(api, account, catalogue)
    body = {"line_id": order["lines"][0]["id"], "quantity": "2", "reason": "Wrong model"}
    first = api.post(f"orders/{order['id']}/returns", body).json()
    again = api.post(f"orders/{order['id']}/returns", {**body, "quantity": "1"})
    assert (again.status_code, again.json()["errors"]["quantity"]) == (422, ["Only 0 of this line can still be returned."])
    rejected = api.post(f"returns/{first['id']}/reject")
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert api.post(f"returns/{first['id']}/reject").status_code == 409
    assert api.post(f"returns/{first['id']}/refund").status_code == 409
    assert api.get(f"orders/{order['id']}").json()["lines"][0]["returned_quantity"] == "0.000"
    assert api.post(f"orders/{order['id']}/returns", body).status_code == 201


@pytest.mark.django_db
def test_returns_need_a_shipped_order_and_refunds_an_invoice(users, api_for, account, catalogue):
    api = api_for(users["north_rep"])
    body = {"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": catalogue["cable"].pk, "quantity": "4"}]}
    confirmed = api.post("orders", body).json()
    ret = {"line_id": confirmed["lines"][0]["id"], "quantity": "1", "reason": "Broken"}
    before = _state()
    assert api.post(f"orders/{confirmed['id']}/returns", ret).status_code == 409
    assert _state() == before
    shipped = _shipped_order(api, account, catalogue)
    requested = api.post(f"orders/{shipped['id']}/returns", {**ret, "line_id": shipped["lines"][0]["id"]}).json()
    refused = api.post(f"returns/{requested['id']}/refund")
    assert (refused.status_code, refused.json()["detail"]) == (409, "Invoice the order first: a refund is credited against its invoices.")
    assert api.post(f"returns/{requested['id']}/refund", {"method": "barter"}).status_code == 422
    assert api.get(f"returns/{requested['id']}").json()["status"] == "requested"


@pytest.mark.django_db
def test_someone_who_cannot_see_the_order_gets_404_and_nothing_changes(users, api_for, account, catalogue):
    api = api_for(users["north_rep"])
    order = _shipped_order(api, account, catalogue)
    requested = api.post(f"orders/{order['id']}/returns", {"line_id": order["lines"][0]["id"], "quantity": "1", "reason": "x"}).json()
    before = _state()
    south = api_for(users["south_rep"])
    assert south.get(f"orders/{order['id']}/returns").status_code == 404
    assert (
        south.post(f"orders/{order['id']}/returns", {"line_id": order["lines"][0]["id"], "quantity": "1", "reason": "x"}).status_code == 404
    )
    for action in ("refund", "reject"):
        assert south.post(f"returns/{requested['id']}/{action}").status_code == 404
    assert south.get(f"returns/{requested['id']}").status_code == 404
    assert _state() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database has no concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_returns_at_once_never_exceed_the_ordered_quantity(users, make_account, catalogue):
    from rapport.common.errors import ValidationFailed
    from rapport.sales.models import Order, OrderLine, OrderReturn
    from rapport.sales.orders import order_place, order_set_status
    from rapport.sales.returns import return_request

    rep = users["north_rep"]
    account = make_account(rep, "华星上海")
    order = order_place(
        actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": catalogue["laptop"].pk, "quantity": "3"}]}
    )
    order_set_status(actor=rep, order=order, status="shipped")
    line = order.lines.get()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def give_back() -> None:
        try:
            start.wait()
            return_request(actor=rep, order=Order.objects.get(pk=order.pk), line_id=line.pk, quantity="2", reason="Surplus")
            outcomes.append("returned")
        except ValidationFailed as exc:
            outcomes.append(",".join(exc.field_errors))
        except BaseException as exc:  # reported below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=give_back) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["quantity", "returned"]
    assert (OrderLine.objects.get(pk=line.pk).returned_quantity, OrderReturn.objects.count()) == (D("2.000"), 1)

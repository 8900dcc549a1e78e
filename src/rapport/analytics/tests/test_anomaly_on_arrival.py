"""A new order or return is checked for fraud review as it arrives: the sales event, the worker, one customer's history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.analytics.anomalies import anomalies_check_new, anomalies_detect
from rapport.analytics.handlers import anomalies_after_order
from rapport.analytics.models import AnomalyFlag
from rapport.analytics.tasks import anomalies_check_new_subject
from rapport.analytics.tests.anomaly_data import refunder
from rapport.core.tests.smtp import make_worker
from rapport.customers.services import account_create
from rapport.sales.events import OrderPlaced
from rapport.sales.models import Order
from rapport.sales.orders import order_place

pytestmark = pytest.mark.django_db


def _line(price: str) -> dict[str, str]:
    return {"description": "Paper", "unit_price": price, "quantity": "1", "tax_rate": "0"}


@pytest.fixture
def regular(users: dict[str, Any]) -> Any:
    """A customer of the north rep who orders about 100 CNY a month (five orders, the last a month ago)."""
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Regular"})
    today = timezone.localdate()
    for months_ago, price in zip([5, 4, 3, 2, 1], ["100.00", "110.00", "90.00", "105.00", "95.00"], strict=True):
        order = order_place(actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [_line(price)]}, via="test")
        Order.objects.filter(pk=order.pk).update(ordered_on=today - dt.timedelta(days=30 * months_ago))
    return account


def run_worker() -> int:
    worker, ran = make_worker(), 0
    while worker.run_once()[0]:
        ran += 1
    return ran


def _post_order(api: Any, account: Any, price: str, capture: Any) -> dict[str, Any]:
    with capture(execute=True):
        response = api.post("orders", {"account_id": account.pk, "currency": "CNY", "lines": [_line(price)]})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_unusual_order_placed_through_the_api_is_flagged_by_the_worker(
    users: dict[str, Any], api_for: Any, regular: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = _post_order(api_for(users["north_rep"]), regular, "2000.00", django_capture_on_commit_callbacks)
    queued = DBTaskResult.objects.get(task_path=anomalies_check_new_subject.module_path)
    assert queued.args_kwargs["kwargs"] == {"account_id": regular.pk, "subject": f"order:{order['id']}"}
    assert not AnomalyFlag.objects.exists()  # the order was answered before the check ran

    assert run_worker() == 1
    flag = AnomalyFlag.objects.get()
    assert (flag.rule, flag.subject, flag.order_id, flag.account_id, flag.status, flag.severity, flag.detected_on) == (
        "amount_outlier",
        f"order:{order['id']}",
        order["id"],
        regular.pk,
        "open",
        "high",
        timezone.localdate(),
    )
    # median 100, MAD 5: 0.6745 x 1900 / 5 = 256.3, capped at 99
    assert flag.evidence == {"amount": "2000.00", "median": "100.00", "z": 99.0, "baseline": "customer", "orders": 5}
    assert flag.score == 99.0


def test_a_usual_order_is_not_flagged(users: dict[str, Any], api_for: Any, regular: Any, django_capture_on_commit_callbacks: Any) -> None:
    _post_order(api_for(users["north_rep"]), regular, "104.00", django_capture_on_commit_callbacks)
    assert run_worker() == 1
    assert not AnomalyFlag.objects.exists()


def test_a_second_delivery_of_the_event_adds_nothing_and_keeps_the_review(
    users: dict[str, Any], api_for: Any, regular: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = _post_order(api_for(users["north_rep"]), regular, "2000.00", django_capture_on_commit_callbacks)
    assert run_worker() == 1
    AnomalyFlag.objects.update(status="legitimate", note="Year-end stock-up")
    again = OrderPlaced(order["id"], regular.pk, users["north_rep"].pk, Decimal("2000.00"), "CNY", "online", users["north_rep"].pk, "api")
    anomalies_after_order(again)
    anomalies_after_order(again)
    assert run_worker() == 2
    flag = AnomalyFlag.objects.get()
    assert (flag.status, flag.note, flag.version) == ("legitimate", "Year-end stock-up", 1)
    assert anomalies_check_new(account_id=regular.pk, subject=f"order:{order['id']}").created == 0


def test_a_return_of_goods_never_paid_for_is_flagged_on_the_return(users: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        account = refunder(users["north_rep"])
    assert run_worker() == 3  # the order, its invoice (a credit refresh), then its return
    flag = AnomalyFlag.objects.get()
    assert (flag.rule, flag.account_id, flag.severity, flag.evidence) == (
        "refund_over_paid",
        account.pk,
        "high",
        {"refunds": "100.00", "paid": "0.00"},
    )
    assert flag.subject == f"return:{flag.order_return_id}"


def test_a_customer_with_a_short_history_is_left_to_the_nightly_run(users: dict[str, Any], regular: Any) -> None:
    """On arrival only the customer's own history is read; comparing a newcomer with the whole base needs every order."""
    rep = users["north_rep"]
    newcomer = account_create(actor=rep, data={"name": "Newcomer"})
    order = order_place(actor=rep, data={"account_id": newcomer.pk, "currency": "CNY", "lines": [_line("5000.00")]}, via="test")
    assert anomalies_check_new(account_id=newcomer.pk, subject=f"order:{order.pk}").created == 0
    assert anomalies_detect().created == 1
    assert AnomalyFlag.objects.get().evidence["baseline"] == "base"


def test_the_check_reads_only_that_customers_history(users: dict[str, Any], regular: Any) -> None:
    rep = users["north_rep"]
    for n in range(3):  # other customers' orders and returns must not be read
        refunder(rep, name=f"Other {n}")
    order = order_place(actor=rep, data={"account_id": regular.pk, "currency": "CNY", "lines": [_line("2000.00")]}, via="test")
    with CaptureQueriesContext(connection) as queries:
        run = anomalies_check_new(account_id=regular.pk, subject=f"order:{order.pk}")
    assert run.created == 1
    reads = [q["sql"] for q in queries.captured_queries if '"sales_' in q["sql"]]
    assert len(reads) == 3  # the orders, the payments received, the returns
    assert all(f'"sales_order"."account_id" = {regular.pk}' in sql for sql in reads)
    assert len(queries.captured_queries) == 8  # then two counts of this order's flags around the insert (in a savepoint)

"""Anomaly rules on hand-made facts with worked answers, and the job on real orders (idempotent, reviews kept)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest

from rapport.analytics.anomalies import (
    amount_outliers,
    anomalies_detect,
    order_bursts,
    poisson_tail,
    refund_patterns,
    robust_z,
)
from rapport.analytics.models import AnomalyFlag

D0 = dt.date(2026, 1, 1)


def _order(order_id: int, account_id: int, day: int, amount: float) -> dict[str, Any]:
    return {"order_id": order_id, "account_id": account_id, "day": D0 + dt.timedelta(days=day), "amount": Decimal(str(amount))}


def _return(return_id: int, order_id: int, account_id: int, day: int, order_day: int, refund: float, paid: float) -> dict[str, Any]:
    return {
        "return_id": return_id,
        "order_id": order_id,
        "account_id": account_id,
        "day": D0 + dt.timedelta(days=day),
        "order_day": D0 + dt.timedelta(days=order_day),
        "refund": Decimal(str(refund)),
        "paid_on_order": Decimal(str(paid)),
    }


def test_robust_z_is_the_modified_z_score() -> None:
    # median 100, absolute deviations 0, 10, 10, 5, 5: MAD 5; 0.6745 x 100 / 5
    assert robust_z(200, [100, 110, 90, 105, 95]) == pytest.approx(13.49)
    # No spread around the median (MAD 0): the mean absolute deviation, scaled by 1.2533, stands in.
    assert robust_z(300, [100, 100, 100, 100, 200]) == pytest.approx(200 / (1.253314 * 20))
    assert robust_z(100, [100] * 5) == 0 and math.isinf(robust_z(101, [100] * 5))


def test_an_order_far_above_the_customers_usual_is_flagged_once() -> None:
    orders = [_order(i, 1, i, amount) for i, amount in enumerate([100, 110, 90, 105, 95, 200, 104], start=1)]
    [found] = amount_outliers(orders)
    assert (found.rule, found.subject, found.severity) == ("amount_outlier", "order:6", "high")
    assert found.score == pytest.approx(13.49)
    assert found.evidence == {"amount": "200.00", "median": "100.00", "z": 13.49, "baseline": "customer", "orders": 5}


def test_a_new_customer_is_measured_against_the_whole_base() -> None:
    base = [_order(i, 10 + i, i, 100 + i) for i in range(1, 9)]
    [found] = amount_outliers([*base, _order(99, 50, 20, 5000)])
    assert (found.subject, found.evidence["baseline"], found.evidence["orders"]) == ("order:99", "base", 9)


def test_a_burst_is_flagged_when_the_week_becomes_improbable_and_only_once() -> None:
    # One order a month for half a year, then four on consecutive days.
    steady = [_order(i + 1, 3, day, 100) for i, day in enumerate(range(0, 151, 30))]
    burst = [_order(10 + i, 3, day, 100) for i, day in enumerate([200, 201, 202, 203, 204])]
    expected = 5 * 7 / 180
    assert poisson_tail(3, expected) > 0.001 >= poisson_tail(4, expected)  # the third order is not enough, the fourth is
    [found] = order_bursts(steady + burst)
    assert (found.subject, found.evidence["orders"], found.evidence["expected"]) == ("order:13", 4, round(expected, 2))
    assert found.score == pytest.approx(-math.log10(poisson_tail(4, expected)), abs=0.01) and found.severity == "medium"


def test_refunds_above_what_was_paid() -> None:
    orders = [_order(1, 4, 0, 500), _order(2, 4, 0, 800)]
    findings = list(refund_patterns(orders, [_return(1, 1, 4, 5, 0, 500, 0), _return(2, 2, 4, 40, 0, 300, 800)]))
    over = [f for f in findings if f.rule == "refund_over_paid"]
    assert [(f.subject, f.score, f.severity) for f in over] == [("return:1", 500.0, "high")]


def test_a_high_refund_ratio_is_flagged_on_the_return_that_crosses_it() -> None:
    orders = [_order(1, 5, 0, 1000), _order(2, 5, 10, 1000)]
    returns = [_return(1, 1, 5, 30, 0, 600, 1000), _return(2, 2, 5, 60, 10, 500, 1000)]
    [found] = [f for f in refund_patterns(orders, returns) if f.rule == "refund_ratio"]
    assert (found.subject, found.score, found.severity, found.evidence["returns"]) == ("return:2", 0.55, "medium", 2)


def test_repeated_quick_returns() -> None:
    orders = [_order(i, 6, day, 100) for i, day in [(1, 0), (2, 20), (3, 40), (4, 200)]]
    returns = [
        _return(1, 1, 6, 5, 0, 10, 100),
        _return(2, 2, 6, 30, 20, 10, 100),  # 10 days after its order
        _return(3, 3, 6, 50, 40, 10, 100),  # the third within 14 days of its order, inside 90 days: flagged
        _return(4, 4, 6, 260, 200, 10, 100),  # 60 days after its order: not quick
    ]
    [found] = [f for f in refund_patterns(orders, returns) if f.rule == "quick_returns"]
    assert (found.subject, found.score) == ("return:3", 3.0)


@pytest.mark.django_db
def test_the_job_flags_real_orders_once_and_keeps_reviews(users: dict[str, Any]) -> None:
    from rapport.customers.services import account_create
    from rapport.sales.orders import order_place

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Spiky"})
    for price in ["100.00", "110.00", "90.00", "105.00", "95.00", "2000.00"]:
        line = {"description": "Paper", "unit_price": price, "quantity": "1", "tax_rate": "0"}
        order_place(actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [line]}, via="test")
    first = anomalies_detect()
    rules = set(AnomalyFlag.objects.values_list("rule", flat=True))
    assert rules == {"amount_outlier", "order_burst"}  # six orders in a day from a customer with no history
    assert first.created == AnomalyFlag.objects.count() == 2
    AnomalyFlag.objects.filter(rule="amount_outlier").update(status="legitimate", note="Year-end stock-up")
    again = anomalies_detect()
    assert (again.found, again.created) == (2, 0)
    kept = AnomalyFlag.objects.get(rule="amount_outlier")
    assert (kept.status, kept.note, kept.account_id) == ("legitimate", "Year-end stock-up", account.pk)


@pytest.mark.django_db
def test_the_cli_prints_what_it_found(users: dict[str, Any]) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("anomalies", "detect", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue())["findings"] == 0

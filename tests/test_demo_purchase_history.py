"""Cross-domain flow: the demo's three years of orders are priced as the services price them, leave the stories'
customers as their stories tell them, and give the basket analysis and the screen pop something to say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count, Max, Sum

from rapport.dataops.demo import DemoPlan, load_demo
from rapport.sales.models import Order, OrderLine

pytestmark = pytest.mark.django_db

PLAN = DemoPlan(contacts=400, accounts=120, leads=20, batch_size=50, seed=11)


@pytest.fixture
def demo() -> dict[str, int]:
    return load_demo(PLAN)


def test_most_customers_have_a_priced_order_history(demo: dict[str, int]) -> None:
    assert demo["purchase_history"] == 120  # the customers the phase went through
    buyers = Order.objects.values("account_id").distinct().count()
    assert 60 <= buyers <= 118  # most of them bought; the stories' customers have their own orders
    assert Order.objects.count() > 400
    for order in Order.objects.annotate(lines_total=Sum("lines__line_total"), n=Count("lines"))[:200]:
        assert order.n >= 1 and order.lines_total == order.grand_total
        assert order.number == f"SO-{order.pk:06d}"
        assert order.subtotal + order.tax_total == order.grand_total
    cny = OrderLine.objects.filter(order__currency="CNY", product__sku="X200").first()
    usd = OrderLine.objects.filter(order__currency="USD", product__sku="X200").first()
    assert cny is not None and cny.unit_price == Decimal("5999.00") and cny.line_tax == cny.line_total - cny.quantity * cny.unit_price
    assert usd is not None and usd.unit_price == Decimal("849.00")
    assert Order.objects.aggregate(last=Max("ordered_on"))["last"] < dt.date.today() + dt.timedelta(days=1)


def test_a_laptop_usually_comes_with_its_dock(demo: dict[str, int]) -> None:
    with_laptop = set(OrderLine.objects.filter(product__sku="X200").values_list("order_id", flat=True))
    with_dock = set(OrderLine.objects.filter(product__sku="DOCK-X").values_list("order_id", flat=True))
    assert len(with_laptop) > 50
    assert 0.4 < len(with_laptop & with_dock) / len(with_laptop) < 0.75


def test_mr_zhang_keeps_his_story(demo: dict[str, int]) -> None:
    from rapport.customers.models import Contact

    zhang = Contact.objects.get(full_name="张伟", contact_points__normalised="+8613800138000")
    lines = list(OrderLine.objects.filter(order__account_id=zhang.account_id).values_list("product__sku", "order__ordered_on__month"))
    assert lines == [("X200", 3)]  # "You bought the X-200 from us on 12 March"


def test_the_call_centre_has_cases_some_late_and_mr_zhangs_complaint_is_past_due(demo: dict[str, int]) -> None:
    from django.utils import timezone

    from rapport.service.models import Case

    zhang = Case.objects.get(subject="投诉：X-200 噪音大")
    assert (zhang.kind, zhang.priority, zhang.status, zhang.product.sku) == ("complaint", "high", "open", "X200")
    assert zhang.is_overdue() and zhang.contact is not None and zhang.contact.full_name == "张伟"
    history = Case.objects.exclude(pk=zhang.pk)
    assert history.count() > 20
    assert set(history.values_list("kind", flat=True)) == {"question", "problem", "request", "complaint"}
    resolved = [c for c in history if c.resolved_at is not None]
    late = [c for c in resolved if c.resolved_at > c.due_at]
    assert 0 < len(late) < len(resolved) / 2
    assert all(c.resolved_at <= timezone.now() and c.created_at < c.due_at for c in resolved)
    assert all(c.number == f"CS-{c.pk:06d}" for c in history)


def test_a_resumed_load_writes_no_order_twice(demo: dict[str, int]) -> None:
    orders = Order.objects.count()
    assert load_demo(PLAN)["purchase_history"] == 120
    assert Order.objects.count() == orders


def test_the_basket_analysis_finds_the_bundles_and_the_screen_pop_offers_them(demo: dict[str, int], settings: Any, tmp_path: Path) -> None:
    from rapport.analytics.crosssell import cross_sell_for_account, cross_sell_refresh
    from rapport.analytics.engine import open_warehouse
    from rapport.analytics.models import CrossSellRule, NextBestProduct
    from rapport.analytics.warehouse.build import warehouse_build

    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    warehouse_build(root=tmp_path)
    cross_sell_refresh(warehouse=open_warehouse(root=tmp_path))
    rules = {(r.product.sku, r.recommended.sku): r for r in CrossSellRule.objects.select_related("product", "recommended")}
    assert ("X200", "DOCK-X") in rules and rules[("X200", "DOCK-X")].lift > 1
    assert ("SUP-PLAN", "SVC-INST") in rules
    assert NextBestProduct.objects.values("account_id").distinct().count() > 20
    # A customer who bought a laptop and nothing to go with it is offered the dock or the warranty.
    laptop_only = (
        Order.objects.filter(lines__product__sku="X200")
        .exclude(account__orders__lines__product__sku__in=["DOCK-X", "WAR-EXT2"])
        .values_list("account_id", flat=True)
        .first()
    )
    if laptop_only is not None:
        offered = {n.product.sku for n in cross_sell_for_account(account_id=laptop_only).next_best}
        assert offered & {"DOCK-X", "WAR-EXT2"}

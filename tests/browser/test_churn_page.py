"""The churn page in the browser: charts drawn, care calls planned with the button; the 360 shows risk and cross-sell."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.analytics.models import CareTask, ChurnModelRun, CrossSellRule, NextBestProduct
from rapport.customers.models import Activity
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create
from rapport.sales.products import product_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("RAPPORT_SCREENSHOTS")
AS_OF = date(2025, 6, 30)


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _run() -> ChurnModelRun:
    lift = [4.8, 1.9, 1.1, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    calibration = [(0.05, 0.03, 340), (0.15, 0.12, 40), (0.35, 0.31, 22), (0.55, 0.6, 18), (0.75, 0.72, 20), (0.95, 0.97, 230)]
    return ChurnModelRun.objects.create(
        as_of=AS_OF,
        warehouse_version="v000042",
        window_days=90,
        train_cutoff=AS_OF - timedelta(days=180),
        validation_cutoff=AS_OF - timedelta(days=90),
        params={"learning_rate": 0.06},
        metrics={
            "auc": 0.874,
            "brier": 0.09,
            "lift_top_decile": lift[0],
            "base_rate": 0.21,
            "train_customers": 796,
            "validation_customers": 727,
            "calibration_method": "sigmoid",
            "lift": [{"decile": d + 1, "customers": 73, "churn_rate": 0.21 * v, "lift": v} for d, v in enumerate(lift)],
            "calibration": [{"low": 0, "high": 0, "customers": n, "predicted": p, "observed": o} for p, o, n in calibration],
        },
        importance=[
            {"feature": "recency_days", "mean": 0.081, "std": 0.004},
            {"feature": "interactions_phone", "mean": 0.032, "std": 0.003},
            {"feature": "payment_delay_max", "mean": 0.023, "std": 0.003},
            {"feature": "spend_trend", "mean": 0.012, "std": 0.002},
            {"feature": "frequency", "mean": 0.006, "std": 0.001},
            {"feature": "care_calls", "mean": 0.0, "std": 0.0},
        ],
        scored=659,
        high_risk=218,
        contacted=12,
        retained=7,
    )


def test_plan_care_calls_from_the_churn_page_and_see_the_risk_on_the_360(page, live_server, users, log_in):
    manager = users["manager"]
    accounts = [
        account_create(actor=users["north_rep"], data={"name": name}) for name in ("Fresh Farms", "Blue Harbour Trading", "Lotus Tea House")
    ]
    customer_profiles_write(
        rows=[
            {"account_id": a.pk, "churn_risk": risk, "churn_band": band, "is_vip": vip, "value_decile": decile, "clv": clv}
            for a, risk, band, vip, decile, clv in (
                (accounts[0], 0.82, "high", True, 10, 48200),
                (accounts[1], 0.64, "high", False, 9, 21950),
                (accounts[2], 0.31, "medium", False, 6, 5400),
            )
        ],
        scored_at=datetime(2025, 7, 1, tzinfo=UTC),
        via="test",
    )
    _run()
    cable, laptop = (
        product_create(actor=users["admin"], data={"sku": s, "name": n}) for s, n in (("C-1", "USB-C cable"), ("X-200", "Laptop X-200"))
    )
    now = timezone.now()
    NextBestProduct.objects.create(account=accounts[0], product=cable, rank=1, confidence=0.6, lift=1.8, computed_at=now)
    CrossSellRule.objects.create(product=laptop, recommended=cable, support=0.3, confidence=0.6, lift=1.8, computed_at=now)

    # The page draws three charts on a shared machine: give it time.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(60_000)
    log_in(page, manager.username)
    page.goto(f"{live_server.url}/analytics/churn/")
    expect(page.locator("[data-churn-metrics]")).to_contain_text("0.874")
    expect(page.locator("[data-care-outcome]")).to_contain_text("Contacted last run: 12, retained since: 7")
    for chart in ("lift", "calibration", "importance"):
        expect(page.locator(f'[data-chart="{chart}"] svg')).to_be_visible()
    expect(page.locator("[data-at-risk]")).to_contain_text("Fresh Farms")
    shoot(page, "churn-page")

    page.get_by_role("button", name="Create 2 care calls").click()
    expect(page.locator(".toast")).to_contain_text("2 care calls created")
    assert CareTask.objects.count() == 2
    assert set(Activity.objects.values_list("owner_id", flat=True)) == {users["agent"].pk}
    expect(page.get_by_role("button", name="Create 0 care calls")).to_be_disabled()

    page.goto(f"{live_server.url}/accounts/{accounts[0].pk}/")
    expect(page.locator("[data-churn-band]")).to_contain_text("Churn risk: High")
    expect(page.locator(".badge-vip")).to_be_visible()
    expect(page.locator("[data-next-best]")).to_contain_text("USB-C cable")
    shoot(page, "account-360-churn-cross-sell")

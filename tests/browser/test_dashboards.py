"""An analyst walks through the four executive dashboards, in English and in Chinese; the charts draw."""

from __future__ import annotations

import datetime as dt
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rapport.analytics.tests.warehouse_data import write_warehouse
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create, contact_create, interaction_log, lead_create
from rapport.sales import services as sales_services
from rapport.sales.models import Pipeline
from rapport.sales.quotas import quota_set

pytestmark = pytest.mark.django_db(transaction=True)


def _month(today: dt.date, back: int, day: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, min(day, 28))


def _data(users: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    settings.RAPPORT_BASE_CURRENCY = "CNY"
    today = timezone.localdate()
    sales_services.sales_setup()
    stages = {s.name: s for s in Pipeline.objects.get(name="New business").stages.all()}
    reps = [users["north_rep"], users["north_rep2"], users["south_rep"]]
    accounts = [account_create(actor=reps[n % 3], data={"name": f"Customer {n:02d}"}) for n in range(24)]
    for n, (stage, amount) in enumerate(
        [("Prospecting", 8000), ("Qualification", 12000), ("Needs analysis", 20000), ("Proposal", 30000), ("Negotiation", 45000)] * 2
    ):
        data = {"name": f"Deal {n}", "account_id": accounts[n].pk, "amount": str(amount + 1000 * n), "currency": "CNY"}
        data |= {"expected_close_date": (today + dt.timedelta(days=10 + n)).isoformat(), "stage_id": stages[stage].pk}
        sales_services.opportunity_create(actor=reps[n % 3], data=data, via="test")
    for n in range(9):
        owner = reps[n % 3]
        deal = sales_services.opportunity_create(
            actor=owner,
            data={
                "name": f"Closed {n}",
                "account_id": accounts[n].pk,
                "amount": str(15000 + 2500 * n),
                "currency": "CNY",
                "expected_close_date": today.isoformat(),
            },
            via="test",
        )
        won = n % 3 != 2
        sales_services.opportunity_move_stage(
            actor=owner,
            opportunity=deal,
            stage_id=stages["Won" if won else "Lost"].pk,
            expected_version=deal.version,
            closed_on=_month(today, n, 12),
            lost_reason="" if won else "Price",
        )
    for rep in reps:
        for back in range(3):
            first = _month(today, back, 1)
            last = _month(today, back - 1, 1) - dt.timedelta(days=1)
            quota_set(
                actor=users["admin"],
                user_id=rep.pk,
                period_start=first.isoformat(),
                period_end=last.isoformat(),
                amount="40000",
                currency="CNY",
            )
    lines, order = [], 0
    for n, account in enumerate(accounts):
        for back in range(n % 14, 15, 2 + n % 3):
            order += 1
            lines.append((account.pk, order, _month(today, back, 1 + n), f"{100 + 37 * n}.00"))
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path / "warehouse", lines)
    segments = ["champions", "loyal", "potential_loyalists", "at_risk", "hibernating", "lost", "need_attention", "promising"]
    rows = [
        {
            "account_id": a.pk,
            "rfm_segment": segments[n % 8],
            "clv": Decimal(80 + 900 * n),
            "churn_band": ["low", "medium", "high"][n % 3],
            "is_vip": n < 3,
        }
        for n, a in enumerate(accounts)
    ]
    customer_profiles_write(rows=rows, scored_at=datetime.now(tz=UTC), via="analytics")
    for n, account in enumerate(accounts[:12]):
        for channel, direction in (("phone", "inbound"), ("email", "outbound"), ("web", "inbound"))[: 1 + n % 3]:
            interaction_log(actor=reps[n % 3], channel=channel, direction=direction, subject="Call", account_id=account.pk)
        contact_create(
            actor=reps[n % 3],
            data={"last_name": f"Person {n}", "account_id": account.pk, "consent_email": n % 2 == 0, "consent_phone": n % 3 == 0},
        )
        lead_create(
            actor=reps[n % 3], data={"last_name": f"Lead {n}", "company": "Co", "source": ["trade show", "web form", "referral"][n % 3]}
        )


def test_the_four_dashboards_in_english_and_chinese(
    page: Any, live_server: Any, log_in: Any, users: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    _data(users, settings, tmp_path)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.location.get("url", "") else None)
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 1360, "height": 900})
    shots = Path(os.environ.get("RAPPORT_SCREENSHOTS", tmp_path))
    log_in(page, "analyst")
    for language in ("en", "zh-hans"):
        if language != "en":
            users["analyst"].language = language
            users["analyst"].save(update_fields=["language"])
        for name in ("sales", "customers", "service", "marketing"):
            page.goto(f"{live_server.url}/analytics/dashboards/{name}/")
            page.wait_for_selector("[data-chart] svg")
            assert page.locator("[data-tile]").count() >= 5
            page.screenshot(path=str(shots / f"dashboard-{name}-{language}.png"), full_page=True)
    # A new period swaps the figures in place: no page load, the charts drawn again, the URL kept for the back button.
    page.evaluate("window.stayedOnPage = true")
    period_line = page.locator("#dashboard-body > p.muted.small").first
    before = period_line.inner_text()
    page.select_option("#period", "year")
    page.wait_for_url("**period=year")
    page.wait_for_function("document.querySelector('.tab[aria-selected]').href.endsWith('period=year')")
    page.wait_for_selector("[data-chart] svg")
    assert page.evaluate("window.stayedOnPage") is True
    assert page.locator("#dashboard-body").count() == 1 and page.locator("#dashboard-data").count() == 1
    assert period_line.inner_text() != before, "the period's dates are the new period's"
    page.screenshot(path=str(shots / "dashboard-marketing-zh-hans-year.png"), full_page=True)
    assert errors == []

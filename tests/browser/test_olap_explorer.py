"""An analyst pivots revenue by year and region, drills into a year, climbs back up, and opens a cell's customers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from rapport.analytics.tests.olap_data import REGIONS, write_olap_warehouse
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_pivot_drill_down_and_back(
    page: Any, live_server: Any, log_in: Any, users: dict[str, Any], teams: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    owners = {n: users["north_rep"] if n <= 2 else users["south_rep"] for n in REGIONS}
    made = {n: account_create(actor=owners[n], data={"name": f"Account {n}"}) for n in REGIONS}
    settings.RAPPORT_WAREHOUSE_DIR = write_olap_warehouse(
        tmp_path / "warehouse",
        accounts={n: a.pk for n, a in made.items()},
        users={"A": users["north_rep"].pk, "B": users["south_rep"].pk},
        teams={"X": teams["north"].pk, "Y": teams["south"].pk},
    )
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" and "favicon" not in message.location.get("url", "") else None
        ),
    )
    page.set_default_timeout(30_000)  # the first page of a live server compiles templates and URLs; the machine may be busy
    log_in(page, "analyst")
    page.goto(f"{live_server.url}/analytics/olap/")
    page.check("input[name=measures][value=customers]")
    page.select_option("select[name=cols]", "region")
    page.click("form[data-olap-form] button[type=submit]")
    page.wait_for_selector("[data-chart=olap] svg")
    assert page.inner_text("[data-pivot] tfoot").split() == ["Total", "750", "2", "550", "1", "80", "1", "1,380", "4"]
    shots = Path(os.environ.get("RAPPORT_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "olap-explorer.png"), full_page=True)

    page.click("[data-pivot] tbody th a:text-is('2025')")
    page.wait_for_selector("text=Year: 2025")
    assert [t.strip() for t in page.locator("[data-pivot] tbody th").all_inner_texts()] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    page.screenshot(path=str(shots / "olap-drilled.png"), full_page=True)
    page.click(".olap-crumbs a:text-is('All')")
    page.wait_for_selector("[data-pivot] tbody th a:text-is('2024')")

    page.click("[data-pivot] tbody tr:nth-child(2) td:nth-child(2) a")  # 2025 · North · revenue
    page.wait_for_selector("[data-cell-customers]")
    names = page.locator("[data-cell-customers] tbody td:first-child").all_inner_texts()
    assert names == ["Account 1", "Account 2"]  # the analyst of the north team sees the north accounts
    page.screenshot(path=str(shots / "olap-customers.png"), full_page=True)
    assert errors == []

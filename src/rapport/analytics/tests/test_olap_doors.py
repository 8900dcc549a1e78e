"""The OLAP explorer through its doors: the page (with drill-down links), the exports, the API, and visibility."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rapport.analytics.tests.olap_data import REGIONS, write_olap_warehouse
from rapport.common.testing import signed_in
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(users: dict[str, Any], teams: dict[str, Any], settings: Any, tmp_path: Path) -> dict[int, Any]:
    """The example's accounts 1-2 owned by a north rep, 3-4 by a south rep; owners and teams are real."""
    owners = {n: users["north_rep"] if n <= 2 else users["south_rep"] for n in REGIONS}
    made = {n: account_create(actor=owners[n], data={"name": f"Account {n}"}) for n in REGIONS}
    settings.RAPPORT_WAREHOUSE_DIR = write_olap_warehouse(
        tmp_path,
        accounts={n: a.pk for n, a in made.items()},
        users={"A": users["north_rep"].pk, "B": users["south_rep"].pk},
        teams={"X": teams["north"].pk, "Y": teams["south"].pk},
    )
    return made


def _rows(html: str) -> list[list[str]]:
    table = re.search(r"<table[^>]*data-pivot>(.*?)</table>", html, re.S)
    assert table is not None
    cells = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells.append([re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    return cells


def test_analyst_pivots_year_by_region_with_drill_links(
    users: dict[str, Any], accounts: dict[int, Any], django_assert_max_num_queries: Any
) -> None:
    client = signed_in(users["analyst"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("analytics:olap"), {"measures": "revenue,customers", "rows": "year", "cols": "region"})
    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(html)
    assert rows[0] == ["Year", "North", "South", "(not set)", "Total"]
    assert rows[2] == ["2024", "450", "2", "", "", "", "", "450", "2"]
    assert rows[3] == ["2025", "300", "2", "550", "1", "80", "1", "930", "4"]
    assert rows[4] == ["Total", "750", "2", "550", "1", "80", "1", "1,380", "4"]
    assert 'href="?measures=revenue%2Ccustomers&amp;rows=quarter&amp;cols=region&amp;filters=year%3A2025"' in html
    assert "filters=year%3A2025%2Cregion%3ASouth" in html  # the cell's customers
    assert "analytics/olap.js" in html and 'id="olap-data"' in html


def test_drilled_page_has_a_breadcrumb_back_up(users: dict[str, Any], accounts: dict[int, Any]) -> None:
    response = signed_in(users["analyst"]).get(
        reverse("analytics:olap"), {"measures": "revenue", "rows": "owner", "filters": f"team:{users['north_rep'].team_id}"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Team: North" in html
    assert _rows(html)[1:] == [[str(users["north_rep"]), "750"], ["Total", "750"]]


def test_bad_measure_is_shown_at_the_field(users: dict[str, Any], accounts: dict[int, Any]) -> None:
    response = signed_in(users["analyst"]).get(reverse("analytics:olap"), {"measures": "profit", "rows": "year"})
    assert response.status_code == 422
    assert "Unknown measure &#x27;profit&#x27;" in response.content.decode()


def test_a_sales_rep_pivots_only_the_accounts_they_may_see(users: dict[str, Any], accounts: dict[int, Any], api_for: Any) -> None:
    client = signed_in(users["south_rep"])
    response = client.get(reverse("analytics:olap"), {"measures": "revenue,customers", "rows": "year"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "these figures cover the accounts you can see" in html
    assert _rows(html)[1:] == [["2025", "630", "2"], ["Total", "630", "2"]]  # accounts 3 and 4
    body = api_for(users["south_rep"]).get("analytics/olap", {"rows": "region"}).json()
    assert body["total"] == {"revenue": 630.0}
    export = client.get(reverse("analytics:olap_export", args=["csv"]), {"rows": "year"}).content.decode("utf-8-sig")
    assert export.splitlines() == ["Year,Revenue", "2025,630.0", "Total,630.0"]


def test_before_any_warehouse_the_pivot_is_empty(users: dict[str, Any], settings: Any, tmp_path: Path, api_for: Any) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    body = api_for(users["analyst"]).get("analytics/olap").json()
    assert body == {
        "warehouse_version": None,
        "measures": ["revenue"],
        "rows": {"dimension": "year", "keys": []},
        "cols": {"dimension": None, "keys": []},
        "filters": {},
        "cells": [],
        "total": {"revenue": None},
    }
    page = signed_in(users["analyst"]).get(reverse("analytics:olap")).content.decode()
    assert "No warehouse yet" in page
    assert signed_in(users["analyst"]).get(reverse("analytics:olap_customers")).status_code == 200


def test_csv_and_xlsx_export_exactly_what_is_shown(users: dict[str, Any], accounts: dict[int, Any]) -> None:
    client = signed_in(users["analyst"])
    params = {"measures": "revenue,orders", "rows": "category", "cols": "year"}
    shown = _rows(client.get(reverse("analytics:olap"), params).content.decode())
    response = client.get(reverse("analytics:olap_export", args=["csv"]), params)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="olap-revenue-orders-by-category-year.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines == [
        ["Product category", "2024 · Revenue", "2024 · Orders", "2025 · Revenue", "2025 · Orders", "Total · Revenue", "Total · Orders"],
        ["Hardware", "400.0", "2", "450.0", "3", "850.0", "5"],
        ["Services", "50.0", "1", "480.0", "2", "530.0", "3"],
        ["Total", "450.0", "2", "930.0", "5", "1380.0", "7"],
    ]
    assert [line[0] for line in lines[1:]] == [row[0] for row in shown[2:]]
    book = load_workbook(io.BytesIO(client.get(reverse("analytics:olap_export", args=["xlsx"]), params).content))
    sheet = book.active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        lines[0],
        ["Hardware", 400.0, 2, 450.0, 3, 850.0, 5],
        ["Services", 50.0, 1, 480.0, 2, 530.0, 3],
        ["Total", 450.0, 2, 930.0, 5, 1380.0, 7],
    ]
    assert client.get(reverse("analytics:olap_export", args=["pdf"]), params).status_code == 404
    assert client.get(reverse("analytics:olap_export", args=["csv"]), {"rows": "weather"}).status_code == 422


def test_customers_behind_a_cell_follow_the_viewers_visibility(
    users: dict[str, Any], accounts: dict[int, Any], django_assert_max_num_queries: Any
) -> None:
    params = {"measures": "revenue", "rows": "year", "filters": "year:2025"}
    admin = signed_in(users["admin"])
    with django_assert_max_num_queries(7):
        response = admin.get(reverse("analytics:olap_customers"), params)
    html = response.content.decode()
    assert [a for a in ("Account 3", "Account 1", "Account 2", "Account 4") if a in html] == [
        "Account 3",
        "Account 1",
        "Account 2",
        "Account 4",
    ]
    assert html.index("Account 3") < html.index("Account 1") < html.index("Account 2") < html.index("Account 4")
    # The analyst sees the aggregates of all four, but in the north team, only the north accounts by name.
    analyst = signed_in(users["analyst"])
    pivot = analyst.get(reverse("analytics:olap"), params).content.decode()
    assert _rows(pivot)[-1][:2] == ["Total", "930"]
    html = analyst.get(reverse("analytics:olap_customers"), params).content.decode()
    assert "Account 1" in html and "Account 2" in html
    assert "Account 3" not in html and "Account 4" not in html
    assert "4 customers in this figure" in html
    assert signed_in(users["manager"]).get(reverse("analytics:olap_customers"), {**params, "rows": "nope"}).status_code == 422


def test_api_pivot_and_errors(users: dict[str, Any], accounts: dict[int, Any], api_for: Any) -> None:
    api = api_for(users["analyst"])
    response = api.get("analytics/olap", {"measures": "revenue,customers", "rows": "region", "filters": "year:2025"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rows"] == {
        "dimension": "region",
        "keys": [{"key": "South", "label": "South"}, {"key": "North", "label": "North"}, {"key": "-", "label": "(not set)"}],
    }
    assert body["cells"] == [
        {"row": "South", "col": None, "values": {"revenue": 550.0, "customers": 1}},
        {"row": "North", "col": None, "values": {"revenue": 300.0, "customers": 2}},
        {"row": "-", "col": None, "values": {"revenue": 80.0, "customers": 1}},
    ]
    assert body["total"] == {"revenue": 930.0, "customers": 4}
    assert body["filters"] == {"year": "2025"}
    assert body["warehouse_version"] == "v000001"
    bad = api.get("analytics/olap", {"measures": "revenue,profit", "cols": "weather"})
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("application/problem+json")
    assert "profit" in bad.content.decode() and "weather" in bad.content.decode()

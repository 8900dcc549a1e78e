"""The analytics pages: overview with charts data, RFM explained, build now, drill-down and profile card visibility."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.models import WarehouseBuild, WarehouseBuildStatus
from rapport.analytics.scoring import customers_score
from rapport.analytics.tests.warehouse_data import LINES, write_warehouse
from rapport.common.testing import signed_in
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(users: dict[str, Any], settings: Any, tmp_path: Path) -> dict[int, Any]:
    """The hand-worked example's six accounts: 1-3 owned by a north rep, 4-6 by a south rep; scored."""
    owners = {n: users["north_rep"] if n <= 3 else users["south_rep"] for n in range(1, 7)}
    accounts = {n: account_create(actor=owners[n], data={"name": f"Account {n}"}) for n in range(1, 7)}
    lines = [(accounts[a].pk, order, day, amount) for a, order, day, amount in LINES]
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path, lines)
    customers_score(as_of=timezone.localdate(), scored_at=datetime(2025, 7, 1, tzinfo=UTC))
    return accounts


def test_analyst_sees_segments_cohorts_and_arpu_as_chart_data(users: dict[str, Any], warehouse: dict[int, Any]) -> None:
    response = signed_in(users["analyst"]).get(reverse("analytics:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    data = json.loads(re.search(r'<script id="analytics-data" type="application/json">(.*?)</script>', body, re.S).group(1))  # type: ignore[union-attr]
    # Today, long after the example's orders, everyone's recency is old; all six accounts are counted.
    assert sum(data["segments"]["customers"]) == 6
    assert sum(data["segments"]["revenue"]) == 5879.0
    assert data["arpu"]["months"][0] == "2024-07" and data["arpu"]["values"][0] == 20.0
    assert data["cohorts"]["rows"][:2] == ["2024-07", "2025-01"]
    assert [0, 1, 100.0] in data["cohorts"]["cells"]  # January 2025's cohort, month 0
    assert "web/vendor/echarts.min.js" in body and "analytics/charts.js" in body
    assert "Build now" in body  # analysts may build


def test_a_sales_rep_gets_no_whole_base_figures(users: dict[str, Any], warehouse: dict[int, Any]) -> None:
    response = signed_in(users["north_rep"]).get(reverse("analytics:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "analytics-data" not in body
    assert "Build now" not in body
    assert "Figures for the whole customer base are for analysts" in body


def test_overview_before_any_warehouse(users: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    response = signed_in(users["analyst"]).get(reverse("analytics:overview"))
    assert response.status_code == 200
    assert "No warehouse yet" in response.content.decode()


def test_build_now_queues_a_build_and_the_progress_fragment_polls(users: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    client = signed_in(users["analyst"])
    response = client.post(reverse("analytics:build_start"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    build = WarehouseBuild.objects.get()
    assert (build.status, build.requested_by) == (WarehouseBuildStatus.QUEUED, users["analyst"])
    assert 'hx-trigger="load delay:2s"' in response.content.decode()
    WarehouseBuild.objects.filter(pk=build.pk).update(
        status=WarehouseBuildStatus.RUNNING, step="fact_order_line", rows_done=50, rows_total=200
    )
    body = client.get(reverse("analytics:build_progress")).content.decode()
    assert 'value="25"' in body and "Extracting fact_order_line: 50 of 200 rows" in body
    WarehouseBuild.objects.filter(pk=build.pk).update(status=WarehouseBuildStatus.SUCCEEDED, version="v000001", finished_at=timezone.now())
    body = client.get(reverse("analytics:build_progress")).content.decode()
    assert "hx-trigger" not in body and "Last build v000001 finished" in body


@pytest.mark.parametrize("role", ["north_rep", "manager", "marketer"])
def test_build_now_is_refused_to_other_roles_and_nothing_is_queued(users: dict[str, Any], settings: Any, tmp_path: Path, role: str) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    response = signed_in(users[role]).post(reverse("analytics:build_start"))
    assert response.status_code == 403
    assert WarehouseBuild.objects.count() == 0


def test_rfm_explained_names_every_segment(users: dict[str, Any]) -> None:
    body = signed_in(users["north_rep"]).get(reverse("analytics:rfm_explained")).content.decode()
    for name in ["Champions", "Loyal customers", "Potential loyalists", "New customers", "Promising", "Need attention"]:
        assert name in body
    for name in ["About to sleep", "At risk", "Can&#x27;t lose them", "Hibernating", "Lost"]:
        assert name in body
    assert body.count('class="segment-item"') == 11


def test_segment_drill_down_lists_only_visible_accounts(users: dict[str, Any], warehouse: dict[int, Any]) -> None:
    # Scored as of today every account has an old last order; mark two "champions" directly.
    rows = [{"account_id": warehouse[n].pk, "rfm_segment": "champions"} for n in (1, 4)]
    customer_profiles_write(rows=rows, scored_at=datetime(2025, 7, 2, tzinfo=UTC), via="test")
    url = reverse("analytics:segment_accounts", args=["champions"])
    north = signed_in(users["north_rep"]).get(url).content.decode()
    assert "Account 1" in north and "Account 4" not in north
    analyst = signed_in(users["analyst"]).get(url).content.decode()  # an analyst of the north team sees what its manager sees
    assert "Account 1" in analyst and "Account 4" not in analyst
    admin = signed_in(users["admin"]).get(url).content.decode()
    assert "Account 1" in admin and "Account 4" in admin
    assert signed_in(users["admin"]).get(reverse("analytics:segment_accounts", args=["nonsense"])).status_code == 404


def test_profile_card_on_the_360_page_follows_visibility(users: dict[str, Any], warehouse: dict[int, Any]) -> None:
    customer_profiles_write(
        rows=[{"account_id": warehouse[3].pk, "rfm_segment": "champions", "is_vip": True, "value_decile": 10}],
        scored_at=datetime(2025, 7, 2, tzinfo=UTC),
        via="test",
    )
    url = reverse("analytics:account_profile", args=[warehouse[3].pk])
    body = signed_in(users["north_rep"]).get(url).content.decode()
    assert "Champions" in body and "VIP" in body and "10 / 10" in body
    assert signed_in(users["south_rep"]).get(url).status_code == 404
    page = signed_in(users["north_rep"]).get(reverse("web:account_detail", args=[warehouse[3].pk])).content.decode()
    assert f'hx-get="{url}"' in page


def test_profile_card_of_an_unscored_account(users: dict[str, Any]) -> None:
    account = account_create(actor=users["north_rep"], data={"name": "New"})
    body = signed_in(users["north_rep"]).get(reverse("analytics:account_profile", args=[account.pk])).content.decode()
    assert "Not scored yet" in body


def test_monetary_is_shown_in_the_drill_down(users: dict[str, Any], warehouse: dict[int, Any]) -> None:
    customer_profiles_write(
        rows=[{"account_id": warehouse[2].pk, "rfm_segment": "lost", "monetary_value": Decimal("1234.50")}],
        scored_at=datetime(2025, 7, 3, tzinfo=UTC),
        via="test",
    )
    body = signed_in(users["north_rep"]).get(reverse("analytics:segment_accounts", args=["lost"])).content.decode()
    assert "1,234.50" in body


def test_rfm_explained_in_simplified_chinese(users: dict[str, Any]) -> None:
    users["marketer"].language = "zh-hans"
    users["marketer"].save(update_fields=["language"])
    client = signed_in(users["marketer"])
    body = client.get(reverse("analytics:rfm_explained")).content.decode()
    assert "冠军客户" in body and "不能失去的客户" in body and "什么是 RFM" in body

"""The churn loop through its doors: CLI fit and write-back, the churn page, care calls, cross-sell, CLV and VIPs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from threadpoolctl import threadpool_limits

from rapport.analytics.churn.care import care_tasks_create
from rapport.analytics.churn.model import risk_band
from rapport.analytics.churn.runs import care_calls_table, care_outcome
from rapport.analytics.crosssell import cross_sell_refresh
from rapport.analytics.engine import open_warehouse
from rapport.analytics.models import CareTask, ChurnModelRun
from rapport.analytics.scoring import customers_score
from rapport.analytics.tests.churn_data import AS_OF, synthetic_tables, write_tables
from rapport.common.testing import signed_in
from rapport.customers.activities import activity_complete
from rapport.customers.models import Activity, ActivityKind, CustomerProfile, Interaction
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create
from rapport.sales.products import product_create

pytestmark = pytest.mark.django_db
SCORED_AT = datetime(2025, 7, 1, tzinfo=UTC)


@pytest.fixture
def accounts(users: dict[str, Any]) -> list[Any]:
    """Twelve accounts: the first six owned by a north rep, the rest by a south rep."""
    return [
        account_create(actor=users["north_rep"] if n < 6 else users["south_rep"], data={"name": f"Customer {n:02d}"}) for n in range(12)
    ]


@pytest.fixture
def synthetic(accounts: list[Any], settings: Any, tmp_path: Path) -> Path:
    """The synthetic base of 600 customers, the first twelve being the CRM's accounts."""
    ids = [a.pk for a in accounts] + list(range(10_000_000, 10_000_588))
    settings.RAPPORT_WAREHOUSE_DIR = write_tables(tmp_path, synthetic_tables(account_ids=ids))
    return settings.RAPPORT_WAREHOUSE_DIR  # type: ignore[no-any-return]


def test_cli_fit_prints_the_report_stores_the_run_and_writes_scores_back(
    users: dict[str, Any], accounts: list[Any], synthetic: Path
) -> None:
    out = StringIO()
    with threadpool_limits(1):
        call_command("churn", "fit", "--as-of", AS_OF.isoformat(), stdout=out, stderr=StringIO())
    report = json.loads(out.getvalue())
    run = ChurnModelRun.objects.get()
    assert report["run_id"] == run.pk and report["as_of"] == "2025-06-30" and report["validation_cutoff"] == "2025-04-01"
    assert report["metrics"]["auc"] > 0.8 and report["metrics"] == run.metrics
    assert report["importance"][0]["mean"] >= report["importance"][-1]["mean"]
    assert report["params"]["random_state"] and report["care_tasks_created"] is None
    profiles = list(CustomerProfile.objects.filter(churn_risk__isnull=False))
    # Only the CRM's own accounts get a profile; the others are in the warehouse only.
    assert 0 < len(profiles) == report["scored"] <= len(accounts)
    assert all(p.churn_band == risk_band(p.churn_risk) for p in profiles)

    # Visible on the account's 360 profile card, to whoever may see the account.
    mine = profiles[0]
    card = signed_in(mine.account.owner).get(reverse("analytics:account_profile", args=[mine.account_id])).content.decode()
    assert "data-churn-band" in card and f"churn-{mine.churn_band}" in card


def test_cli_without_a_warehouse_says_so(settings: Any, tmp_path: Path) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    with pytest.raises(CommandError, match="No warehouse yet"):
        call_command("churn", "fit", stdout=StringIO(), stderr=StringIO())
    assert not ChurnModelRun.objects.exists()


def _profiles(rows: list[tuple[Any, str, float, int, bool]]) -> None:
    customer_profiles_write(
        rows=[
            {"account_id": a.pk, "churn_band": band, "churn_risk": risk, "value_decile": decile, "is_vip": vip}
            for a, band, risk, decile, vip in rows
        ],
        scored_at=SCORED_AT,
        via="test",
    )


@pytest.fixture
def at_risk(accounts: list[Any]) -> list[Any]:
    """Accounts 0 (VIP) and 6 (decile 9) are valuable and at high risk; 1 (decile 5) and 7 (medium) are not in the segment."""
    _profiles(
        [
            (accounts[0], "high", 0.9, 10, True),
            (accounts[6], "high", 0.7, 9, False),
            (accounts[1], "high", 0.8, 5, False),
            (accounts[7], "medium", 0.3, 10, True),
        ]
    )
    return [accounts[0], accounts[6]]


def test_care_calls_from_the_page_once_per_customer_round_robin(
    users: dict[str, Any], make_user: Any, at_risk: list[Any], django_assert_max_num_queries: Any
) -> None:
    second = make_user("agent2", role="service_agent")
    manager = signed_in(users["manager"])
    manager.get(reverse("analytics:churn"))
    with django_assert_max_num_queries(12):
        page = manager.get(reverse("analytics:churn")).content.decode()
    assert "Create 2 care calls" in page

    response = manager.post(reverse("analytics:care_tasks"))
    assert response.status_code == 302
    tasks = list(CareTask.objects.order_by("-churn_risk"))
    assert [t.account_id for t in tasks] == [a.pk for a in at_risk]
    assert [t.assigned_to_id for t in tasks] == [users["agent"].pk, second.pk]
    activities = list(Activity.objects.order_by("id"))
    assert [(a.kind, a.account_id, a.owner_id, a.priority) for a in activities] == [
        (ActivityKind.CALL, t.account_id, t.assigned_to_id, "high") for t in tasks
    ]
    assert all(t.activity_id == a.pk for t, a in zip(tasks, activities, strict=True))
    assert "Care call: Customer 00" in activities[0].subject

    # Pressing again, or the nightly refresh, adds nothing this month.
    assert "Create 0 care calls" in manager.get(reverse("analytics:churn")).content.decode()
    manager.post(reverse("analytics:care_tasks"))
    assert care_tasks_create(actor=None) == 0
    assert (CareTask.objects.count(), Activity.objects.count()) == (2, 2)

    # Next month both are due again; turns carry on after the agent who had the last one.
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    assert care_tasks_create(actor=None, day=next_month) == 2
    latest = CareTask.objects.filter(window_start=next_month).order_by("id")
    assert [t.assigned_to_id for t in latest] == [users["agent"].pk, second.pk]


def test_care_calls_are_refused_to_reps_and_without_agents(users: dict[str, Any], at_risk: list[Any]) -> None:
    response = signed_in(users["north_rep"]).post(reverse("analytics:care_tasks"))
    assert response.status_code == 403
    assert "Create 2 care calls" not in signed_in(users["north_rep"]).get(reverse("analytics:churn")).content.decode()
    users["agent"].is_active = False
    users["agent"].save(update_fields=["is_active"])
    response = signed_in(users["admin"]).post(reverse("analytics:care_tasks"), follow=True)
    assert "no active service agent" in response.content.decode()
    assert not CareTask.objects.exists() and not Activity.objects.exists()


def test_the_outcome_of_care_calls_feeds_the_next_run(users: dict[str, Any], at_risk: list[Any], tmp_path: Path) -> None:
    care_tasks_create(actor=users["admin"])
    call = Activity.objects.get(account=at_risk[0])
    activity_complete(actor=users["agent"], activity=call, outcome="Happy again, new order next week", log_interaction=True)
    assert Interaction.objects.filter(account=at_risk[0], channel="phone").count() == 1
    today = timezone.localdate()
    assert care_calls_table().to_pyarrow().to_pylist() == [{"account_id": at_risk[0].pk, "day": today}]

    lines = pa.table(
        {
            "order_line_id": [1, 2],
            "order_id": [1, 2],
            "account_id": [at_risk[0].pk, at_risk[1].pk],
            "day": pa.array([today + timedelta(days=1), today - timedelta(days=400)], pa.date32()),
            "amount_base": pa.array([Decimal("10.00"), Decimal("5.00")], pa.decimal128(18, 2)),
        }
    )
    warehouse = open_warehouse(root=write_tables(tmp_path, {"fact_order_line": lines}))
    assert care_outcome(warehouse, since=None) == (1, 1)
    assert care_outcome(warehouse, since=timezone.now() + timedelta(minutes=1)) == (0, 0)


def test_at_risk_drill_down_obeys_visibility_and_figures_are_for_analysts(
    users: dict[str, Any], accounts: list[Any], at_risk: list[Any]
) -> None:
    ChurnModelRun.objects.create(
        as_of=AS_OF,
        warehouse_version="v000001",
        window_days=90,
        train_cutoff=AS_OF - timedelta(days=180),
        validation_cutoff=AS_OF - timedelta(days=90),
        metrics={
            "auc": 0.91,
            "lift_top_decile": 3.2,
            "base_rate": 0.3,
            "brier": 0.1,
            "train_customers": 500,
            "validation_customers": 480,
            "calibration_method": "sigmoid",
            "lift": [{"decile": d, "customers": 48, "churn_rate": 0.3, "lift": 1.0} for d in range(1, 11)],
            "calibration": [{"low": 0.2, "high": 0.3, "customers": 480, "predicted": 0.25, "observed": 0.3}],
        },
        importance=[{"feature": "recency_days", "mean": 0.2, "std": 0.01}, {"feature": "returns", "mean": 0.0, "std": 0.0}],
        contacted=4,
        retained=3,
    )
    north = signed_in(users["north_rep"]).get(reverse("analytics:churn")).content.decode()
    rows = re.search(r"<table class=\"table\" data-at-risk>(.*?)</table>", north, re.S).group(1)  # type: ignore[union-attr]
    # The north rep sees their own high-risk accounts (0 and 1), not the south rep's (6).
    assert "Customer 00" in rows and "Customer 01" in rows and "Customer 06" not in rows
    assert "churn-data" not in north and "data-churn-metrics" not in north

    analyst = signed_in(users["analyst"]).get(reverse("analytics:churn")).content.decode()
    assert "data-churn-metrics" in analyst and "0.910" in analyst and "Contacted last run: 4, retained since: 3" in analyst
    data = json.loads(re.search(r'<script id="churn-data" type="application/json">(.*?)</script>', analyst, re.S).group(1))  # type: ignore[union-attr]
    assert data["importance"]["features"] == ["Days since the last order"]
    assert data["lift"]["deciles"] == list(range(1, 11))
    assert "Customer 06" not in analyst  # an analyst's drill-down is their team's, like a manager's
    admin = signed_in(users["admin"]).get(reverse("analytics:churn")).content.decode()
    assert "Customer 06" in admin and "Fit the model now" in admin
    assert signed_in(users["north_rep"]).post(reverse("analytics:churn_fit")).status_code == 403


def test_cross_sell_card_on_the_360(users: dict[str, Any], accounts: list[Any], tmp_path: Path, django_assert_max_num_queries: Any) -> None:
    admin = users["admin"]
    cable, mouse, laptop = (
        product_create(actor=admin, data={"sku": sku, "name": name}) for sku, name in (("C", "Cable"), ("M", "Mouse"), ("L", "Laptop"))
    )
    # Ten baskets: laptop with cable in 6, with mouse in 3; account 0 has only bought a laptop.
    baskets = [[laptop, cable]] * 6 + [[laptop, mouse]] * 3 + [[cable]]
    owners = [accounts[1 + n % 5].pk for n in range(len(baskets))]
    pairs = [(order, owners[order], p.pk) for order, products in enumerate(baskets) for p in products] + [(99, accounts[0].pk, laptop.pk)]
    lines = pa.table(
        {
            "order_line_id": list(range(len(pairs))),
            "order_id": [p[0] for p in pairs],
            "account_id": [p[1] for p in pairs],
            "product_id": [p[2] for p in pairs],
            "day": pa.array([AS_OF] * len(pairs), pa.date32()),
            "amount_base": pa.array([Decimal(1)] * len(pairs), pa.decimal128(18, 2)),
        }
    )
    result = cross_sell_refresh(warehouse=open_warehouse(root=write_tables(tmp_path, {"fact_order_line": lines})))
    assert result["baskets"] == 11 and result["rules"] > 0

    rep = signed_in(users["north_rep"])
    with django_assert_max_num_queries(8):
        card = rep.get(reverse("analytics:account_cross_sell", args=[accounts[0].pk])).content.decode()
    next_best = re.search(r"<ul data-next-best>(.*?)</ul>", card, re.S).group(1)  # type: ignore[union-attr]
    assert next_best.index("Cable") < next_best.index("Mouse")  # 6 of 10 laptop baskets against 3
    assert signed_in(users["south_rep"]).get(reverse("analytics:account_cross_sell", args=[accounts[0].pk])).status_code == 404


def test_clv_ranks_the_vips(accounts: list[Any], synthetic: Path) -> None:
    customers_score(as_of=AS_OF, scored_at=SCORED_AT)
    profiles = list(CustomerProfile.objects.filter(account__in=accounts))
    assert profiles and all(p.clv is not None and p.clv >= 0 for p in profiles)
    ranked = sorted(profiles, key=lambda p: p.clv)
    assert [p.value_decile for p in ranked] == sorted(p.value_decile for p in ranked)
    assert all(p.is_vip == (p.value_decile == 10) for p in profiles)

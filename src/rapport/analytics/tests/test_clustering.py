"""Segmentation by clustering: three well-separated groups of buyers are found, named and numbered the same every time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from rapport.analytics.clustering import choose_k, segments_fit
from rapport.analytics.engine import open_warehouse
from rapport.analytics.kept_segments import segments_latest
from rapport.analytics.tests.warehouse_data import write_warehouse
from rapport.customers.models import CustomerProfile
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 30)


def _lines(accounts: list[int]) -> list[tuple[int, int, date, str | None]]:
    """Accounts 0-9 buy monthly and big, 10-19 bought once long ago and little, 20-29 three times in spring, middling."""
    lines: list[tuple[int, int, date, str | None]] = []
    order = 0
    for index, account in enumerate(accounts):
        if index < 10:
            days = [date(2025, month, 10 + index) for month in range(1, 7)]
            amount = 1000 + 10 * index
        elif index < 20:
            days = [date(2024, 1, 1 + index)]
            amount = 20 + index
        else:
            days = [date(2025, month, index - 15) for month in (2, 3, 4)]
            amount = 200 + index
        for day in days:
            order += 1
            lines.append((account, order, day, f"{amount}.00"))
    return lines


@pytest.fixture
def warehouse_root(tmp_path: Path) -> Path:
    return write_warehouse(tmp_path, _lines(list(range(1, 31))))


def test_three_groups_are_found_named_and_numbered_by_value(warehouse_root: Path) -> None:
    fit = segments_fit(warehouse=open_warehouse(root=warehouse_root), as_of=AS_OF, write=False)
    assert fit.k == 3
    assert fit.accounts == 30
    assert fit.features == ["recency_days", "log_frequency", "log_monetary"]
    assert [(c.cluster, c.name_key, c.size) for c in fit.clusters] == [
        (1, "recent-frequent-big", 10),
        (2, "recent-occasional-small", 10),
        (3, "lapsed-occasional-small", 10),
    ]
    best = fit.clusters[0]
    # Group one: six orders each of 1000 + 10 i (i = 0..9): mean 6 orders and 6 × 1045 = 6270.
    assert (best.frequency, best.monetary) == (6.0, 6270.0)
    assert sum(c.revenue_share for c in fit.clusters) == pytest.approx(1.0, abs=1e-3)
    assert max(fit.silhouettes, key=lambda k: fit.silhouettes[k]) == "3"


def test_the_fit_is_deterministic(warehouse_root: Path) -> None:
    when = datetime(2025, 7, 1, tzinfo=UTC)
    runs = [
        segments_fit(warehouse=open_warehouse(root=warehouse_root), as_of=AS_OF, write=False, fitted_at=when).as_json() for _ in range(2)
    ]
    assert runs[0] == runs[1]


def test_k_is_bounded_by_the_distinct_points() -> None:
    import numpy as np

    k, scores, labels = choose_k(np.array([[0.0], [0.0], [1.0]]))
    assert (k, scores, list(labels)) == (1, {}, [0, 0, 0])


def test_cli_prints_json_and_writes_each_accounts_cluster(users: dict[str, Any], settings: Any, tmp_path: Path, capsys: Any) -> None:
    accounts = [account_create(actor=users["north_rep"], data={"name": f"Account {n}"}).pk for n in range(30)]
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path, _lines(accounts))
    with translation.override("zh-hans"):  # a language left active by the caller: the JSON stays English
        call_command("segments", "fit", "--as-of", "2025-06-30")
    printed = json.loads(capsys.readouterr().out)
    assert printed["k"] == 3 and printed["written"] == 30
    assert printed["clusters"][0]["name"] == "Best customers"
    profiles = dict(CustomerProfile.objects.values_list("account_id", "segment_cluster"))
    assert [profiles[a] for a in accounts] == [1] * 10 + [3] * 10 + [2] * 10
    assert CustomerProfile.objects.get(account_id=accounts[0]).segment_cluster_name == "recent-frequent-big"
    latest = segments_latest()
    assert latest is not None and latest["k"] == 3 and latest["clusters"][2]["name"] == "Dormant low-value customers"


def test_cli_errors_name_the_option(settings: Any, tmp_path: Path) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    with pytest.raises(CommandError, match="No warehouse yet"):
        call_command("segments", "fit")
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path / "w", _lines(list(range(1, 31))))
    with pytest.raises(CommandError, match="--k-min/--k-max"):
        call_command("segments", "fit", "--k-min", "1")
    with pytest.raises(CommandError, match="nothing to cluster"):
        call_command("segments", "fit", "--as-of", "2020-01-01")


def test_page_shows_the_profiles_and_the_accounts_list_filters_by_cluster(
    users: dict[str, Any], settings: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    from django.urls import reverse

    from rapport.common.testing import signed_in

    accounts = [account_create(actor=users["north_rep"], data={"name": f"Account {n:02d}"}).pk for n in range(30)]
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path, _lines(accounts))
    segments_fit(as_of=AS_OF)
    client = signed_in(users["analyst"])
    with django_assert_max_num_queries(4):
        response = client.get(reverse("analytics:clusters"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 · Best customers" in html and "3 · Dormant low-value customers" in html
    assert f'href="{reverse("web:account_list")}?cluster=3"' in html
    listed = client.get(reverse("web:account_list"), {"cluster": "3"}).content.decode()
    assert "Account 10" in listed and "Account 19" in listed and "Account 00" not in listed
    assert "3 · Dormant low-value customers" in listed  # the panel offers the clusters
    rep = signed_in(users["north_rep"])
    assert "Best customers" not in rep.get(reverse("analytics:clusters")).content.decode()


def test_accounts_api_filters_by_segment_cluster_and_vip(users: dict[str, Any], api_for: Any) -> None:
    from rapport.customers.profiles import customer_profiles_write

    mine = [account_create(actor=users["north_rep"], data={"name": f"Mine {n}"}).pk for n in range(3)]
    other = account_create(actor=users["south_rep"], data={"name": "Not mine"}).pk
    rows = [
        {"account_id": mine[0], "rfm_segment": "champions", "is_vip": True, "segment_cluster": 1},
        {"account_id": mine[1], "rfm_segment": "lost", "is_vip": False, "segment_cluster": 2},
        {"account_id": other, "rfm_segment": "champions", "is_vip": True, "segment_cluster": 1},
    ]
    customer_profiles_write(rows=rows, scored_at=datetime(2025, 7, 1, tzinfo=UTC), via="analytics")
    api = api_for(users["north_rep"])

    def names(**params: str) -> list[str]:
        response = api.get("accounts", params)
        assert response.status_code == 200, response.content
        return sorted(item["name"] for item in response.json()["items"])

    assert names(rfm_segment="champions") == ["Mine 0"]  # the south rep's champion stays invisible
    assert names(cluster="2") == ["Mine 1"]
    assert names(vip="true") == ["Mine 0"]
    assert names(vip="false") == ["Mine 1", "Mine 2"]
    for param, value in (("cluster", "two"), ("vip", "yes")):
        bad = api.get("accounts", {param: value})
        assert bad.status_code == 422 and param in bad.json()["errors"], bad.content

"""The OLAP query builder on the hand-worked star schema (``olap_data``): pivots, drill-down, "Others", errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.analytics.engine import Warehouse, open_warehouse
from rapport.analytics.olap import OTHERS_KEY, OlapRequest, cell_accounts, olap_query
from rapport.analytics.tests.olap_data import AS_OF, clv_table, write_olap_warehouse
from rapport.common.errors import ValidationFailed


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return open_warehouse(root=write_olap_warehouse(tmp_path_factory.mktemp("olap")))


def _ask(**params: str) -> OlapRequest:
    return OlapRequest.parse(
        measures=params.get("measures"), rows=params.get("rows"), cols=params.get("cols"), filters=params.get("filters")
    )


def test_revenue_and_customers_by_year_and_region(warehouse: Warehouse) -> None:
    result = olap_query(warehouse, _ask(measures="revenue,customers,orders", rows="year", cols="region"), as_of=AS_OF)
    assert result.rows.keys == ["2024", "2025"]
    assert result.cols.keys == ["North", "South", "-"]
    assert result.cells == {
        ("2024", "North"): {"revenue": 450.0, "customers": 2, "orders": 2},
        ("2025", "North"): {"revenue": 300.0, "customers": 2, "orders": 2},
        ("2025", "South"): {"revenue": 550.0, "customers": 1, "orders": 2},
        ("2025", "-"): {"revenue": 80.0, "customers": 1, "orders": 1},
    }
    assert result.row_totals == {
        "2024": {"revenue": 450.0, "customers": 2, "orders": 2},
        "2025": {"revenue": 930.0, "customers": 4, "orders": 5},
    }
    # Accounts 1 and 2 bought in both years: the column total counts them once.
    assert result.col_totals["North"] == {"revenue": 750.0, "customers": 2, "orders": 4}
    assert result.total == {"revenue": 1380.0, "customers": 4, "orders": 7}


def test_net_of_returns_arpu_and_clv(warehouse: Warehouse) -> None:
    result = olap_query(warehouse, _ask(measures="net_revenue,arpu,clv", rows="year"), as_of=AS_OF, clv=clv_table())
    assert result.row_totals == {
        "2024": {"net_revenue": 390.0, "arpu": 225.0, "clv": 750.0},
        "2025": {"net_revenue": 830.0, "arpu": 232.5, "clv": 1166.67},
    }
    assert result.total == {"net_revenue": 1220.0, "arpu": 345.0, "clv": 1166.67}


def test_drilling_into_a_year_shows_its_quarters(warehouse: Warehouse) -> None:
    asked = _ask(measures="revenue,customers", rows="year")
    drilled = asked.drilled("year", "2025")
    assert drilled == OlapRequest(("revenue", "customers"), "quarter", None, (("year", "2025"),))
    result = olap_query(warehouse, drilled, as_of=AS_OF)
    assert result.rows.keys == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert result.row_totals == {
        "2025-Q1": {"revenue": 680.0, "customers": 3},
        "2025-Q2": {"revenue": 100.0, "customers": 1},
        "2025-Q3": {"revenue": 150.0, "customers": 1},
    }
    assert drilled.drilled("quarter", "2025-Q1") == OlapRequest(
        ("revenue", "customers"), "month", None, (("year", "2025"), ("quarter", "2025-Q1"))
    )
    assert _ask(rows="month").drilled("month", "2025-01") is None  # the bottom of the hierarchy
    assert asked.drilled("year", OTHERS_KEY) is None


def test_drilling_a_column_moves_the_columns_down(warehouse: Warehouse) -> None:
    asked = _ask(measures="revenue", rows="year", cols="category")
    drilled = asked.drilled("category", "Hardware")
    assert drilled == OlapRequest(("revenue",), "year", "product", (("category", "Hardware"),))
    result = olap_query(warehouse, drilled, as_of=AS_OF)
    assert result.cells == {
        ("2024", "10"): {"revenue": 400.0},
        ("2025", "10"): {"revenue": 100.0},
        ("2025", "11"): {"revenue": 350.0},
    }


def test_beyond_the_limit_the_rest_is_others_counted_not_summed(warehouse: Warehouse) -> None:
    result = olap_query(warehouse, _ask(measures="revenue,customers", rows="product"), as_of=AS_OF, row_limit=1)
    assert result.rows.keys == ["12", OTHERS_KEY]
    assert result.row_totals == {"12": {"revenue": 530.0, "customers": 3}, OTHERS_KEY: {"revenue": 850.0, "customers": 3}}


def test_segment_and_channel_cover_the_whole_year(warehouse: Warehouse) -> None:
    result = olap_query(warehouse, _ask(measures="revenue", rows="segment", cols="channel", filters="year:2025"), as_of=AS_OF)
    assert sum(v["revenue"] or 0 for v in result.row_totals.values()) == 930.0
    assert result.col_totals == {"phone": {"revenue": 750.0}, "web": {"revenue": 100.0}, "-": {"revenue": 80.0}}


def test_the_accounts_behind_a_cell_best_first(warehouse: Warehouse) -> None:
    asked = _ask(rows="year", filters="year:2025,region:North")
    assert [a for a, _revenue in cell_accounts(warehouse, asked, as_of=AS_OF)] == [1, 2]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"measures": "revenue,profit"}, "measures", "Unknown measure 'profit'"),
        ({"rows": "weather"}, "rows", "Unknown dimension 'weather'"),
        ({"rows": "year,month"}, "rows", "one dimension"),
        ({"rows": "year", "cols": "year"}, "cols", "different dimensions"),
        ({"filters": "planet:Mars"}, "filters", "'planet:Mars'"),
        ({"filters": "2025"}, "filters", "'2025'"),
    ],
)
def test_bad_requests_name_the_parameter(params: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _ask(**params)
    assert message in " ".join(caught.value.field_errors[field])


def test_clv_is_refused_until_a_model_wrote_it() -> None:
    with pytest.raises(ValidationFailed) as caught:
        OlapRequest.parse(measures="clv", rows="year", clv_available=False)
    assert caught.value.field_errors == {"measures": ["No CLV yet: run the CLV model first."]}


def test_params_round_trip() -> None:
    asked = _ask(measures="orders,revenue", rows="quarter", cols="channel", filters="year:2025")
    assert _ask(**asked.params()) == asked


def test_defaults(tmp_path: Path) -> None:
    assert _ask() == OlapRequest(("revenue",), "year", None, ())

"""RFM, cohort retention and ARPU on DuckDB against the hand-worked example in ``warehouse_data``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import ibis
import pytest

from rapport.analytics.arpu import arpu_by_month
from rapport.analytics.cohorts import cohort_retention, retention_matrix
from rapport.analytics.rfm import SEGMENT_GRID, SEGMENTS, rfm_scores, segment_of, segment_summary
from rapport.analytics.tests.warehouse_data import ARPU, AS_OF, COHORTS, RFM, write_order_lines


@pytest.fixture
def lines(tmp_path: Path) -> ibis.Table:
    directory = write_order_lines(tmp_path / "fact_order_line")
    return ibis.duckdb.connect().read_parquet(str(directory / "*.parquet"))


def test_rfm_matches_the_hand_computed_example(lines: ibis.Table) -> None:
    rows = rfm_scores(lines, as_of=AS_OF).to_pyarrow().to_pylist()
    got = {
        r["account_id"]: (r["recency_days"], r["frequency"], r["monetary"], r["r_score"], r["f_score"], r["m_score"], r["segment"])
        for r in rows
    }
    assert got == RFM
    assert [r["account_id"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["last_order"] == date(2025, 6, 25)


def test_equal_values_get_equal_scores_whatever_the_row_order(tmp_path: Path) -> None:
    # Four accounts with one order of 10 each on the same day, one bigger: the four tie on every measure.
    same = [(a, a, date(2025, 1, 1), "10.00") for a in (7, 3, 9, 1)] + [
        (5, 50, date(2025, 1, 2), "99.00"),
        (5, 51, date(2025, 1, 3), "1.00"),
    ]
    directory = write_order_lines(tmp_path / "t", same)
    rows = rfm_scores(ibis.duckdb.connect().read_parquet(str(directory / "*.parquet")), as_of=date(2025, 1, 31)).to_pyarrow().to_pylist()
    assert [(r["account_id"], r["r_score"], r["f_score"], r["m_score"]) for r in rows] == [
        (1, 1, 1, 1),
        (3, 1, 1, 1),
        (5, 5, 5, 5),
        (7, 1, 1, 1),
        (9, 1, 1, 1),
    ]


def test_segment_grid_covers_every_score_pair_with_a_documented_segment() -> None:
    assert sorted(SEGMENT_GRID) == [(r, f) for r in range(1, 6) for f in range(1, 6)]
    assert set(SEGMENT_GRID.values()) == {s.key for s in SEGMENTS}
    assert len(SEGMENTS) == 11
    assert (segment_of(5, 5), segment_of(1, 1), segment_of(1, 2), segment_of(2, 5), segment_of(4, 1)) == (
        "champions",
        "lost",
        "hibernating",
        "cant_lose",
        "promising",
    )


def test_segment_summary(lines: ibis.Table) -> None:
    rows = segment_summary(rfm_scores(lines, as_of=AS_OF)).to_pyarrow().to_pylist()
    assert [(r["segment"], r["customers"], r["revenue"]) for r in rows] == [
        ("cant_lose", 1, Decimal("4000.00")),
        ("champions", 1, Decimal("600.00")),
        ("lost", 2, Decimal("30.00")),
        ("need_attention", 1, Decimal("200.00")),
        ("promising", 1, Decimal("50.00")),
    ]


def test_cohort_retention_matches_the_hand_computed_example(lines: ibis.Table) -> None:
    rows = cohort_retention(lines, as_of=AS_OF).to_pyarrow().to_pylist()
    assert [(r["cohort_month"], r["months_since"], r["cohort_size"], r["customers"], r["retention"]) for r in rows] == COHORTS
    width, matrix = retention_matrix(rows)
    assert width == 4
    assert [(m["cohort_month"], m["size"], m["cells"]) for m in matrix] == [
        (date(2024, 7, 1), 1, [1.0, None, None, None]),
        (date(2025, 1, 1), 1, [1.0, 1.0, 1.0, 1.0]),
        (date(2025, 3, 1), 2, [1.0, None, 0.5, None]),
        (date(2025, 5, 1), 1, [1.0, 1.0, None, None]),
        (date(2025, 6, 1), 1, [1.0, None, None, None]),
    ]


def test_arpu_by_month_matches_the_hand_computed_example(lines: ibis.Table) -> None:
    rows = arpu_by_month(lines, as_of=AS_OF).to_pyarrow().to_pylist()
    assert [(r["month"], r["revenue"], r["customers"], r["arpu"]) for r in rows] == ARPU
    assert {r["segment"] for r in rows} == {"all"}


def test_arpu_by_segment(lines: ibis.Table) -> None:
    scores = rfm_scores(lines, as_of=AS_OF)
    rows = arpu_by_month(lines, as_of=AS_OF, segments=scores).to_pyarrow().to_pylist()
    lost = [(r["month"], r["revenue"], r["customers"], r["arpu"]) for r in rows if r["segment"] == "lost"]
    # Accounts 4 (July 2024) and 6 (March 2025): the second month counts both.
    assert lost == [(date(2024, 7, 1), Decimal("20.00"), 1, 20.0), (date(2025, 3, 1), Decimal("10.00"), 2, 5.0)]
    assert sum(r["revenue"] for r in rows) == sum(a[1] for a in ARPU)

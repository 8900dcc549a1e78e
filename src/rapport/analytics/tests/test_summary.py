"""The per-customer summary from raw transactions, against lifetimes' summary_data_from_transaction_data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rapport.analytics.summary import factorize, summarise_transactions

DATA = Path(__file__).parent / "data"


def cdnow_transactions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [line.split() for line in (DATA / "CDNOW_sample.txt").read_text().splitlines() if line.strip()]
    customers = np.array([int(r[0]) for r in rows])
    dates = np.array([f"{r[2][:4]}-{r[2][4:6]}-{r[2][6:]}" for r in rows], dtype="datetime64[D]")
    return customers, dates, np.array([float(r[4]) for r in rows])


@pytest.mark.parametrize(("time_unit", "freq"), [("week", "W"), ("day", "D")])
def test_summary_matches_lifetimes(time_unit, freq):
    expected = json.loads((DATA / "lifetimes_reference.json").read_text())["summary_1997_09_30"][freq]
    customers, dates, amounts = cdnow_transactions()
    summary = summarise_transactions(customers=customers, dates=dates, amounts=amounts, calibration_end="1997-09-30", time_unit=time_unit)
    assert summary.customer.tolist() == expected["customer"]
    assert summary.frequency.tolist() == expected["frequency"]
    assert summary.recency.tolist() == expected["recency"]
    assert summary.T.tolist() == expected["T"]
    np.testing.assert_allclose(summary.monetary_value, expected["monetary_value"], rtol=1e-12, atol=1e-9)


def test_purchases_in_one_period_count_once_and_later_ones_not_at_all():
    summary = summarise_transactions(
        customers=np.array(["b", "a", "a", "a", "a", "b"], dtype=object),
        dates=np.array(["2024-01-02", "2024-01-01", "2024-01-01", "2024-01-10", "2024-03-01", "2024-01-05"], dtype="datetime64[D]"),
        amounts=[7.0, 10.0, 5.0, 30.0, 99.0, 3.0],
        calibration_end="2024-01-31",
        time_unit="day",
    )
    assert summary.customer.tolist() == ["a", "b"]
    assert summary.frequency.tolist() == [1.0, 1.0]
    assert summary.recency.tolist() == [9.0, 3.0]
    assert summary.T.tolist() == [30.0, 29.0]
    assert summary.monetary_value.tolist() == [30.0, 3.0]


def test_weeks_start_on_monday():
    # 2024-01-07 is a Sunday and 2024-01-08 a Monday: one week apart in periods, though one day apart.
    summary = summarise_transactions(
        customers=[1, 1],
        dates=np.array(["2024-01-07", "2024-01-08"], dtype="datetime64[D]"),
        calibration_end="2024-01-14",
        time_unit="week",
    )
    assert (summary.frequency.tolist(), summary.recency.tolist(), summary.T.tolist()) == ([1.0], [1.0], [1.0])


def test_customers_first_seen_after_the_calibration_end_are_left_out():
    summary = summarise_transactions(
        customers=[1, 2], dates=np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[D]"), calibration_end="2024-01-15"
    )
    assert summary.customer.tolist() == [1]


def test_factorize_numbers_ids_in_sorted_order():
    codes, ids = factorize(np.array(["b", "a", "c", "a"], dtype=object))
    assert (codes.tolist(), ids.tolist()) == ([1, 0, 2, 0], ["a", "b", "c"])
    codes, ids = factorize(np.array([70, 5, 70, 9]))
    assert (codes.tolist(), ids.tolist()) == ([2, 0, 2, 1], [5, 9, 70])
    codes, ids = factorize(np.array([10**15, 3]))
    assert (codes.tolist(), ids.tolist()) == ([1, 0], [3, 10**15])

"""The churn model on a synthetic base with a known signal; features and labels respect the cutoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest
from threadpoolctl import threadpool_limits

from rapport.analytics.churn.features import FEATURES, ChurnSources, churn_features, churn_labels
from rapport.analytics.churn.model import ChurnFit, churn_fit, risk_band
from rapport.analytics.engine import open_warehouse
from rapport.analytics.tests.churn_data import AS_OF, synthetic_tables, write_tables
from rapport.common.errors import ValidationFailed


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tables(tmp_path_factory.mktemp("churn"), synthetic_tables(n_accounts=800))


@pytest.fixture(scope="module")
def fitted(synthetic_root: Path) -> Iterator[ChurnFit]:
    warehouse = open_warehouse(root=synthetic_root)
    with threadpool_limits(1):
        yield churn_fit(ChurnSources.of(warehouse), warehouse.backend, as_of=AS_OF)


def test_the_model_finds_the_known_signal_out_of_time(fitted: ChurnFit) -> None:
    metrics = fitted.metrics
    assert (fitted.train_cutoff, fitted.validation_cutoff) == (AS_OF - timedelta(days=180), AS_OF - timedelta(days=90))
    assert metrics["auc"] > 0.8
    assert metrics["lift_top_decile"] > 1.8
    # Better than always predicting the base rate, and calibrated: every well-filled bin close to what happened.
    assert metrics["brier"] < metrics["base_rate"] * (1 - metrics["base_rate"]) * 0.6
    for row in metrics["calibration"]:
        assert 0 <= row["predicted"] <= 1 and 0 <= row["observed"] <= 1
        if row["customers"] >= 30:
            assert abs(row["predicted"] - row["observed"]) < 0.15, row
    assert [row["decile"] for row in metrics["lift"]] == list(range(1, 11))
    assert metrics["lift"][0]["lift"] > metrics["lift"][-1]["lift"]
    # The generator makes leavers phone in and pay late before they go: those features matter.
    top = {row["feature"] for row in fitted.importance[:5]}
    assert {"interactions_phone", "interactions_inbound"} & top and {"payment_delay_max", "payment_delay_avg", "invoices_overdue"} & top
    assert {row["feature"] for row in fitted.importance} == set(FEATURES)


def test_every_active_customer_is_scored_with_a_band(fitted: ChurnFit) -> None:
    scores = fitted.scores
    assert len(scores) > 300 and scores["account_id"].is_unique
    assert ((scores["probability"] >= 0) & (scores["probability"] <= 1)).all()
    assert list(scores["band"]) == [risk_band(p) for p in scores["probability"]]
    assert set(scores["band"]) == {"high", "medium", "low"} or set(scores["band"]) >= {"high", "low"}


def test_a_refit_on_the_same_warehouse_gives_the_same_numbers(synthetic_root: Path, fitted: ChurnFit) -> None:
    warehouse = open_warehouse(root=synthetic_root)
    with threadpool_limits(1):
        again = churn_fit(ChurnSources.of(warehouse), warehouse.backend, as_of=AS_OF)
    assert again.metrics == fitted.metrics
    assert again.importance == fitted.importance
    assert np.array_equal(again.scores["probability"].to_numpy(), fitted.scores["probability"].to_numpy())


def test_risk_bands() -> None:
    assert [risk_band(p) for p in (0.0, 0.249, 0.25, 0.4999, 0.5, 1.0)] == ["low", "low", "medium", "medium", "high", "high"]


# -- the cutoff: nothing after it reaches a feature ------------------------------------------------------

CUTOFF = date(2025, 3, 31)


def _sources(extra_after: bool) -> ChurnSources:
    """Account 1 and 2 before the cutoff; with ``extra_after``, more of everything after it."""
    lines = [(1, 11, date(2025, 1, 5), 100.0), (1, 12, date(2025, 3, 20), 50.0), (2, 21, date(2024, 12, 1), 80.0)]
    talks = [(1, "phone", "inbound", date(2025, 3, 1)), (2, "email", "outbound", date(2025, 2, 1))]
    # (account, issued, due, settled): account 1 paid 10 days late; account 2's invoice is settled after the cutoff.
    bills = [(1, date(2025, 1, 5), date(2025, 2, 4), date(2025, 2, 14)), (2, date(2024, 12, 1), date(2024, 12, 31), date(2025, 4, 20))]
    # (account, kind, opened): account 1 complained in March; a case from long before the windows does not count.
    raised = [(1, "complaint", date(2025, 3, 10)), (1, "question", date(2025, 2, 1)), (2, "problem", date(2024, 6, 1))]
    if extra_after:
        raised += [(1, "complaint", date(2025, 4, 2)), (2, "complaint", date(2025, 4, 9))]
        lines += [(1, 13, date(2025, 4, 2), 999.0), (3, 31, date(2025, 4, 3), 10.0)]
        talks += [(1, "phone", "inbound", date(2025, 4, 1)), (2, "chat", "inbound", date(2025, 4, 5))]
        bills += [(1, date(2025, 4, 2), date(2025, 5, 2), None)]
    order_lines = ibis.memtable(
        pa.table(
            {
                "order_line_id": list(range(len(lines))),
                "account_id": [r[0] for r in lines],
                "order_id": [r[1] for r in lines],
                "day": pa.array([r[2] for r in lines], pa.date32()),
                "amount_base": pa.array([r[3] for r in lines], pa.float64()),
            }
        )
    )
    interactions = ibis.memtable(
        pa.table(
            {
                "account_id": [r[0] for r in talks],
                "channel": [r[1] for r in talks],
                "direction": [r[2] for r in talks],
                "day": pa.array([r[3] for r in talks], pa.date32()),
            }
        )
    )
    invoices = ibis.memtable(
        pa.table(
            {
                "account_id": [r[0] for r in bills],
                "issued_on": pa.array([r[1] for r in bills], pa.date32()),
                "due_on": pa.array([r[2] for r in bills], pa.date32()),
                "settled_on": pa.array([r[3] for r in bills], pa.date32()),
            }
        )
    )
    cases = ibis.memtable(
        pa.table(
            {
                "account_id": [r[0] for r in raised],
                "kind": [r[1] for r in raised],
                "day": pa.array([r[2] for r in raised], pa.date32()),
            }
        )
    )
    # Satisfaction answers: account 1 was pleased once and unhappy once before the cutoff; the answer after it is not read.
    answers = [(1, 5, date(2025, 3, 1)), (1, 2, date(2025, 3, 20)), (2, 3, date(2025, 3, 5))]
    if extra_after:
        answers.append((2, 1, CUTOFF + timedelta(days=3)))
    surveys = ibis.memtable(
        pa.table(
            {
                "account_id": [r[0] for r in answers],
                "score": pa.array([r[1] for r in answers], pa.int8()),
                "day": pa.array([r[2] for r in answers], pa.date32()),
            }
        )
    )
    return ChurnSources(order_lines=order_lines, interactions=interactions, invoices=invoices, cases=cases, surveys=surveys)


def _rows(expression: ibis.Table) -> list[dict[str, Any]]:
    return expression.to_pandas().to_dict(orient="records")  # type: ignore[no-any-return]


def test_features_only_read_facts_up_to_the_cutoff() -> None:
    before = _rows(churn_features(_sources(extra_after=False), cutoff=CUTOFF, window_days=60))
    after = _rows(churn_features(_sources(extra_after=True), cutoff=CUTOFF, window_days=60))
    assert before == after
    one, two = before
    assert (one["account_id"], one["recency_days"], one["tenure_days"], one["frequency"], one["monetary"]) == (1, 11, 85, 2, 150.0)
    # Window 60 days: 2025-01-31..03-31 holds order 12, the one before (12-02..01-30) holds order 11.
    assert (one["orders_last"], one["spend_last"], one["orders_prev"], one["spend_prev"]) == (1, 50.0, 1, 100.0)
    assert one["spend_trend"] == pytest.approx((50 - 100) / 151)
    assert (one["interactions_phone"], one["interactions_inbound"], one["payment_delay_max"], one["invoices_overdue"]) == (1, 1, 10, 0)
    # Settled on 2025-04-20, after the cutoff: at the cutoff it was 90 days overdue and still open.
    assert (two["interactions_email"], two["payment_delay_max"], two["invoices_overdue"]) == (1, 90, 1)
    assert two["care_calls"] == 0 and two["returns"] == 0
    assert (one["cases"], one["complaints"], two["cases"], two["complaints"]) == (2, 1, 0, 0)
    assert (one["csat_satisfied"], one["csat_dissatisfied"], two["csat_satisfied"], two["csat_dissatisfied"]) == (1, 1, 0, 0)


def test_labels_look_only_at_the_window_after_the_cutoff() -> None:
    sources = _sources(extra_after=True)
    labels = _rows(churn_labels(sources.order_lines, cutoff=CUTOFF, window_days=60))
    # Account 1 ordered two days after the cutoff; account 2 did not; account 3 was not a customer yet.
    assert labels == [{"account_id": 1, "churned": False}, {"account_id": 2, "churned": True}]
    assert _rows(churn_labels(sources.order_lines, cutoff=CUTOFF, window_days=1)) == [
        {"account_id": 1, "churned": True},
        {"account_id": 2, "churned": True},
    ]


def test_too_little_history_is_refused_naming_the_day(synthetic_root: Path) -> None:
    warehouse = open_warehouse(root=synthetic_root)
    with pytest.raises(ValidationFailed) as refused:
        churn_fit(ChurnSources.of(warehouse), warehouse.backend, as_of=date(2023, 3, 1))
    assert "as_of" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        churn_fit(ChurnSources.of(warehouse), warehouse.backend, as_of=AS_OF, window_days=3)
    assert "window_days" in refused.value.field_errors

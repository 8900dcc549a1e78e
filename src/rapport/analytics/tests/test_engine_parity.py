"""The same analytics code on DuckDB and on PySpark (local mode) gives the same results.

Slow: starting Spark's JVM takes tens of seconds. It needs no database, so the PostgreSQL pass of the
suite skips it (the SQLite pass has run it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest

from rapport.analytics.arpu import arpu_by_month
from rapport.analytics.cohorts import cohort_retention
from rapport.analytics.engine import Warehouse, open_warehouse
from rapport.analytics.rfm import rfm_scores, segment_summary
from rapport.analytics.tests.warehouse_data import ARPU, AS_OF, COHORTS, RFM, write_warehouse

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="no database involved: run in the SQLite pass"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("rapport-parity")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        # Tiny data: compiling query code and re-planning adaptively cost more than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_warehouse(tmp_path_factory.mktemp("warehouse"))


@pytest.fixture(scope="module")
def on_duckdb(root: Path) -> Warehouse:
    return open_warehouse(root=root)


@pytest.fixture(scope="module")
def on_spark(root: Path, spark: Any) -> Warehouse:
    return open_warehouse(root=root, backend=ibis.pyspark.connect(spark))


def _run(warehouse: Warehouse, expression: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in expression(warehouse.table("fact_order_line")).to_pyarrow().to_pylist()]


@pytest.mark.parametrize(
    "expression",
    [
        lambda t: rfm_scores(t, as_of=AS_OF),
        lambda t: segment_summary(rfm_scores(t, as_of=AS_OF)).drop("avg_recency_days", "avg_frequency"),
        lambda t: cohort_retention(t, as_of=AS_OF),
        lambda t: arpu_by_month(t, as_of=AS_OF),
        lambda t: arpu_by_month(t, as_of=AS_OF, segments=rfm_scores(t, as_of=AS_OF)),
    ],
    ids=["rfm", "segments", "cohorts", "arpu", "arpu-by-segment"],
)
def test_duckdb_and_spark_agree(on_duckdb: Warehouse, on_spark: Warehouse, expression: Any) -> None:
    on_both = _run(on_duckdb, expression), _run(on_spark, expression)
    assert on_both[0] == on_both[1]
    assert on_both[0]


def test_spark_gives_the_hand_computed_results(on_spark: Warehouse) -> None:
    rfm = _run(on_spark, lambda t: rfm_scores(t, as_of=AS_OF))
    assert {
        r["account_id"]: (r["recency_days"], r["frequency"], r["monetary"], r["r_score"], r["f_score"], r["m_score"], r["segment"])
        for r in rfm
    } == RFM
    cohorts = _run(on_spark, lambda t: cohort_retention(t, as_of=AS_OF))
    assert [(r["cohort_month"], r["months_since"], r["cohort_size"], r["customers"], r["retention"]) for r in cohorts] == COHORTS
    arpu = _run(on_spark, lambda t: arpu_by_month(t, as_of=AS_OF))
    assert [(r["month"], r["revenue"], r["customers"], r["arpu"]) for r in arpu] == ARPU

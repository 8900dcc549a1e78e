"""A churn run: fit the model on the warehouse, keep its report, write the scores back to customers.

The loop's outcome goes into the run twice: the care calls completed so far are a model feature
(``care_calls``), and the run records how many customers were called since the previous run and how
many of them have ordered again since their call.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import ibis
import pyarrow as pa
from django.db.models import QuerySet
from django.utils import timezone

from rapport.analytics.churn.features import ChurnSources
from rapport.analytics.churn.model import DEFAULT_WINDOW_DAYS, churn_fit
from rapport.analytics.engine import Warehouse, open_warehouse
from rapport.analytics.models import CareTask, ChurnModelRun
from rapport.core.models import User
from rapport.customers.models import ActivityStatus
from rapport.customers.profiles import customer_profiles_write


def _care_calls_done() -> QuerySet[CareTask]:
    return CareTask.objects.filter(activity__status=ActivityStatus.DONE, activity__completed_at__isnull=False)


def care_calls_table() -> ibis.Table:
    """(account_id, day) of every completed care call, for the ``care_calls`` feature."""
    rows = list(_care_calls_done().values_list("account_id", "activity__completed_at"))
    return ibis.memtable(
        pa.table(
            {
                "account_id": pa.array([a for a, _ in rows], pa.int64()),
                "day": pa.array([timezone.localdate(t) for _, t in rows], pa.date32()),
            }
        )
    )


def care_outcome(warehouse: Warehouse, *, since: datetime | None) -> tuple[int, int]:
    """(customers called since ``since``, those of them with an order on or after their call's day)."""
    calls = _care_calls_done()
    if since is not None:
        calls = calls.filter(activity__completed_at__gte=since)
    called: dict[int, date] = {}
    for account_id, completed_at in calls.values_list("account_id", "activity__completed_at"):
        day = timezone.localdate(completed_at)
        called[account_id] = min(day, called.get(account_id, day))
    if not called:
        return 0, 0
    lines = warehouse.table("fact_order_line")
    ids = ibis.memtable(pa.table({"account_id": pa.array(list(called), pa.int64())}))
    mine = lines.semi_join(ids, lines.account_id == ids.account_id)
    latest = mine.group_by("account_id").agg(last_day=mine.day.max()).to_pyarrow().to_pylist()
    last = {r["account_id"]: r["last_day"] for r in latest}
    retained = sum(1 for account_id, day in called.items() if last.get(account_id) is not None and last[account_id] >= day)
    return len(called), retained


def churn_refresh(
    *,
    actor: User | None = None,
    as_of: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    warehouse: Warehouse | None = None,
    scored_at: datetime | None = None,
) -> ChurnModelRun:
    """Fit, report, store the run and write churn risk and band to every customer's profile.

    Customers not scored this time (no order in the last year) have their old churn risk cleared.
    """
    warehouse = warehouse or open_warehouse()
    scored_at = scored_at or timezone.now()
    as_of = as_of or timezone.localdate(scored_at)
    fit = churn_fit(ChurnSources.of(warehouse, care_calls=care_calls_table()), warehouse.backend, as_of=as_of, window_days=window_days)
    previous = ChurnModelRun.objects.order_by("-created_at", "-id").first()
    contacted, retained = care_outcome(warehouse, since=previous.created_at if previous else None)
    rows: list[dict[str, Any]] = [
        {"account_id": int(a), "churn_risk": round(float(p), 6), "churn_band": band}
        for a, p, band in zip(fit.scores["account_id"], fit.scores["probability"], fit.scores["band"], strict=True)
    ]
    scored = customer_profiles_write(rows=rows, scored_at=scored_at, via="analytics", replace=True)
    return ChurnModelRun.objects.create(
        as_of=as_of,
        warehouse_version=warehouse.version,
        window_days=window_days,
        train_cutoff=fit.train_cutoff,
        validation_cutoff=fit.validation_cutoff,
        params=fit.params,
        metrics=fit.metrics,
        importance=fit.importance,
        scored=scored,
        high_risk=sum(1 for row in rows if row["churn_band"] == "high"),
        contacted=contacted,
        retained=retained,
        requested_by=actor,
    )


def churn_run_latest() -> ChurnModelRun | None:
    return ChurnModelRun.objects.order_by("-created_at", "-id").first()

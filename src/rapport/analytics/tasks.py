"""Background work of the analytics app: the warehouse build and the segmentation, on request and nightly; the nightly churn refresh.

Every web process and worker imports this module at start (the schedule lives here), so the tasks import
the analytics code they run (Ibis, Arrow, SciPy, scikit-learn: seconds of imports) when they run.
"""

from __future__ import annotations

import logging
from datetime import time

from django_tasks import task

from rapport.analytics.engine import WarehouseMissing
from rapport.common.errors import ValidationFailed
from rapport.core.jobs.scheduler import PeriodicJob, schedule

logger = logging.getLogger(__name__)


@task()
def build_warehouse(build_id: int) -> str:
    """Run one requested build; a repeat of a finished build does nothing."""
    from rapport.analytics.models import ChurnModelRun
    from rapport.analytics.warehouse.runs import warehouse_build_run

    manifest = warehouse_build_run(build_id=build_id)
    if manifest and not ChurnModelRun.objects.exists():
        # A new installation's first warehouse: its churn scores and care calls should not wait for the next
        # night's refresh (which, on the first start, ran before this build and found no warehouse).
        nightly_churn_refresh.enqueue()
    return manifest["version"] if manifest else ""


@task()
def nightly_warehouse_build() -> int:
    """Queue the nightly incremental build (returns the build's id)."""
    from rapport.analytics.warehouse.runs import warehouse_build_request

    return warehouse_build_request(actor=None).pk


schedule.register(PeriodicJob(name="warehouse-build", task=nightly_warehouse_build, daily_at=time(2, 0)))


@task()
def nightly_churn_refresh() -> int:
    """Refit the churn model on the night's warehouse, write the scores back, plan the care calls.

    Returns the care calls created. Safe to repeat: a second run the same month adds no care call.
    """
    from rapport.analytics.churn.care import care_tasks_create
    from rapport.analytics.churn.runs import churn_refresh

    try:
        run = churn_refresh()
    except (WarehouseMissing, ValidationFailed) as exc:
        logger.warning("Churn refresh skipped: %s", exc.message)
        return 0
    try:
        return care_tasks_create(actor=None, run=run)
    except ValidationFailed as exc:
        logger.warning("No care calls planned: %s", exc.message)
        return 0


schedule.register(PeriodicJob(name="churn-refresh", task=nightly_churn_refresh, daily_at=time(3, 30)))


@task()
def nightly_credit_refresh() -> int:
    """Measure every account's payment behaviour and write the credit scores (returns the profiles written)."""
    from rapport.analytics.credit import credit_refresh

    run = credit_refresh()
    if run.missing_rates:
        logger.warning("Credit amounts left out for want of an exchange rate: %s", ", ".join(run.missing_rates))
    return run.written


schedule.register(PeriodicJob(name="credit-refresh", task=nightly_credit_refresh, daily_at=time(4, 0)))


@task()
def credit_refresh_accounts(account_ids: list[int]) -> int:
    """Re-measure a few accounts after a payment or a refund; repeating it rewrites the same values."""
    from rapport.analytics.credit import credit_refresh

    return credit_refresh(account_ids=account_ids).written


@task()
def fit_segments(run_id: int) -> int:
    """Run one requested segmentation (returns the segments found, 0 when it could not fit); a repeat does nothing."""
    from rapport.analytics.segment_runs import segments_fit_run

    run = segments_fit_run(run_id=run_id)
    return run.k or 0 if run is not None else 0


@task()
def nightly_segments_fit() -> int:
    """Queue the nightly segmentation, after the build and the churn refresh wrote the night's CLV (returns the run's id)."""
    from rapport.analytics.segment_runs import segments_fit_request

    return segments_fit_request(actor=None).pk


schedule.register(PeriodicJob(name="segments-fit", task=nightly_segments_fit, daily_at=time(4, 15)))


@task()
def nightly_anomaly_detection() -> int:
    """Flag unusual orders and returns for fraud review (returns the new flags); running it twice adds none."""
    from rapport.analytics.anomalies import anomalies_detect

    return anomalies_detect().created


schedule.register(PeriodicJob(name="anomaly-detection", task=nightly_anomaly_detection, daily_at=time(4, 30)))


@task()
def anomalies_check_new_subject(account_id: int, subject: str) -> int:
    """Check one new order or return (``order:12``, ``return:7``) against its customer's history (returns the new flags).

    Delivered twice, it adds nothing: a flag exists once per rule and subject.
    """
    from rapport.analytics.anomalies import anomalies_check_new

    return anomalies_check_new(account_id=account_id, subject=subject).created

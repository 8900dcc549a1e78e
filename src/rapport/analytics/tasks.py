"""Background work of the analytics app: the warehouse build, on request and nightly."""

from __future__ import annotations

from datetime import time

from django_tasks import task

from rapport.analytics.warehouse.runs import warehouse_build_request, warehouse_build_run
from rapport.core.jobs.scheduler import PeriodicJob, schedule


@task()
def build_warehouse(build_id: int) -> str:
    """Run one requested build; a repeat of a finished build does nothing."""
    manifest = warehouse_build_run(build_id=build_id)
    return manifest["version"] if manifest else ""


@task()
def nightly_warehouse_build() -> int:
    """Queue the nightly incremental build (returns the build's id)."""
    return warehouse_build_request(actor=None).pk


schedule.register(PeriodicJob(name="warehouse-build", task=nightly_warehouse_build, daily_at=time(2, 0)))

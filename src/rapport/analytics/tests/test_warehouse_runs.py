"""Warehouse builds requested from the page or the schedule, run by the worker; the CLI door."""

from __future__ import annotations

import io
import json
import random
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from rapport.analytics.models import WarehouseBuild, WarehouseBuildStatus
from rapport.analytics.tasks import build_warehouse, nightly_warehouse_build
from rapport.analytics.warehouse import current_version
from rapport.analytics.warehouse.build import _exclusive
from rapport.analytics.warehouse.runs import warehouse_build_request, warehouse_build_run
from rapport.common.errors import PermissionDenied
from rapport.core.jobs.scheduler import Schedule, Scheduler, schedule
from rapport.core.jobs.worker import RapportWorker
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse_dir(settings: Any, tmp_path: Path) -> Path:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path / "warehouse"
    return settings.RAPPORT_WAREHOUSE_DIR


def _run_worker() -> None:
    worker = RapportWorker(
        queue_names=["default"], batch=True, scheduler=Scheduler(worker_id="t", schedule=Schedule()), rng=random.Random(1)
    )
    assert worker.run_once() == (True, True)


def test_a_requested_build_is_run_by_the_worker_with_its_progress(
    users: dict[str, Any], warehouse_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    account_create(actor=users["north_rep"], data={"name": "Acme"})
    with django_capture_on_commit_callbacks(execute=True):
        build = warehouse_build_request(actor=users["analyst"])
    assert build.status == WarehouseBuildStatus.QUEUED
    assert DBTaskResult.objects.filter(task_path=build_warehouse.module_path, args_kwargs__kwargs__build_id=build.pk).count() == 1

    _run_worker()

    build.refresh_from_db()
    assert (build.status, build.version, build.step, build.rows_done, build.rows_total) == (
        WarehouseBuildStatus.SUCCEEDED,
        "v000001",
        "done",
        1,
        1,
    )
    assert build.percent == 100
    assert build.started_at is not None and build.finished_at is not None
    assert current_version(warehouse_dir) == "v000001"


def test_the_first_build_queues_the_churn_fit_and_later_builds_leave_it_to_the_night(
    users: dict[str, Any], warehouse_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from rapport.analytics.models import ChurnModelRun
    from rapport.analytics.tasks import nightly_churn_refresh

    def churn_fits_queued() -> int:
        return DBTaskResult.objects.filter(task_path=nightly_churn_refresh.module_path).count()

    with django_capture_on_commit_callbacks(execute=True):
        first = warehouse_build_request(actor=users["analyst"])
    build_warehouse.call(build_id=first.pk)
    assert churn_fits_queued() == 1
    day = first.created_at.date()
    ChurnModelRun.objects.create(as_of=day, warehouse_version="v000001", window_days=90, train_cutoff=day, validation_cutoff=day)
    with django_capture_on_commit_callbacks(execute=True):
        second = warehouse_build_request(actor=users["analyst"])
    build_warehouse.call(build_id=second.pk)
    assert churn_fits_queued() == 1


def test_a_second_request_while_one_is_queued_returns_the_queued_build(users: dict[str, Any], warehouse_dir: Path) -> None:
    first = warehouse_build_request(actor=users["admin"])
    second = warehouse_build_request(actor=users["analyst"], full=True)
    assert second.pk == first.pk
    assert WarehouseBuild.objects.count() == 1


@pytest.mark.parametrize("role", ["north_rep", "manager", "marketer", "agent"])
def test_only_administrators_and_analysts_may_request_a_build(users: dict[str, Any], warehouse_dir: Path, role: str) -> None:
    with pytest.raises(PermissionDenied):
        warehouse_build_request(actor=users[role])
    assert WarehouseBuild.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_build_refused_because_another_runs_is_marked_failed(users: dict[str, Any], warehouse_dir: Path) -> None:
    build = warehouse_build_request(actor=users["admin"])
    warehouse_dir.mkdir(parents=True)
    with _exclusive(warehouse_dir):
        assert warehouse_build_run(build_id=build.pk) is None
    build.refresh_from_db()
    assert build.status == WarehouseBuildStatus.FAILED
    assert build.error == "Another warehouse build is running; try again when it has finished."
    # Running the task again (at-least-once delivery) does not run a finished build.
    assert warehouse_build_run(build_id=build.pk) is None
    assert current_version(warehouse_dir) is None


def test_the_nightly_job_queues_an_incremental_build(warehouse_dir: Path, db: Any) -> None:
    job = schedule.jobs["warehouse-build"]
    assert job.daily_at == time(2, 0)
    assert job.task is nightly_warehouse_build
    build_id = nightly_warehouse_build.call()
    build = WarehouseBuild.objects.get(pk=build_id)
    assert (build.full, build.requested_by, build.status) == (False, None, WarehouseBuildStatus.QUEUED)


def test_cli_builds_and_reports_status(users: dict[str, Any], warehouse_dir: Path) -> None:
    account_create(actor=users["north_rep"], data={"name": "Acme"})
    out, err = io.StringIO(), io.StringIO()
    call_command("warehouse", "build", "--full", stdout=out, stderr=err)
    assert out.getvalue() == (
        f"Warehouse v000001 (full) in {warehouse_dir}: dim_account 1, dim_campaign 0, dim_channel 9, dim_customer 0, dim_date 0, "
        "dim_product 0, fact_campaign_cost 0, fact_campaign_response 0, fact_case 0, fact_interaction 0, fact_invoice 0, fact_order_line 0, fact_payment 0, fact_return 0, fact_survey 0\n"
    )
    assert "done" in err.getvalue()  # the progress bar
    out = io.StringIO()
    call_command("warehouse", "status", stdout=out)
    status = json.loads(out.getvalue())
    assert (status["version"], status["tables"]["dim_account"], status["path"]) == ("v000001", 1, str(warehouse_dir))


def test_cli_status_before_any_build_says_what_to_do(warehouse_dir: Path, db: Any) -> None:
    with pytest.raises(CommandError, match="No warehouse yet"):
        call_command("warehouse", "status")

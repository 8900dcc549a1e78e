"""Segmentation fitted by the worker: from the clusters page's button (analysts, administrators) or nightly."""

from __future__ import annotations

import random
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from rapport.analytics.models import SegmentationRun, WarehouseBuildStatus
from rapport.analytics.segment_runs import segments_fit_request, segments_fit_run
from rapport.analytics.tasks import fit_segments, nightly_segments_fit
from rapport.analytics.tests.test_clustering import _lines
from rapport.analytics.tests.warehouse_data import write_warehouse
from rapport.common.errors import PermissionDenied
from rapport.common.testing import signed_in
from rapport.core.jobs.scheduler import Schedule, Scheduler, schedule
from rapport.core.jobs.worker import RapportWorker
from rapport.customers.models import CustomerProfile
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(users: dict[str, Any], settings: Any, tmp_path: Path) -> list[int]:
    accounts = [account_create(actor=users["north_rep"], data={"name": f"Account {n:02d}"}).pk for n in range(30)]
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path, _lines(accounts))
    return accounts


def _run_worker() -> None:
    worker = RapportWorker(
        queue_names=["default"], batch=True, scheduler=Scheduler(worker_id="t", schedule=Schedule()), rng=random.Random(1)
    )
    assert worker.run_once() == (True, True)


def test_the_button_queues_a_fit_that_the_worker_runs_with_progress(
    users: dict[str, Any], base: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(users["analyst"])
    page = client.get(reverse("analytics:clusters")).content.decode()
    assert "Fit segments now" in page and "No segmentation yet" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:clusters_fit"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Waiting for the worker" in response.content.decode()
    run = SegmentationRun.objects.get()
    assert (run.status, run.requested_by) == (WarehouseBuildStatus.QUEUED, users["analyst"])
    assert DBTaskResult.objects.filter(task_path=fit_segments.module_path, args_kwargs__kwargs__run_id=run.pk).count() == 1

    _run_worker()

    run.refresh_from_db()
    # Steps: reading, k-means, k = 2..8 (seven), writing: the last one reported is 8 of 10, then done.
    assert (run.status, run.k, run.accounts, run.step, run.steps_total, run.percent) == (
        WarehouseBuildStatus.SUCCEEDED,
        3,
        30,
        "done",
        10,
        100,
    )
    assert CustomerProfile.objects.filter(segment_cluster=3).count() == 10
    progress = client.get(reverse("analytics:clusters_progress"), HTTP_HX_REQUEST="true").content.decode()
    assert "3 segments of 30 customers" in progress and "Show the new segments" in progress
    assert "1 · Best customers" in client.get(reverse("analytics:clusters")).content.decode()


def test_a_second_press_while_one_is_queued_returns_the_same_run(users: dict[str, Any], base: list[int]) -> None:
    first = segments_fit_request(actor=users["admin"])
    assert segments_fit_request(actor=users["analyst"]).pk == first.pk
    assert SegmentationRun.objects.count() == 1


@pytest.mark.parametrize("role", ["north_rep", "manager", "marketer", "agent"])
def test_only_administrators_and_analysts_may_fit(users: dict[str, Any], base: list[int], role: str) -> None:
    with pytest.raises(PermissionDenied):
        segments_fit_request(actor=users[role])
    client = signed_in(users[role])
    assert "Fit segments now" not in client.get(reverse("analytics:clusters")).content.decode()
    assert client.post(reverse("analytics:clusters_fit")).status_code == 403
    assert SegmentationRun.objects.count() == 0 and DBTaskResult.objects.count() == 0


def test_a_fit_without_a_warehouse_fails_with_the_reason_and_a_repeat_does_nothing(
    users: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    run = segments_fit_request(actor=users["analyst"])
    done = segments_fit_run(run_id=run.pk)
    assert done is not None and done.status == WarehouseBuildStatus.FAILED and "No warehouse yet" in done.error
    assert segments_fit_run(run_id=run.pk) is None
    html = signed_in(users["analyst"]).get(reverse("analytics:clusters")).content.decode()
    assert "The last segmentation failed" in html


def test_the_nightly_job_queues_a_fit(base: list[int]) -> None:
    job = schedule.jobs["segments-fit"]
    assert job.daily_at == time(4, 15) and job.task is nightly_segments_fit
    run = SegmentationRun.objects.get(pk=nightly_segments_fit.call())
    assert run.requested_by is None and run.status == WarehouseBuildStatus.QUEUED

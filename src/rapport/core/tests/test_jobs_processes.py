"""Real ``rapport worker`` processes: kill -9 in the middle of a task, two workers sharing a schedule.

The workers and the test share one database: on PostgreSQL the test
database itself (the test commits, ``transactional_db``); on SQLite a migrated
file per test, which the test reads through a database alias of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from rapport.core.jobs.idempotency import once
from rapport.core.jobs.retry import retrying
from rapport.core.jobs.scheduler import PeriodicJob, schedule
from rapport.core.models import AuditEntry, IdempotencyKey, ScheduleSlot, WorkerHeartbeat
from rapport.core.tests.conftest import SharedDatabase

# On PostgreSQL the workers use the test database, so the test commits; on SQLite it is unused.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 6


@retrying(max_attempts=3, base_delay=0.1)
@task()
def write_batch(batch: str, marker: str) -> int:
    """Six audit rows in one transaction; the first run stops half-way until it is killed."""
    with once(f"batch:{batch}") as first:
        if not first:
            return 0
        for n in range(ROWS):
            AuditEntry.objects.create(action="create", record_type="jobs.batch", record_id=n, record_repr=batch, via="task")
            if n == ROWS // 2 - 1 and not Path(marker).exists():
                Path(marker).write_text(str(os.getpid()))
                time.sleep(60)
    return ROWS


@task()
def nap(marker: str, seconds: float) -> str:
    Path(marker).write_text("started")
    time.sleep(seconds)
    return "rested"


@task()
def mark_slot() -> None:
    return None


def register_every_second() -> None:
    """Called in the worker processes of the schedule test only, so no other test sees the job."""
    schedule.register(PeriodicJob(name="every-second", task=mark_slot, every=timedelta(seconds=1)))


@pytest.fixture
def start_worker(shared_db: SharedDatabase, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(worker_id: str, *args: str, python: str | None = None) -> subprocess.Popen[bytes]:
        command = (
            [sys.executable, "-c", python]
            if python
            # No periodic jobs: the nightly warehouse and model fits would hold a worker past its SIGTERM's wait.
            else [sys.executable, "-m", "rapport.cli", "worker", "--interval", "0.1", "--worker-id", worker_id, "--no-schedule", *args]
        )
        with open(tmp_path / f"{worker_id}.log", "wb") as log:
            process = subprocess.Popen(command, env=shared_db.env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


# A worker process starts by importing Django and the apps: seconds on a quiet machine, far longer when
# the 2 cores are shared. Waiting longer costs nothing when things go well.
STARTUP = 120


def worker_logs(folder: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in sorted(folder.glob("*.log")))


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, logs: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{worker_logs(logs)}")


def stop_gracefully(process: subprocess.Popen[bytes], *, timeout: float = 15) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def test_a_task_killed_mid_run_is_retried_and_leaves_one_complete_set_of_rows(shared_db, start_worker, tmp_path):
    db = shared_db.alias
    marker = tmp_path / "half-way"
    result = DBTaskResult.objects.using(db).create(
        args_kwargs={"args": [], "kwargs": {"batch": "B-1", "marker": str(marker)}},
        task_path=write_batch.module_path,
        backend_name="default",
        run_after=get_date_max(),
    )

    doomed = start_worker("doomed")
    wait_for(marker.exists, timeout=STARTUP, what="the first run to be half-way", logs=tmp_path)
    assert AuditEntry.objects.using(db).filter(record_type="jobs.batch").count() == 0  # not committed
    doomed.send_signal(signal.SIGKILL)
    assert doomed.wait(timeout=10) == -signal.SIGKILL

    row = DBTaskResult.objects.using(db).get(pk=result.pk)
    assert (row.status, row.worker_ids) == (TaskResultStatus.RUNNING, ["doomed"])
    assert AuditEntry.objects.using(db).filter(record_type="jobs.batch").count() == 0

    rescuer = start_worker("rescuer", "--stale-after", "2")

    def finished() -> DBTaskResult | None:
        current = DBTaskResult.objects.using(db).get(pk=result.pk)
        return current if current.status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED} else None

    row = wait_for(finished, timeout=STARTUP, what="the retry to finish", logs=tmp_path)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == ROWS
    assert row.worker_ids == ["doomed", "rescuer"]
    entries = AuditEntry.objects.using(db).filter(record_type="jobs.batch").order_by("record_id")
    assert [(e.record_id, e.record_repr) for e in entries] == [(n, "B-1") for n in range(ROWS)]
    assert list(IdempotencyKey.objects.using(db).values_list("key", flat=True)) == ["batch:B-1"]

    assert stop_gracefully(rescuer) == 0, worker_logs(tmp_path)
    assert WorkerHeartbeat.objects.using(db).count() == 0


def test_two_workers_fire_each_schedule_slot_exactly_once(shared_db, start_worker, tmp_path):
    db = shared_db.alias
    workers = [
        start_worker(
            name,
            python=(
                "import django; django.setup()\n"
                "from rapport.core.tests.test_jobs_processes import register_every_second\n"
                "register_every_second()\n"
                "from django.core.management import call_command\n"
                f"call_command('worker', '--interval', '0.05', '--worker-id', '{name}')\n"
            ),
        )
        for name in ("worker-a", "worker-b")
    ]
    wait_for(lambda: WorkerHeartbeat.objects.using(db).count() == 2, timeout=STARTUP, what="both workers to start", logs=tmp_path)
    both_running = timezone.now()
    wait_for(
        lambda: ScheduleSlot.objects.using(db).filter(job="every-second", slot__gte=both_running).count() >= 3,
        # Both workers first run the real nightly jobs whose slots are due (warehouse, model fits):
        # seconds alone, far longer when the suite loads both cores; the scheduler ticks between tasks.
        timeout=STARTUP,
        what="three slots fired while both workers ran",
        logs=tmp_path,
    )
    # A worker finishes the task it runs before it stops: here possibly a nightly model fit, slow under load.
    assert [stop_gracefully(worker, timeout=STARTUP) for worker in workers] == [0, 0], worker_logs(tmp_path)

    slots = list(ScheduleSlot.objects.using(db).filter(job="every-second"))
    fired = DBTaskResult.objects.using(db).filter(task_path=mark_slot.module_path)
    assert len(slots) >= 3
    assert fired.count() == len(slots)
    assert {s.task_result_id for s in slots} == set(fired.values_list("pk", flat=True))
    assert {s.claimed_by for s in slots} <= {"worker-a", "worker-b"}
    assert ScheduleSlot.objects.using(db).filter(job="prune-finished-tasks").count() == 1
    assert DBTaskResult.objects.using(db).filter(task_path="rapport.core.jobs.maintenance.prune_finished_tasks").count() == 1
    assert WorkerHeartbeat.objects.using(db).count() == 0


def test_sigterm_lets_the_running_task_finish_then_stops(shared_db, start_worker, tmp_path):
    db = shared_db.alias
    marker = tmp_path / "napping"
    result = DBTaskResult.objects.using(db).create(
        args_kwargs={"args": [], "kwargs": {"marker": str(marker), "seconds": 1.5}},
        task_path=nap.module_path,
        backend_name="default",
        run_after=get_date_max(),
    )
    worker = start_worker("polite")
    wait_for(marker.exists, timeout=STARTUP, what="the task to start", logs=tmp_path)
    assert stop_gracefully(worker) == 0, worker_logs(tmp_path)
    row = DBTaskResult.objects.using(db).get(pk=result.pk)
    assert (row.status, row.return_value) == (TaskResultStatus.SUCCESSFUL, "rested")
    assert WorkerHeartbeat.objects.using(db).count() == 0
    assert "Received Terminated: stopping after the running task" in (tmp_path / "polite.log").read_text()


def test_a_second_sigterm_stops_the_task_at_once_and_puts_it_back(shared_db, start_worker, tmp_path):
    db = shared_db.alias
    marker = tmp_path / "napping"
    result = DBTaskResult.objects.using(db).create(
        args_kwargs={"args": [], "kwargs": {"marker": str(marker), "seconds": 60}},
        task_path=nap.module_path,
        backend_name="default",
        run_after=get_date_max(),
    )
    worker = start_worker("impatient")
    wait_for(marker.exists, timeout=STARTUP, what="the task to start", logs=tmp_path)
    worker.send_signal(signal.SIGTERM)
    wait_for(
        lambda: "stopping after the running task" in (tmp_path / "impatient.log").read_text(),
        timeout=10,
        what="the first signal",
        logs=tmp_path,
    )
    assert stop_gracefully(worker) == 1, worker_logs(tmp_path)
    row = DBTaskResult.objects.using(db).get(pk=result.pk)
    assert (row.status, row.worker_ids, row.exception_class_path) == (TaskResultStatus.READY, ["impatient"], "builtins.SystemExit")
    assert WorkerHeartbeat.objects.using(db).count() == 0

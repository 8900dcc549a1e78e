"""Heartbeats of running workers, and the reaper that recovers a lost worker's tasks.

django-tasks-db marks a task RUNNING when a worker claims it and never looks
at it again: a worker killed with SIGKILL (or whose machine died) leaves it
RUNNING for ever. Every ``rapport worker`` therefore keeps a heartbeat row
fresh from a thread; any worker's reaper puts the RUNNING tasks of a worker
whose heartbeat is stale back to READY (or FAILED, when that was its last
allowed attempt). On the reaper's own machine the kernel decides instead of
the heartbeat: a worker process that no longer exists is lost at once, and
one that exists is not lost however late its beats.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from functools import cache

from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs.retry import RetryPolicy, policy_for
from rapport.core.models import TaskRetry, WorkerHeartbeat

logger = logging.getLogger(__name__)

LOST_WORKER_ERROR = "rapport.core.jobs.liveness.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped before it could record the outcome."""


@cache
def process_space() -> str:
    """Identifies the set of pids this process can see: same value, same kernel and PID namespace."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            boot_id = boot.read().strip()
        return f"{boot_id}:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return ""


def _process_started_at(pid: int) -> datetime | None:
    """When the process now holding ``pid`` started; None if there is none (or no /proc to ask)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name (field 2) may hold spaces; the fields after its ')' are fixed.
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return datetime.fromtimestamp(boot + int(fields[19]) / ticks, tz=UTC)


def _process_gone(heartbeat: WorkerHeartbeat) -> bool:
    """No process has the worker's pid any more, or a newer one has taken it."""
    started = _process_started_at(heartbeat.pid)
    # The worker writes its heartbeat after it starts; a process started later reuses the pid.
    return started is None or started > heartbeat.started_at + timedelta(seconds=2)


def heartbeat_register(*, worker_id: str, queues: str) -> WorkerHeartbeat:
    now = timezone.now()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "process_space": process_space(),
            "queues": queues[:255],
            "started_at": now,
            "last_seen_at": now,
        },
    )
    return heartbeat


def heartbeat_beat(*, worker_id: str, queues: str) -> None:
    # A reaper that thought this worker lost has deleted the row: come back.
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen_at=timezone.now()):
        heartbeat_register(worker_id=worker_id, queues=queues)


def heartbeat_remove(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class HeartbeatThread(threading.Thread):
    """Refreshes the worker's heartbeat every ``every`` seconds, even while a long task runs."""

    def __init__(self, *, worker_id: str, queues: str, every: float):
        super().__init__(name=f"heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id, self.queues, self.every = worker_id, queues, every
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.every):
                try:
                    heartbeat_beat(worker_id=self.worker_id, queues=self.queues)
                except Exception:
                    # A locked SQLite file or a database restart: the next beat tries again.
                    logger.exception("Heartbeat of worker %s failed", self.worker_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=self.every + 5)


def lost_worker_ids(*, stale_after: timedelta, now: datetime | None = None) -> set[str]:
    """Workers whose process is gone, on this machine; elsewhere, workers not heard from within ``stale_after``.

    On this machine the kernel knows better than the heartbeat: a worker whose
    beats are late because a long SQLite transaction holds the write lock is
    alive, and its task must not run twice. A worker that hangs for good is
    recovered by killing it.
    """
    now = now or timezone.now()
    here = process_space()
    lost = set()
    for heartbeat in WorkerHeartbeat.objects.all():
        if here and heartbeat.process_space == here:
            if heartbeat.pid != os.getpid() and _process_gone(heartbeat):
                lost.add(heartbeat.worker_id)
        elif heartbeat.last_seen_at < now - stale_after:
            lost.add(heartbeat.worker_id)
    return lost


def attempts_in_round(task_result: DBTaskResult) -> int:
    """Attempts since the task was enqueued or last retried by an administrator."""
    baseline = (
        TaskRetry.objects.filter(task_result_id=task_result.pk).order_by("-at", "-id").values_list("attempts_before", flat=True).first()
    )
    return len(task_result.worker_ids) - (baseline or 0)


def policy_of(task_result: DBTaskResult) -> RetryPolicy:
    """The task's retry policy; importing the task is what registers it."""
    try:
        task_result.task  # noqa: B018
    except Exception:
        logger.warning("Task %s: cannot import %s", task_result.pk, task_result.task_path)
    return policy_for(task_result.task_path)


def reap_lost_tasks(*, stale_after: timedelta) -> list[str]:
    """Put the RUNNING tasks of lost workers back in the queue; returns their ids.

    A task whose worker has no heartbeat at all (pruned, or run by a worker
    that predates heartbeats) is lost once it has run longer than ``stale_after``.
    """
    now = timezone.now()
    lost = lost_worker_ids(stale_after=stale_after, now=now)
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    reaped: list[str] = []
    for task_result in DBTaskResult.objects.running().order_by("started_at"):
        worker_id = task_result.worker_ids[-1] if task_result.worker_ids else ""
        orphaned = worker_id not in known and task_result.started_at is not None and task_result.started_at < now - stale_after
        if (worker_id in lost or orphaned) and _requeue_lost(task_result, worker_id=worker_id, now=now):
            reaped.append(str(task_result.pk))
    if lost:
        WorkerHeartbeat.objects.filter(worker_id__in=lost).delete()
    return reaped


def _requeue_lost(task_result: DBTaskResult, *, worker_id: str, now: datetime) -> bool:
    # The conditional update loses to a worker that finished or re-claimed the task meanwhile.
    still_lost = DBTaskResult.objects.filter(pk=task_result.pk, status=TaskResultStatus.RUNNING, started_at=task_result.started_at)
    attempt = attempts_in_round(task_result)
    policy = policy_of(task_result)
    message = f"Worker {worker_id or '?'} stopped while running this task (attempt {attempt} of {policy.max_attempts})."
    with transaction.atomic():
        if attempt < policy.max_attempts:
            updated = still_lost.update(
                status=TaskResultStatus.READY, run_after=now, exception_class_path=LOST_WORKER_ERROR, traceback=message
            )
        else:
            updated = still_lost.update(
                status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=LOST_WORKER_ERROR, traceback=message
            )
    if updated:
        logger.warning("Task %s (%s): %s", task_result.pk, task_result.task_path, message)
    return bool(updated)

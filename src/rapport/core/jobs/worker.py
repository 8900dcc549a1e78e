"""The Rapport worker: django-tasks-db's worker with heartbeats, a reaper, retries and a scheduler.

It reuses django-tasks-db's ``Worker`` for its configuration and replaces
the loop, the signal handling and the running of a task:

* SIGTERM/SIGINT let the running task finish, then the worker stops; a second
  signal stops the task at once and puts it back in the queue. (The package
  exits from inside the signal handler whenever no task runs, which can cut a
  database write in half; here the handler only sets a flag and wakes the loop.)

* each loop turn reaps lost workers' tasks and ticks the scheduler (at most
  every ``maintenance_every`` seconds), then claims and runs one task;
* a task that raises is retried after an exponential, jittered delay while
  its retry policy allows (``retry.py``), else stays FAILED with its traceback;
* outcomes are recorded only if the task is still this worker's run: a task
  that a reaper has meanwhile handed to another worker is not overwritten.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from datetime import datetime, timedelta
from traceback import format_exception
from types import FrameType
from typing import Any

from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception, retry

from rapport.core.jobs.liveness import (
    HeartbeatThread,
    attempts_in_round,
    heartbeat_register,
    heartbeat_remove,
    policy_of,
    reap_lost_tasks,
)
from rapport.core.jobs.scheduler import Scheduler, schedule

logger = logging.getLogger(__name__)


def _exception_path(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


class RapportWorker(Worker):
    def __init__(
        self,
        *,
        queue_names: list[str],
        interval: float = 1.0,
        batch: bool = False,
        backend_name: str = "default",
        max_tasks: int | None = None,
        worker_id: str | None = None,
        stale_after: float = 30.0,
        scheduler: Scheduler | None = None,
        maintenance_every: float = 1.0,
        rng: random.Random | None = None,
    ):
        worker_id = worker_id or get_random_string(32)
        super().__init__(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.stale_after = timedelta(seconds=stale_after)
        self.scheduler = scheduler if scheduler is not None else Scheduler(worker_id=worker_id, schedule=schedule)
        self.maintenance_every = maintenance_every
        self.rng = rng or random.Random()
        self._last_maintenance = float("-inf")
        self._wake = threading.Event()

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running and self.running_task:
            logger.warning("Received %s again: stopping the running task; it goes back to the queue.", signal.strsignal(signum))
            self.reset_signals()
            raise SystemExit(1)
        logger.warning("Received %s: stopping after the running task (send it again to stop at once).", signal.strsignal(signum))
        self.running = False
        self._wake.set()

    @property
    def queues_label(self) -> str:
        return ",".join(self.queue_names)

    # The loop ------------------------------------------------------------

    def run(self) -> None:
        heartbeat_register(worker_id=self.worker_id, queues=self.queues_label)
        # A third of the staleness limit: two beats may be late before anyone reaps.
        heartbeat = HeartbeatThread(
            worker_id=self.worker_id, queues=self.queues_label, every=max(self.stale_after.total_seconds() / 3, 0.2)
        )
        heartbeat.start()
        logger.info("Worker %s started: queues %s", self.worker_id, self.queues_label)
        try:
            while self.running:
                close_old_connections()
                ran, looked = self.run_once()
                if self.batch and looked and not ran:
                    logger.info("Worker %s: no task ready, exiting (batch).", self.worker_id)
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                if self.running and not ran:
                    self._wake.wait(self.interval)
        finally:
            heartbeat.stop()
            # A forced stop may have cut a transaction: start from a fresh connection.
            connection.close()
            try:
                heartbeat_remove(worker_id=self.worker_id)
            finally:
                close_old_connections()
            logger.info("Worker %s stopped.", self.worker_id)

    def run_once(self) -> tuple[bool, bool]:
        """One turn: maintenance if due, then at most one task. Returns (ran a task, could look for one)."""
        if time.monotonic() - self._last_maintenance >= self.maintenance_every:
            self._last_maintenance = time.monotonic()
            self.maintain()
        task_result, looked = self.claim_next()
        if task_result is None:
            return False, looked
        self.run_task(task_result)
        return True, True

    def maintain(self) -> None:
        """Reap lost workers' tasks and fire due periodic jobs; a failure here must not stop the worker."""
        for step in (lambda: reap_lost_tasks(stale_after=self.stale_after), self.scheduler.tick):
            try:
                step()
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                logger.info("Worker %s: database busy, maintenance postponed.", self.worker_id)
            except Exception:
                # A periodic job that cannot be enqueued must not stop the tasks.
                logger.exception("Worker %s: maintenance failed", self.worker_id)

    def claim_next(self) -> tuple[DBTaskResult | None, bool]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None, False
            raise
        return task_result, True

    # Running one task ----------------------------------------------------

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_task = True
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            if self._record(db_task_result, status=TaskResultStatus.SUCCESSFUL, return_value=value):
                db_task_result.refresh_from_db()
                task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except (KeyboardInterrupt, SystemExit) as exc:
            # Stopped at once by a second signal: the task goes back to the queue.
            self._record(db_task_result, status=TaskResultStatus.READY, exc=exc, run_after=timezone.now())
            raise
        except Exception as exc:
            self.handle_failure(db_task_result, exc)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def handle_failure(self, db_task_result: DBTaskResult, exc: Exception) -> None:
        policy = policy_of(db_task_result)
        attempt = attempts_in_round(db_task_result)
        if policy.should_retry(exc, attempt=attempt):
            delay = policy.delay(attempt, self.rng)
            logger.warning(
                "Task %s (%s) failed on attempt %d; retrying in %.1fs: %r",
                db_task_result.pk,
                db_task_result.task_path,
                attempt,
                delay.total_seconds(),
                exc,
            )
            self._record(db_task_result, status=TaskResultStatus.READY, exc=exc, run_after=timezone.now() + delay)
            return
        logger.error(
            "Task %s (%s) failed on attempt %d of %d: %r", db_task_result.pk, db_task_result.task_path, attempt, policy.max_attempts, exc
        )
        if self._record(db_task_result, status=TaskResultStatus.FAILED, exc=exc):
            db_task_result.refresh_from_db()
            try:
                task_finished.send(sender=type(db_task_result.task.get_backend()), task_result=db_task_result.task_result)
            except ImportError:
                logger.exception("Task %s failed and cannot be imported", db_task_result.pk)

    @retry()
    def _record(
        self,
        db_task_result: DBTaskResult,
        *,
        status: str,
        exc: BaseException | None = None,
        return_value: Any = None,
        run_after: datetime | None = None,
    ) -> bool:
        """Write the outcome if the task is still this worker's run; False if a reaper took it away."""
        fields: dict[str, Any] = {"status": status, "return_value": return_value}
        if status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}:
            fields["finished_at"] = timezone.now()
        if run_after is not None:
            fields["run_after"] = run_after
        fields["exception_class_path"] = _exception_path(exc) if exc else ""
        fields["traceback"] = "".join(format_exception(exc)) if exc else ""
        updated = DBTaskResult.objects.filter(
            pk=db_task_result.pk, status=TaskResultStatus.RUNNING, started_at=db_task_result.started_at
        ).update(**fields)
        if not updated:
            logger.warning(
                "Task %s was taken from worker %s while it ran; its outcome (%s) is not recorded.",
                db_task_result.pk,
                self.worker_id,
                status,
            )
        return bool(updated)

"""Periodic jobs: registered in code, each slot fired by exactly one worker.

A job runs every N seconds/minutes (slots aligned on the Unix epoch, in UTC)
or daily at HH:MM in the installation's time zone. Every worker ticks the
scheduler; for each job whose current slot has begun, it inserts
``ScheduleSlot(job, slot)`` and enqueues the job's task in one transaction.
The unique constraint on (job, slot) lets one insert win, so two workers, or
twenty, fire each slot once. A slot missed while no worker ran fires late,
once: only the latest slot is ever fired, never a backlog.

Register from an app's ``tasks.py`` (the worker imports every app's)::

    schedule.register(PeriodicJob(name="send-reminders", task=send_due_reminders, every=timedelta(minutes=5)))
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from rapport.core.models import ScheduleSlot

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django-tasks Task
    every: timedelta | None = None
    daily_at: time | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"Periodic job {self.name!r}: give either every= or daily_at=")
        if self.every is not None and self.every < timedelta(seconds=1):
            raise ValueError(f"Periodic job {self.name!r}: every= is at least one second")
        if not self.name or len(self.name) > 100:
            raise ValueError("A periodic job's name has 1 to 100 characters")

    def current_slot(self, now: datetime) -> datetime:
        """The start of the slot that ``now`` falls in."""
        if self.every is not None:
            step = self.every.total_seconds()
            elapsed = (now - EPOCH).total_seconds()
            return EPOCH + timedelta(seconds=(elapsed // step) * step)
        assert self.daily_at is not None
        local_tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local_now = now.astimezone(local_tz)
        today = datetime.combine(local_now.date(), self.daily_at, tzinfo=local_tz)
        start = today if today <= local_now else datetime.combine(local_now.date() - timedelta(days=1), self.daily_at, tzinfo=local_tz)
        return start.astimezone(UTC)


class Schedule:
    """The registry of periodic jobs, by name."""

    def __init__(self, jobs: list[PeriodicJob] | None = None):
        self.jobs: dict[str, PeriodicJob] = {}
        for job in jobs or []:
            self.register(job)

    def register(self, job: PeriodicJob) -> PeriodicJob:
        known = self.jobs.get(job.name)
        if known is not None and known != job:
            raise ValueError(f"Two periodic jobs are named {job.name!r}")
        self.jobs[job.name] = job
        return job


schedule = Schedule()


def autodiscover() -> None:
    """Import the modules that register periodic jobs: core's own and every app's ``tasks``."""
    from rapport.core.jobs import maintenance  # noqa: F401

    autodiscover_modules("tasks")


class Scheduler:
    """Fires the due slots of a schedule on behalf of one worker."""

    def __init__(self, *, worker_id: str, schedule: Schedule = schedule):
        self.worker_id = worker_id
        self.schedule = schedule
        # The last slot seen claimed per job: saves a query per tick per job.
        self._done: dict[str, datetime] = {}

    def tick(self, now: datetime | None = None) -> list[ScheduleSlot]:
        """Claim and fire every job whose current slot nobody has fired; returns the slots this worker fired."""
        now = now or timezone.now()
        fired = []
        for job in self.schedule.jobs.values():
            slot = job.current_slot(now)
            if self._done.get(job.name) == slot:
                continue
            claimed = self._claim(job, slot)
            self._done[job.name] = slot
            if claimed is not None:
                fired.append(claimed)
        return fired

    def _claim(self, job: PeriodicJob, slot: datetime) -> ScheduleSlot | None:
        if ScheduleSlot.objects.filter(job=job.name, slot=slot).exists():
            return None
        try:
            with transaction.atomic():
                claimed = ScheduleSlot.objects.create(job=job.name, slot=slot, claimed_by=self.worker_id)
                result = job.task.enqueue(**job.kwargs)
                claimed.task_result_id = result.id
                claimed.save(update_fields=["task_result"])
        except IntegrityError:
            return None
        logger.info("Periodic job %s: slot %s fired (task %s)", job.name, slot.isoformat(), claimed.task_result_id)
        return claimed

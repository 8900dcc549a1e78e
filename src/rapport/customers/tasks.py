"""Background work of the customers app, registered with the scheduler (``core.jobs``)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.core.jobs.retry import retrying
from rapport.core.jobs.scheduler import PeriodicJob, schedule
from rapport.customers.reminders import activity_send_due_reminders


@retrying(max_attempts=3)
@task()
def send_activity_reminders() -> int:
    """Email every activity reminder that is due; safe to run twice (each reminder is claimed once)."""
    return activity_send_due_reminders()


schedule.register(PeriodicJob(name="activity-reminders", task=send_activity_reminders, every=timedelta(minutes=1)))

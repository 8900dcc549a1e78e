"""The queue's own housekeeping, run by the scheduler."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs.retry import retrying
from rapport.core.jobs.scheduler import PeriodicJob, schedule
from rapport.core.models import IdempotencyKey, ScheduleSlot, WorkerHeartbeat

SLOT_DAYS = 7
IDEMPOTENCY_KEY_DAYS = 30
HEARTBEAT_DAYS = 1


def _delete(queryset: QuerySet[Any]) -> int:
    """Rows of the queryset's own model deleted (cascades are not counted)."""
    _, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)


@retrying(max_attempts=3)
@task()
def prune_finished_tasks() -> dict[str, int]:
    """Delete what no one needs any more: old results, slots, keys and heartbeats.

    Successful task results go after ``RAPPORT_TASK_RESULT_DAYS``; failed ones
    stay ``RAPPORT_FAILED_TASK_DAYS`` so administrators can still read and retry
    them. Deleting is naturally safe to repeat.
    """
    now = timezone.now()
    with transaction.atomic():
        successful = _delete(
            DBTaskResult.objects.successful().filter(finished_at__lt=now - timedelta(days=settings.RAPPORT_TASK_RESULT_DAYS))
        )
        failed = _delete(DBTaskResult.objects.failed().filter(finished_at__lt=now - timedelta(days=settings.RAPPORT_FAILED_TASK_DAYS)))
        slots = _delete(ScheduleSlot.objects.filter(slot__lt=now - timedelta(days=SLOT_DAYS)))
        keys = _delete(IdempotencyKey.objects.filter(created_at__lt=now - timedelta(days=IDEMPOTENCY_KEY_DAYS)))
        heartbeats = _delete(WorkerHeartbeat.objects.filter(last_seen_at__lt=now - timedelta(days=HEARTBEAT_DAYS)))
    return {"successful": successful, "failed": failed, "slots": slots, "idempotency_keys": keys, "heartbeats": heartbeats}


schedule.register(PeriodicJob(name="prune-finished-tasks", task=prune_finished_tasks, daily_at=time(3, 30)))

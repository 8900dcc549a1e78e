"""Reads of the task queue for administrators: failed tasks, one task, the workers."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django_tasks_db.models import DBTaskResult

from rapport.common.errors import NotFound
from rapport.core.models import WorkerHeartbeat


def task_failed_list() -> QuerySet[DBTaskResult]:
    return DBTaskResult.objects.failed().order_by("-finished_at", "id")


def task_get(*, task_id: str) -> DBTaskResult:
    try:
        return DBTaskResult.objects.get(pk=uuid.UUID(task_id.strip()))
    except (ValueError, DBTaskResult.DoesNotExist) as exc:
        raise NotFound(f"No task {task_id}.") from exc


def worker_list() -> QuerySet[WorkerHeartbeat]:
    return WorkerHeartbeat.objects.order_by("hostname", "pid", "id")

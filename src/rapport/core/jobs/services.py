"""Writes on the task queue that people make: retrying failed tasks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.models import TaskRetry, User


def _task_uuids(task_ids: Iterable[str | UUID]) -> list[UUID]:
    parsed = []
    for raw in task_ids:
        try:
            parsed.append(raw if isinstance(raw, UUID) else uuid.UUID(str(raw).strip()))
        except ValueError as exc:
            raise ValidationFailed.for_field("task_ids", f"'{raw}' is not a task id.") from exc
    if not parsed:
        raise ValidationFailed.for_field("task_ids", "Name at least one task.")
    return list(dict.fromkeys(parsed))


def task_retry(*, actor: User | None, task_ids: Iterable[str | UUID], via: str = "admin") -> list[DBTaskResult]:
    """Send failed tasks back to the queue with a fresh round of attempts.

    ``actor`` None is the operator at the command line. Administrators only;
    all or nothing: an unknown id or a task that has not failed changes nothing.
    """
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied("Only administrators retry tasks.")
    ids = _task_uuids(task_ids)
    now = timezone.now()
    with transaction.atomic():
        found = {row.pk: row for row in DBTaskResult.objects.select_for_update().filter(pk__in=ids)}
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise NotFound(f"No task {', '.join(missing)}.")
        not_failed = [f"{pk} is {found[pk].status.lower()}" for pk in ids if found[pk].status != TaskResultStatus.FAILED]
        if not_failed:
            raise Conflict(f"Only failed tasks can be retried: {'; '.join(not_failed)}.")
        retried = [found[pk] for pk in ids]
        TaskRetry.objects.bulk_create(
            TaskRetry(
                task_result=row,
                at=now,
                actor=actor,
                actor_name=actor.get_username() if actor else "system",
                via=via,
                attempts_before=len(row.worker_ids),
            )
            for row in retried
        )
        DBTaskResult.objects.filter(pk__in=ids).update(status=TaskResultStatus.READY, run_after=now, finished_at=None)
    for row in retried:
        row.refresh_from_db()
    return retried

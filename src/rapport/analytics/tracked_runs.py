"""Long analytics work tracked in a row (``TrackedRun``): requested once, run by the worker, finished once.

The warehouse build and the segmentation fit share this life cycle; each keeps its own progress fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from rapport.analytics.models import TrackedRun, WarehouseBuildStatus
from rapport.core.models import User

R = TypeVar("R", bound=TrackedRun)

# A run whose row says RUNNING but has not moved for this long was lost with its worker.
STALLED_AFTER = timedelta(hours=6)


def tracked_run_request(model: type[R], *, actor: User | None, enqueue: Callable[[int], Any], **fields: Any) -> R:
    """Queue a run for the worker; one already queued or running (and not stalled) is returned instead of a second."""
    with transaction.atomic():
        active = model._default_manager.select_for_update().filter(
            status__in=[WarehouseBuildStatus.QUEUED, WarehouseBuildStatus.RUNNING], updated_at__gte=timezone.now() - STALLED_AFTER
        )
        running = active.first()
        if running is not None:
            return running
        run = model._default_manager.create(requested_by=actor, **fields)
        transaction.on_commit(lambda: enqueue(run.pk))
    return run


def tracked_run_start(model: type[R], *, run_id: int) -> R | None:
    """Mark a requested run as running; None when it is gone or already finished (a repeated task does nothing)."""
    run = model._default_manager.filter(pk=run_id).first()
    if run is None or run.status in (WarehouseBuildStatus.SUCCEEDED, WarehouseBuildStatus.FAILED):
        return None
    run.status = WarehouseBuildStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at", "updated_at"])
    return run


def tracked_run_finish(model: type[TrackedRun], *, run_id: int, status: str, error: str = "", **values: Any) -> None:
    now = timezone.now()
    model._default_manager.filter(pk=run_id).update(status=status, finished_at=now, updated_at=now, error=error[:2000], **values)

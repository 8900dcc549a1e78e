"""Segmentation runs: the clusters fitted by the worker, on request from the clusters page or nightly.

A ``SegmentationRun`` row carries the progress the clusters page polls: one step to read the warehouse,
one per number of clusters tried, one to write the profiles.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from rapport.analytics.engine import WarehouseMissing
from rapport.analytics.models import SegmentationRun, WarehouseBuildStatus
from rapport.analytics.tracked_runs import tracked_run_finish, tracked_run_request, tracked_run_start
from rapport.common.errors import PermissionDenied
from rapport.core.models import Role, User

logger = logging.getLogger(__name__)

FITTERS = {Role.ADMINISTRATOR, Role.ANALYST}


def can_fit_segments(user: User) -> bool:
    return user.is_active and (user.is_administrator or user.role in FITTERS)


def segments_fit_request(*, actor: User | None) -> SegmentationRun:
    """Queue a fit for the worker (``actor`` None: the schedule); a fit already under way is returned instead."""
    if actor is not None and not can_fit_segments(actor):
        raise PermissionDenied("Only administrators and analysts may fit the segments.")
    from rapport.analytics.tasks import fit_segments

    return tracked_run_request(SegmentationRun, actor=actor, enqueue=lambda run_id: fit_segments.enqueue(run_id=run_id))


def segments_fit_run(*, run_id: int) -> SegmentationRun | None:
    """Fit the clusters for a requested run, saving progress; safe to repeat (a finished run is left alone)."""
    # Imported here: scikit-learn is heavy, and every worker imports the tasks module at start.
    from rapport.analytics.clustering import segments_fit

    run = tracked_run_start(SegmentationRun, run_id=run_id)
    if run is None:
        return None

    def progress(step: str, done: int, total: int) -> None:
        SegmentationRun.objects.filter(pk=run_id).update(step=step[:60], steps_done=done, steps_total=total, updated_at=timezone.now())

    try:
        fit = segments_fit(progress=progress)
    except (WarehouseMissing, ValueError) as exc:
        # Nothing to fit yet (no warehouse, no orders): said on the page, not retried.
        message = exc.message if isinstance(exc, WarehouseMissing) else str(exc)
        tracked_run_finish(SegmentationRun, run_id=run_id, status=WarehouseBuildStatus.FAILED, error=message)
    except Exception as exc:
        logger.exception("Segmentation run %s failed", run_id)
        tracked_run_finish(SegmentationRun, run_id=run_id, status=WarehouseBuildStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        tracked_run_finish(
            SegmentationRun, run_id=run_id, status=WarehouseBuildStatus.SUCCEEDED, k=fit.k, accounts=fit.accounts, step="done"
        )
    return SegmentationRun.objects.get(pk=run_id)


def segments_run_latest() -> SegmentationRun | None:
    return SegmentationRun.objects.order_by("-created_at", "-id").first()

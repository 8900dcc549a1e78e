"""Warehouse builds as tracked runs: requested from the page, the CLI or the schedule, run by the worker.

A ``WarehouseBuild`` row carries the progress that the analytics page polls. Progress is saved at most
every ``SAVE_EVERY_SECONDS`` so a build of millions of rows does not spend its time writing its own
progress.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.utils import timezone

from rapport.analytics.models import WarehouseBuild, WarehouseBuildStatus
from rapport.analytics.tracked_runs import tracked_run_finish, tracked_run_request, tracked_run_start
from rapport.analytics.warehouse.versions import WarehouseBusy
from rapport.common.errors import PermissionDenied
from rapport.core.models import Role, User

logger = logging.getLogger(__name__)

SAVE_EVERY_SECONDS = 1.0
BUILDERS = {Role.ADMINISTRATOR, Role.ANALYST}


def can_build_warehouse(user: User) -> bool:
    return user.is_active and (user.is_administrator or user.role in BUILDERS)


def warehouse_build_request(*, actor: User | None, full: bool = False) -> WarehouseBuild:
    """Queue a build for the worker; an already queued or running build is returned instead of a second one."""
    if actor is not None and not can_build_warehouse(actor):
        raise PermissionDenied("Only administrators and analysts may build the warehouse.")
    from rapport.analytics.tasks import build_warehouse

    return tracked_run_request(WarehouseBuild, actor=actor, enqueue=lambda build_id: build_warehouse.enqueue(build_id=build_id), full=full)


def warehouse_build_run(*, build_id: int) -> dict[str, Any] | None:
    """Run a requested build then score the customers on it, saving progress; safe to repeat."""
    # Imported here: building and scoring need NumPy, Arrow, Ibis and SciPy (seconds to import), and the
    # pages that only show a build's progress import this module.
    from rapport.analytics.crosssell import cross_sell_refresh
    from rapport.analytics.engine import open_warehouse
    from rapport.analytics.scoring import customers_score
    from rapport.analytics.warehouse.build import warehouse_build

    build = tracked_run_start(WarehouseBuild, run_id=build_id)
    if build is None:
        return None
    last_save = 0.0
    counts = (0, 0)

    def progress(step: str, done: int, total: int) -> None:
        nonlocal last_save, counts
        counts = (done, total)
        now = time.monotonic()
        if now - last_save < SAVE_EVERY_SECONDS and step == build.step:
            return
        last_save = now
        WarehouseBuild.objects.filter(pk=build_id).update(step=step[:60], rows_done=done, rows_total=total, updated_at=timezone.now())
        build.step = step

    try:
        manifest = warehouse_build(full=build.full, progress=progress)
        progress("scoring", *counts)
        # Closing the loop: fresh data means fresh scores on the customers.
        customers_score()
        cross_sell_refresh(warehouse=open_warehouse())
    except WarehouseBusy as exc:
        _finish(build_id, WarehouseBuildStatus.FAILED, error=exc.message)
        return None
    except Exception as exc:
        # Not retried: the row shows the failure, and the next request or night starts afresh.
        logger.exception("Warehouse build %s failed", build_id)
        _finish(build_id, WarehouseBuildStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return None
    _finish(build_id, WarehouseBuildStatus.SUCCEEDED, version=manifest["version"])
    return manifest


def _finish(build_id: int, status: str, *, error: str = "", version: str = "") -> None:
    values: dict[str, Any] = {"version": version, "step": "done"} if version else {}
    tracked_run_finish(WarehouseBuild, run_id=build_id, status=status, error=error, **values)


def warehouse_build_latest() -> WarehouseBuild | None:
    return WarehouseBuild.objects.order_by("-created_at", "-id").first()

"""Warehouse builds as tracked runs: requested from the page, the CLI or the schedule, run by the worker.

A ``WarehouseBuild`` row carries the progress that the analytics page polls. Progress is saved at most
every ``SAVE_EVERY_SECONDS`` so a build of millions of rows does not spend its time writing its own
progress.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.analytics.crosssell import cross_sell_refresh
from rapport.analytics.engine import open_warehouse
from rapport.analytics.models import WarehouseBuild, WarehouseBuildStatus
from rapport.analytics.scoring import customers_score
from rapport.analytics.warehouse.build import WarehouseBusy, warehouse_build
from rapport.common.errors import PermissionDenied
from rapport.core.models import Role, User

logger = logging.getLogger(__name__)

SAVE_EVERY_SECONDS = 1.0
# A build whose row says RUNNING but has not moved for this long was lost with its worker.
STALLED_AFTER = timedelta(hours=6)
BUILDERS = {Role.ADMINISTRATOR, Role.ANALYST}


def can_build_warehouse(user: User) -> bool:
    return user.is_active and (user.is_administrator or user.role in BUILDERS)


def warehouse_build_request(*, actor: User | None, full: bool = False) -> WarehouseBuild:
    """Queue a build for the worker; an already queued or running build is returned instead of a second one."""
    if actor is not None and not can_build_warehouse(actor):
        raise PermissionDenied("Only administrators and analysts may build the warehouse.")
    from rapport.analytics.tasks import build_warehouse

    with transaction.atomic():
        active = WarehouseBuild.objects.select_for_update().filter(
            status__in=[WarehouseBuildStatus.QUEUED, WarehouseBuildStatus.RUNNING], updated_at__gte=timezone.now() - STALLED_AFTER
        )
        running = active.first()
        if running is not None:
            return running
        build = WarehouseBuild.objects.create(full=full, requested_by=actor)
        transaction.on_commit(lambda: build_warehouse.enqueue(build_id=build.pk))
    return build


def warehouse_build_run(*, build_id: int) -> dict[str, Any] | None:
    """Run a requested build then score the customers on it, saving progress; safe to repeat."""
    build = WarehouseBuild.objects.filter(pk=build_id).first()
    if build is None or build.status in (WarehouseBuildStatus.SUCCEEDED, WarehouseBuildStatus.FAILED):
        return None
    build.status = WarehouseBuildStatus.RUNNING
    build.started_at = timezone.now()
    build.save(update_fields=["status", "started_at", "updated_at"])
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
    values: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "updated_at": timezone.now(), "error": error[:2000]}
    if version:
        values["version"] = version
        values["step"] = "done"
    WarehouseBuild.objects.filter(pk=build_id).update(**values)


def warehouse_build_latest() -> WarehouseBuild | None:
    return WarehouseBuild.objects.order_by("-created_at", "-id").first()

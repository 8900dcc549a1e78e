"""Background work of the sales app, registered with the scheduler (``core.jobs``)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.core.jobs.retry import retrying
from rapport.core.jobs.scheduler import PeriodicJob, schedule
from rapport.sales.assignment import leads_route_pending


@retrying(max_attempts=3)
@task()
def route_pending_leads() -> dict[str, int]:
    """Route the new leads no rule could place yet; safe to run twice (a routed lead is skipped)."""
    result = leads_route_pending(via="scheduler")
    return {"routed": result.routed, "unmatched": result.unmatched}


schedule.register(PeriodicJob(name="route-pending-leads", task=route_pending_leads, every=timedelta(minutes=10)))

"""Background work of the sales app, registered with the scheduler (``core.jobs``)."""

from __future__ import annotations

from datetime import time, timedelta

from django_tasks import task

from rapport.core.jobs.retry import retrying
from rapport.core.jobs.scheduler import PeriodicJob, schedule
from rapport.sales.assignment import leads_route_pending
from rapport.sales.contract_terms import contracts_roll_over
from rapport.sales.renewals import contract_send_renewal_reminders


@retrying(max_attempts=3)
@task()
def route_pending_leads() -> dict[str, int]:
    """Route the new leads no rule could place yet; safe to run twice (a routed lead is skipped)."""
    result = leads_route_pending(via="scheduler")
    return {"routed": result.routed, "unmatched": result.unmatched}


schedule.register(PeriodicJob(name="route-pending-leads", task=route_pending_leads, every=timedelta(minutes=10)))


@retrying(max_attempts=3)
@task()
def send_contract_renewal_reminders() -> int:
    """A to-do for the owner of each contract nearing its end; safe to run twice (one per contract term)."""
    return contract_send_renewal_reminders()


schedule.register(PeriodicJob(name="contract-renewal-reminders", task=send_contract_renewal_reminders, daily_at=time(6, 0)))


@retrying(max_attempts=3)
@task()
def roll_over_contracts() -> dict[str, int]:
    """End the contracts whose term has passed, or start the next term of those that renew automatically; safe to run twice."""
    result = contracts_roll_over()
    return {"renewed": result.renewed, "ended": result.ended}


# Before the renewal reminders of the day, so a renewed term's reminder is counted from its new end.
schedule.register(PeriodicJob(name="contract-terms", task=roll_over_contracts, daily_at=time(0, 30)))

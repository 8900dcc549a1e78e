"""Sales' reactions to lower apps' domain events: thin, idempotent, calling services."""

from __future__ import annotations

from rapport.common import events
from rapport.customers.events import CustomerRecordCreated
from rapport.customers.models import Lead
from rapport.sales.assignment import lead_route


@events.subscribe(CustomerRecordCreated)
def route_new_lead(event: CustomerRecordCreated) -> None:
    """Route every new lead on arrival, whichever door it came through (page, API, import)."""
    if event.record_type != "lead":
        return
    lead = Lead.objects.filter(pk=event.record_id).first()
    # Gone already, or routed by an earlier delivery of the same event.
    if lead is None or lead.routed_by:
        return
    lead_route(lead=lead, via=event.via)

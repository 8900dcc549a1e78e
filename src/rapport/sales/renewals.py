"""Renewal reminders: a to-do for the owner of each contract nearing its end, once per term.

Run daily by ``sales/tasks.py``. A contract reminds when its end is within
its ``reminder_days``; the to-do is due today (so it is on the owner's "My
day") and names the notice deadline. The completion key holds the contract
and the end date of its current term, so running the job twice, or every day
until the end, makes one to-do, and a renewed term (a new end date) makes the
next one.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.common.errors import RapportError
from rapport.core.jobs.idempotency import once
from rapport.customers.activities import activity_create
from rapport.sales.order_models import Contract, ContractStatus

logger = logging.getLogger(__name__)


def renewal_key(contract: Contract) -> str:
    return f"contract-renewal:{contract.pk}:{contract.end_date.isoformat()}"


def contracts_due_for_reminder(*, today: dt.date) -> list[Contract]:
    active = Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__gte=today, owner__is_active=True)
    furthest = active.aggregate(days=Max("reminder_days"))["days"]
    if furthest is None:
        return []
    window = active.filter(end_date__lte=today + dt.timedelta(days=furthest)).select_related("owner", "account").order_by("end_date", "id")
    return [c for c in window if (c.end_date - today).days <= c.reminder_days]


def contract_send_renewal_reminders(*, today: dt.date | None = None) -> int:
    """Put a renewal to-do on the list of each due contract's owner; returns how many were made (0 on a repeat)."""
    today = today or timezone.localdate()
    due_at = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    made = 0
    for contract in contracts_due_for_reminder(today=today):
        notice_by = contract.end_date - dt.timedelta(days=contract.notice_days)
        try:
            with once(renewal_key(contract)) as first:
                if not first:
                    continue
                activity_create(
                    actor=contract.owner,
                    kind="task",
                    subject=_("Renew contract %(number)s %(title)s (ends %(end)s)")
                    % {"number": contract.number or contract.pk, "title": contract.title, "end": contract.end_date.isoformat()},
                    details=_("Notice must be given by %(date)s. Renewal terms: %(terms)s")
                    % {"date": notice_by.isoformat(), "terms": contract.renewal_terms or "-"},
                    due_at=due_at,
                    priority="high" if notice_by <= today else "normal",
                    account_id=contract.account_id,
                    concerns=f"sales.contract:{contract.pk}",
                    via="job",
                )
                made += 1
        except RapportError as exc:  # the owner can no longer see the account...: tried again tomorrow
            logger.warning("No renewal reminder for contract %s: %s", contract.pk, exc.message)
    return made

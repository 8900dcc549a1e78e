"""Contracts end and renew by themselves: the daily roll-over of terms that have passed.

Run daily by ``sales/tasks.py`` (and once by the demo loader). A contract
whose end date has passed either starts its next term, when it renews
automatically and was not terminated, or ends. A renewed term lasts as long
as the one before (the rule of ``contract_renew``); a job that did not run
for a while catches up on every term that has passed since. Each contract is
locked and rechecked before it changes, so two runs, or a run beside an
owner's own renewal, change it once. The change is in the audit log (by the
system, via "job") and on the account's timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from rapport.common.concurrency import save_if_version
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction
from rapport.customers.services import timeline_note
from rapport.sales.contracts import AUDITED
from rapport.sales.order_models import Contract, ContractStatus

BATCH = 5000


@dataclass(frozen=True)
class RollOver:
    renewed: int
    ended: int


def _next_terms(contract: Contract, today: dt.date) -> tuple[dt.date, dt.date]:
    """The start and end of the term that holds ``today`` (or starts after it), each term as long as the last."""
    length = contract.end_date - contract.start_date
    start, end = contract.start_date, contract.end_date
    while end < today:
        start = end + dt.timedelta(days=1)
        end = start + length
    return start, end


def _on_timeline(contract: Contract, subject: str, body: str) -> None:
    timeline_note(account_id=contract.account_id, subject=subject, body=body, concerns=f"sales.contract:{contract.pk}")


def contract_roll_over(*, contract_id: int, today: dt.date) -> str | None:
    """Renew or end one contract whose term has passed; ``None`` when there is nothing (more) to do."""
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update()
            .filter(pk=contract_id, status=ContractStatus.ACTIVE, end_date__lt=today)
            .select_related("owner")
            .first()
        )
        if contract is None:
            return None
        before = {name: getattr(contract, name) for name in AUDITED}
        if contract.auto_renew:
            start, end = _next_terms(contract, today)
            save_if_version(contract, expected_version=contract.version, fields={"start_date": start, "end_date": end})
            outcome = "renewed"
        else:
            save_if_version(contract, expected_version=contract.version, fields={"status": ContractStatus.ENDED})
            outcome = "ended"
        # The note is stored as text: written in the owner's language, the one the account's team reads.
        with translation.override(contract.owner.language or None):
            if outcome == "renewed":
                subject = gettext("Contract %(title)s renewed automatically: %(start)s to %(end)s") % {
                    "title": contract.title,
                    "start": contract.start_date.isoformat(),
                    "end": contract.end_date.isoformat(),
                }
                body = gettext("Renewal terms: %(terms)s") % {"terms": contract.renewal_terms or "-"}
            else:
                subject = gettext("Contract %(title)s expired on %(date)s") % {
                    "title": contract.title,
                    "date": contract.end_date.isoformat(),
                }
                body = gettext("It does not renew automatically; renew it from the contract page to continue.")
        after = {name: getattr(contract, name) for name in AUDITED}
        audit_record(actor=None, action=AuditAction.UPDATE, record=contract, changes=diff(before, after), via="job")
        _on_timeline(contract, subject, body)
    return outcome


def contracts_roll_over(*, today: dt.date | None = None) -> RollOver:
    """Every active contract whose end date has passed: renewed when it renews automatically, otherwise ended."""
    today = today or timezone.localdate()
    due = Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=today).order_by("end_date", "id")
    outcomes = [contract_roll_over(contract_id=pk, today=today) for pk in due.values_list("pk", flat=True)[:BATCH]]
    return RollOver(renewed=outcomes.count("renewed"), ended=outcomes.count("ended"))

"""Reviewing an anomaly flag: legitimate, fraud or needs follow-up, with a note; one service behind the page and the API.

The review is in the audit log (who, when, from what to what), not on the customer's timeline: the
timeline is read by everyone who looks after the customer, reps included, and a suspicion of fraud
must not reach them (see ``anomaly_queue``). Two reviewers sending the same version: one wins, the
other gets ``StaleVersion`` and nothing of theirs is written.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.analytics.anomaly_queue import can_review_anomalies
from rapport.analytics.models import AnomalyFlag, AnomalyStatus
from rapport.common.concurrency import save_if_version
from rapport.common.errors import PermissionDenied
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.validation import Errors, clean_text

OUTCOMES = [AnomalyStatus.LEGITIMATE, AnomalyStatus.FRAUD, AnomalyStatus.FOLLOW_UP]
NOTE_MAX = 2000
AUDITED = ("status", "note", "reviewed_by_id")


def _snapshot(flag: AnomalyFlag) -> dict[str, Any]:
    return {name: getattr(flag, name) for name in AUDITED}


def anomaly_flag_review(
    *, actor: User, flag: AnomalyFlag, outcome: Any, note: Any = "", expected_version: int | None, via: str = "web"
) -> AnomalyFlag:
    """Record a reviewer's outcome and note on a flag the actor reads (look it up with ``anomaly_flag_get_for_user``).

    Administrators and sales managers review; analysts read only (403). A flag may be reviewed again
    (a follow-up settled as fraud, say); each change is audited.
    """
    if not can_review_anomalies(actor):
        raise PermissionDenied("Analysts read the fraud-review queue; administrators and sales managers review it.")
    errors = Errors()
    if outcome not in OUTCOMES:
        errors.add("outcome", f"Choose one of: {', '.join(str(o) for o in OUTCOMES)}.")
    text = clean_text(note, field="note", max_length=NOTE_MAX, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        before = _snapshot(flag)
        fields = {"status": str(outcome), "note": text, "reviewed_by_id": actor.pk, "reviewed_at": timezone.now()}
        save_if_version(flag, expected_version=expected_version, fields=fields)
        flag.reviewed_by = actor
        audit_record(actor=actor, action=AuditAction.UPDATE, record=flag, changes=diff(before, _snapshot(flag)), via=via)
    return flag

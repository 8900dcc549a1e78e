"""Closing the loop: valuable customers at high churn risk become care calls for the call centre.

The segment is every account whose profile has a high churn band and is in the top fifth by value
(the VIPs and the next tenth). Each becomes one call, handed round robin to the active service
agents, at most once per account per campaign window (a calendar month): pressing the button twice,
or the nightly refresh after it, adds nothing. The calls are ordinary activities, created through
the customers' activity service; completing one (with its outcome logged on the timeline) feeds the
next churn run.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import cycle

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.analytics.models import CareTask, ChurnModelRun
from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core.models import Role, User
from rapport.customers.activities import activity_create
from rapport.customers.models import ActivityKind, ActivityPriority, ChurnBand, CustomerProfile

MIN_VALUE_DECILE = 9
DUE_AFTER = timedelta(days=2)


def campaign_window(day: date) -> date:
    """The first day of the calendar month: one care call per customer per month."""
    return day.replace(day=1)


def may_plan_care(user: User) -> bool:
    return user.is_administrator or user.role == Role.SALES_MANAGER


def care_segment(*, day: date | None = None) -> QuerySet[CustomerProfile]:
    """Profiles in the segment that have no care task in the current window, riskiest first."""
    window = campaign_window(day or timezone.localdate())
    planned = CareTask.objects.filter(window_start=window).values("account_id")
    return (
        CustomerProfile.objects.filter(churn_band=ChurnBand.HIGH)
        .filter(Q(is_vip=True) | Q(value_decile__gte=MIN_VALUE_DECILE))
        .exclude(account_id__in=planned)
        .order_by("-churn_risk", "account_id")
    )


def _agents() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.SERVICE_AGENT).order_by("id"))


def _rotation(agents: list[User]) -> list[User]:
    """The agents starting after the one given the latest care task, so turns carry across runs."""
    last = CareTask.objects.order_by("-created_at", "-id").values_list("assigned_to_id", flat=True).first()
    ids = [a.pk for a in agents]
    start = ids.index(last) + 1 if last in ids else 0
    return agents[start:] + agents[:start]


def care_tasks_create(*, actor: User | None, run: ChurnModelRun | None = None, day: date | None = None) -> int:
    """Create the window's missing care calls; returns how many were created.

    ``actor`` None is the scheduled refresh. Each call is created by the agent it is given to (as the
    lead routing does), so the agent's own visibility rules apply to the customer.
    """
    if actor is not None and not may_plan_care(actor):
        raise PermissionDenied("Only administrators and sales managers plan care calls.")
    day = day or timezone.localdate()
    profiles = list(care_segment(day=day).select_related("account"))
    if not profiles:
        return 0
    agents = _agents()
    if not agents:
        raise ValidationFailed("There is no active service agent to give the care calls to.")
    window = campaign_window(day)
    created = 0
    turns = cycle(_rotation(agents))
    due_at = timezone.now() + DUE_AFTER
    for profile in profiles:
        agent = next(turns)
        try:
            with transaction.atomic():
                task = CareTask.objects.create(
                    account_id=profile.account_id, window_start=window, assigned_to=agent, churn_risk=profile.churn_risk or 0.0, run=run
                )
                activity = activity_create(
                    actor=agent,
                    kind=ActivityKind.CALL,
                    subject=_("Care call: %(account)s") % {"account": profile.account.name},
                    details=_(
                        "A valuable customer at high churn risk (%(risk)d%%). Call to ask how things are going; "
                        "log the outcome when you complete this call."
                    )
                    % {"risk": round((profile.churn_risk or 0.0) * 100)},
                    due_at=due_at,
                    priority=ActivityPriority.HIGH,
                    account_id=profile.account_id,
                    concerns=f"analytics.caretask:{task.pk}",
                    via="analytics",
                )
                task.activity = activity
                task.save(update_fields=["activity", "updated_at"])
        except IntegrityError:
            continue  # another run planned this account in this window meanwhile
        created += 1
    return created

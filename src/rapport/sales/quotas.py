"""Quotas: managers set what each of their reps should win in a month or quarter.

The write (``quota_set``) and the read (``quota_list_for_user``) live together
because they are small and share the rule of who may see whose quota.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from rapport.common.errors import NotFound, PermissionDenied
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, Role, User
from rapport.customers.validation import Errors, clean_date
from rapport.sales.models import Quota
from rapport.sales.services import clean_amount, clean_currency


def may_set_quota(actor: User, rep: User) -> bool:
    """Administrators set anyone's quota; a sales manager those of the people who report to them."""
    if actor.is_administrator:
        return True
    return actor.role == Role.SALES_MANAGER and rep.pk in policies.subordinate_ids(actor.pk)


def quota_list_for_user(*, user: User) -> QuerySet[Quota]:
    """Quotas of the people whose deals the user sees (their own, their reports', or everyone's)."""
    ids = policies.visible_user_ids(user)
    qs = Quota.objects.select_related("user")
    return qs.order_by("period_start", "user__username", "id") if ids is None else qs.filter(user_id__in=list(ids))


def quota_figures_for_user(*, user: User) -> QuerySet[Quota]:
    """Quotas that count in the user's dashboards (``policies.figures_user_ids``)."""
    ids = policies.figures_user_ids(user)
    qs = Quota.objects.select_related("user")
    return qs if ids is None else qs.filter(user_id__in=list(ids))


def quota_set(*, actor: User, user_id: int, period_start: Any, period_end: Any, amount: Any, currency: str, via: str = "web") -> Quota:
    """Set (or replace) a rep's quota for a period."""
    rep = User.objects.filter(pk=user_id, is_active=True).first()
    if rep is None or (policies.visible_user_ids(actor) is not None and rep.pk not in set(policies.visible_user_ids(actor) or ())):
        raise NotFound("No such user.")
    if not may_set_quota(actor, rep):
        raise PermissionDenied("Quotas are set by the rep's manager or an administrator.")
    errors = Errors()
    start = clean_date(period_start, field="period_start", errors=errors)
    end = clean_date(period_end, field="period_end", errors=errors)
    for name, day in (("period_start", start), ("period_end", end)):
        if day is None and name not in errors.fields:
            errors.add(name, "A date is required (YYYY-MM-DD).")
    if start and end and end < start:
        errors.add("period_end", "The period ends before it starts.")
    if start and end and (end - start) > dt.timedelta(days=366):
        errors.add("period_end", "A quota covers at most a year.")
    code = clean_currency(currency, errors=errors)
    value = clean_amount(amount, field="amount", errors=errors, currency=code)
    errors.raise_if_any()
    assert start is not None and end is not None and value is not None  # raise_if_any refused them missing
    with transaction.atomic():
        quota = Quota.objects.select_for_update().filter(user=rep, period_start=start, period_end=end).first()
        before = {} if quota is None else {"amount": quota.amount, "currency": quota.currency}
        if quota is None:
            quota = Quota(user=rep, period_start=start, period_end=end)
        quota.amount, quota.currency, quota.set_by = value, code, actor
        quota.save()
        action = AuditAction.UPDATE if before else AuditAction.CREATE
        audit_record(actor=actor, action=action, record=quota, changes=diff(before, {"amount": value, "currency": code}), via=via)
    return quota

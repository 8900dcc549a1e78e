"""Customer profiles: scores and tiers that higher layers (analytics, loyalty) push down onto accounts.

Higher layers may not import each other's models, and customers may not import theirs; this service is
the one door through which results flow back into the operational side, where segments, rules and the
screen pop read them. Scores are derived data, rewritten wholesale by each scoring run: the run's
``scored_at`` and ``via`` are recorded on every row instead of one audit entry per account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rapport.common.errors import ValidationFailed
from rapport.core import policies
from rapport.core.models import User
from rapport.customers.models import Account, ChurnBand, CustomerProfile

BATCH_ROWS = 2_000
CREDIT_FIELDS = (
    "credit_scored_on",
    "credit_score",
    "credit_grade",
    "credit_since",
    "invoices_due",
    "days_to_pay_median",
    "days_to_pay_p90",
    "payment_delay_avg",
    "payment_delay_max",
    "late_share",
    "outstanding_base",
    "overdue_base",
)
WRITABLE = {
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "monetary_value",
    "clv",
    "churn_risk",
    "churn_band",
    "value_decile",
    "is_vip",
    "segment_cluster",
    "segment_cluster_name",
    *CREDIT_FIELDS,
}
_CLEARED: dict[str, Any] = dict.fromkeys(WRITABLE) | {
    "rfm_segment": "",
    "churn_band": "",
    "is_vip": False,
    "segment_cluster_name": "",
    "credit_grade": "",
}


def customer_profiles_write(*, rows: Iterable[Mapping[str, Any]], scored_at: datetime, via: str, replace: bool = False) -> int:
    """Upsert profile fields for many accounts in batches; returns the rows written.

    Every row has ``account_id`` and the same writable fields; other profile fields keep their values.
    Rows for accounts deleted since they were scored are skipped. With ``replace``, profiles this run
    did not write have those same fields cleared, so an account that dropped out loses its old tier.
    """
    if timezone.is_naive(scored_at):
        raise ValidationFailed.for_field("scored_at", "Give a time zone.")
    fields: frozenset[str] | None = None
    written = 0
    batch: list[Mapping[str, Any]] = []
    for row in rows:
        keys = frozenset(row) - {"account_id"}
        if fields is None:
            unknown = keys - WRITABLE
            if unknown or "account_id" not in row:
                raise ValidationFailed(
                    f"Profile rows need account_id and only these fields: {', '.join(sorted(WRITABLE))}; got {sorted(row)}."
                )
            fields = keys
        elif keys != fields:
            raise ValidationFailed(f"Every profile row must carry the same fields ({sorted(fields)}); got {sorted(keys)}.")
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            written += _write(batch, fields, scored_at)
            batch = []
    if batch and fields is not None:
        written += _write(batch, fields, scored_at)
    if replace and fields is not None:
        with transaction.atomic():
            CustomerProfile.objects.exclude(scored_at=scored_at).update(
                **{f: _CLEARED[f] for f in fields}, scored_at=scored_at, updated_at=timezone.now()
            )
    return written


def _write(batch: list[Mapping[str, Any]], fields: frozenset[str], scored_at: datetime) -> int:
    ids = [int(row["account_id"]) for row in batch]
    existing = set(Account.objects.filter(pk__in=ids).values_list("pk", flat=True))
    now = timezone.now()
    profiles = [
        CustomerProfile(
            account_id=int(row["account_id"]), scored_at=scored_at, created_at=now, updated_at=now, **{f: row[f] for f in fields}
        )
        for row in batch
        if int(row["account_id"]) in existing
    ]
    with transaction.atomic():
        CustomerProfile.objects.bulk_create(
            profiles,
            update_conflicts=True,
            unique_fields=["account"],
            update_fields=sorted(fields | {"scored_at", "updated_at"}),
        )
    return len(profiles)


def customer_profile_for_account(*, account_id: int) -> CustomerProfile | None:
    """The account's profile (the caller has already checked the account is visible), or None."""
    return CustomerProfile.objects.filter(account_id=account_id).first()


def customer_profile_values(*, field: str, limit: int | None = None) -> list[tuple[int, Any]]:
    """(account id, value) of one score for every profile that has it, for aggregates over the whole base."""
    if field not in WRITABLE:
        raise ValidationFailed.for_field("field", f"Not a profile score: {field}.")
    rows = CustomerProfile.objects.exclude(**{f"{field}__isnull": True}).order_by("account_id").values_list("account_id", field)
    return list(rows[:limit] if limit else rows)


def customer_profile_list_for_user(*, user: User) -> QuerySet[CustomerProfile]:
    """The profiles of the accounts ``user`` may see, with the account and its owner (per-customer score lists)."""
    return policies.restrict(CustomerProfile.objects.all(), user, prefix="account__").select_related("account", "account__owner")


def customer_profile_figures(*, user: User, clv_bounds: tuple[int, ...]) -> dict[str, Any]:
    """Counts over the profiles whose figures ``user`` adds up (``policies.figures_q``), in two queries:
    scored, VIP, banded by churn risk, per churn band, per CLV band (``clv_bounds`` are upper bounds; a
    last band holds the rest) and per RFM segment."""
    profiles = policies.restrict_figures(CustomerProfile.objects.order_by(), user, prefix="account__")
    clv_bands: dict[str, Any] = {}
    low: int | None = None
    for index, high in enumerate((*clv_bounds, None)):
        condition = Q(clv__isnull=False)
        if low is not None:
            condition &= Q(clv__gte=low)
        if high is not None:
            condition &= Q(clv__lt=high)
        clv_bands[f"clv_{index}"] = Count("id", filter=condition)
        low = high
    totals = profiles.aggregate(
        scored=Count("id", filter=~Q(rfm_segment="")),
        vip=Count("id", filter=Q(is_vip=True)),
        banded=Count("id", filter=~Q(churn_band="")),
        **{f"band_{band.value}": Count("id", filter=Q(churn_band=band.value)) for band in ChurnBand},
        **clv_bands,
    )
    segments = dict(profiles.exclude(rfm_segment="").values_list("rfm_segment").annotate(n=Count("id")))
    return {
        "scored": totals["scored"],
        "vip": totals["vip"],
        "banded": totals["banded"],
        "bands": {band.value: totals[f"band_{band.value}"] for band in ChurnBand},
        "clv": [totals[f"clv_{index}"] for index in range(len(clv_bounds) + 1)],
        "segments": segments,
    }

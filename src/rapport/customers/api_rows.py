"""What the API returns of an account, contact or lead: its columns, tags, emails and phones, and scores.

Built from plain rows in three queries for any number of records (contact points, tags, profiles), as
dictionaries in the shape of ``schemas.AccountOut``, ``ContactOut`` and ``LeadOut``. Reading the same through
``prefetch_related`` built a model instance for every tag link, tag and contact point and a Ninja getter for
every field: two thirds of the API list's time (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ninja import Schema

from rapport.customers.models import Account, Contact, ContactPoint, CustomerProfile, Lead
from rapport.customers.schemas import AccountOut, ContactOut, LeadOut, ProfileOut

_SCHEMAS: dict[type, type[Schema]] = {Account: AccountOut, Contact: ContactOut, Lead: LeadOut}
# The scores a record carries: an account its own profile, a contact its account's; a lead none.
_SCORES: dict[type, tuple[str, str]] = {Account: ("profile", "pk"), Contact: ("account_profile", "account_id")}
# Fields not read off the record's own row.
_GATHERED = {"tags", "emails", "phones", "profile", "account_profile"}
_COLUMNS: dict[type, tuple[str, ...]] = {
    model: tuple(name for name in schema.model_fields if name not in _GATHERED) for model, schema in _SCHEMAS.items()
}
# A profile field and the column it comes from, where the API names it otherwise; a blank text is null.
_PROFILE_SOURCES = {"churn_probability": "churn_risk", "cluster": "segment_cluster", "cluster_profile": "segment_cluster_name"}
_PROFILE_BLANK_IS_NULL = {"rfm_segment", "churn_band", "cluster_profile"}
_PROFILE_FIELDS = tuple(ProfileOut.model_fields)
_POINT_FIELDS = ("value", "normalised", "label", "is_primary")


def api_rows(records: Sequence[Any]) -> list[dict[str, Any]]:
    """``records`` (one model, their own columns loaded) as the API returns them, in the same order."""
    if not records:
        return []
    model = type(records[0])
    owner_column = f"{model._meta.model_name}_id"
    ids = [record.pk for record in records]
    points: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {"email": [], "phone": []})
    for row in (
        ContactPoint.objects.filter(**{f"{owner_column}__in": ids})
        .order_by("-is_primary", "id")
        .values(owner_column, "kind", *_POINT_FIELDS)
    ):
        owner, kind = row.pop(owner_column), row.pop("kind")
        points[owner][kind].append(row)
    tags: dict[int, list[str]] = defaultdict(list)
    through: Any = model._meta.get_field("tags").remote_field.through
    for owner, name in through.objects.filter(**{f"{owner_column}__in": ids}).order_by("tag__name").values_list(owner_column, "tag__name"):
        tags[owner].append(name)
    scores = _SCORES.get(model)  # (field, the attribute holding the account id)
    scored = _profiles([getattr(r, scores[1]) for r in records]) if scores else {}
    rows = []
    for record in records:
        row = {name: getattr(record, name) for name in _COLUMNS[model]}
        row["tags"] = tags.get(record.pk, [])
        found = points.get(record.pk)
        row["emails"], row["phones"] = (found["email"], found["phone"]) if found else ([], [])
        if scores:
            row[scores[0]] = scored.get(getattr(record, scores[1]))
        rows.append(row)
    return rows


def _profiles(account_ids: list[int | None]) -> dict[int, dict[str, Any]]:
    """The scores of these accounts, by account id; an account never scored has none (nor a contact without one)."""
    known = {i for i in account_ids if i}
    if not known:
        return {}
    columns = {field: _PROFILE_SOURCES.get(field, field) for field in _PROFILE_FIELDS}
    profiles = {}
    for row in CustomerProfile.objects.filter(account_id__in=known).values("account_id", *set(columns.values())):
        profile = {field: row[column] for field, column in columns.items()}
        for field in _PROFILE_BLANK_IS_NULL:
            profile[field] = profile[field] or None
        profiles[row["account_id"]] = profile
    return profiles

"""What the customers app announces (delivered after commit)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerRecordCreated:
    record_type: str  # "account", "contact" or "lead"
    record_id: int
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class CustomerRecordUpdated:
    record_type: str
    record_id: int
    actor_id: int | None
    changed_fields: tuple[str, ...]
    via: str


@dataclass(frozen=True)
class CustomerRecordDeleted:
    record_type: str
    record_id: int
    actor_id: int | None
    via: str


@dataclass(frozen=True)
class InteractionLogged:
    interaction_id: int
    channel: str
    account_id: int | None
    contact_id: int | None
    lead_id: int | None


@dataclass(frozen=True)
class ActivityCreated:
    activity_id: int
    kind: str
    owner_id: int
    actor_id: int | None
    concerns: str
    via: str


@dataclass(frozen=True)
class ActivityUpdated:
    activity_id: int
    actor_id: int | None
    changed_fields: tuple[str, ...]
    via: str


@dataclass(frozen=True)
class ActivityCompleted:
    activity_id: int
    kind: str
    owner_id: int
    actor_id: int | None
    concerns: str
    interaction_id: int | None  # the timeline entry logged on completion, if any


@dataclass(frozen=True)
class ActivityCancelled:
    activity_id: int
    actor_id: int | None


@dataclass(frozen=True)
class ActivityDeleted:
    activity_id: int
    actor_id: int | None
    via: str

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

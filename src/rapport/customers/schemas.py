"""API shapes for accounts, contacts, leads and interactions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from ninja import Schema
from pydantic import ConfigDict, Field

from rapport.common.ninja import OptionalId


class ContactPointIn(Schema):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(max_length=254)
    label: str = Field("", max_length=20)
    is_primary: bool = False


class ContactPointOut(Schema):
    value: str
    normalised: str = Field(description="E.164 for phones, the normalised address for emails")
    label: str
    is_primary: bool


class _RecordIn(Schema):
    """Fields shared by account, contact and lead input; every field optional so PATCH sends only changes."""

    model_config = ConfigDict(extra="forbid")
    owner_id: OptionalId = None
    team_id: OptionalId = None
    shared_with_team: bool | None = None
    industry: str | None = Field(None, max_length=80)
    region: str | None = Field(None, max_length=80)
    country: str | None = Field(None, max_length=2)
    address_line: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=120)
    postal_code: str | None = Field(None, max_length=20)
    notes: str | None = Field(None, max_length=20000)
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None
    emails: list[ContactPointIn] | None = Field(None, max_length=20)
    phones: list[ContactPointIn] | None = Field(None, max_length=20)
    version: int | None = Field(None, description="For PATCH: the version you read; a stale one gets 409")


class _RecordOut(Schema):
    """Built by ``customers.api_rows`` from plain rows, never from a model instance."""

    id: int
    version: int
    owner_id: int
    team_id: int | None
    shared_with_team: bool
    industry: str
    region: str
    country: str
    address_line: str
    city: str
    postal_code: str
    notes: str
    tags: list[str]
    custom: dict[str, Any]
    emails: list[ContactPointOut]
    phones: list[ContactPointOut]
    created_at: datetime
    updated_at: datetime


class AccountIn(_RecordIn):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    parent_id: OptionalId = None
    website: str | None = Field(None, max_length=200)
    employees: int | None = Field(None, ge=0)


class ProfileOut(Schema):
    """What analytics last wrote about the customer; read-only (the scoring runs own it)."""

    rfm_segment: str | None = Field(description="RFM segment key (champions, loyal, at_risk...); null before scoring")
    rfm_recency: int | None = Field(description="Recency score, 1 to 5 (5 the most recent)")
    rfm_frequency: int | None = Field(description="Frequency score, 1 to 5")
    rfm_monetary: int | None = Field(description="Monetary score, 1 to 5")
    monetary_value: Decimal | None = Field(description="Purchases to date, in the base currency")
    clv: Decimal | None = Field(description="Predicted customer lifetime value, in the base currency")
    churn_probability: float | None = Field(description="Calibrated probability of churning, 0 to 1")
    churn_band: str | None = Field(description="high, medium or low")
    value_decile: int | None = Field(description="Tenth of the base by value; 10 is the top tenth")
    is_vip: bool = Field(description="In the top 10% by value: VIP treatment")
    cluster: int | None = Field(description="Cluster number from the last segmentation (1 = most valuable)")
    cluster_profile: str | None = Field(description="The cluster's profile key, e.g. recent-frequent-big")
    scored_at: datetime | None


class AccountOut(_RecordOut):
    name: str
    kind: str
    parent_id: int | None
    website: str
    employees: int | None
    profile: ProfileOut | None = Field(description="Analytics' scores for this customer; null until the first scoring")


class _PersonIn(_RecordIn):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    full_name: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=120)
    language: str | None = Field(None, max_length=10)
    consent_email: bool | None = None
    consent_phone: bool | None = None
    consent_letter: bool | None = None


class _PersonOut(_RecordOut):
    first_name: str
    last_name: str
    full_name: str
    title: str
    language: str
    consent_email: bool
    consent_phone: bool
    consent_letter: bool


class ContactIn(_PersonIn):
    account_id: OptionalId = None
    department: str | None = Field(None, max_length=120)
    birthday: date | None = None


class ContactOut(_PersonOut):
    account_id: int | None
    department: str
    birthday: date | None
    account_profile: ProfileOut | None = Field(description="The scores of the contact's account (a contact has none of its own)")


class LeadIn(_PersonIn):
    company: str | None = Field(None, max_length=200)
    source: str | None = Field(None, max_length=80)
    status: str | None = None
    company_size: int | None = Field(None, ge=0)


class LeadOut(_PersonOut):
    company: str
    source: str
    status: str
    company_size: int | None


class InteractionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(description="phone, email, web, portal, face_to_face, letter, fax, chat")
    direction: str = "inbound"
    subject: str = Field(max_length=255)
    body: str = Field("", max_length=100_000)
    occurred_at: datetime | None = None
    account_id: OptionalId = None
    contact_id: OptionalId = None
    lead_id: OptionalId = None
    concerns: str = Field("", max_length=80)


class InteractionPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(None, max_length=255)
    body: str | None = Field(None, max_length=100_000)
    version: int | None = None


class InteractionAttachmentOut(Schema):
    id: int
    filename: str = Field(description="The file's name as sent, without any path or control characters")
    size: int = Field(description="Bytes")
    content_type: str = Field(description="Judged by the file's content; empty when refused")
    kept: bool
    refused: str = Field(description="Why the file was not kept (its type, its size...); empty when kept")
    download_url: str | None = Field(description="Where a kept file is downloaded (always as an attachment); null when refused")

    @staticmethod
    def resolve_download_url(obj: Any) -> str | None:
        return reverse("api:interaction_attachment_download", kwargs={"attachment_id": obj.pk}) if obj.kept else None


class InteractionOut(Schema):
    id: int
    version: int
    channel: str
    direction: str
    subject: str
    body: str
    occurred_at: datetime
    user_id: int | None
    account_id: int | None
    contact_id: int | None
    lead_id: int | None
    concerns: str
    created_at: datetime
    message_id: str = Field(description="An email's Message-ID (without angle brackets), sent or received; empty for other channels")
    in_reply_to_id: int | None = Field(description="The interaction whose email this one answers (its In-Reply-To or References)")
    attachments: list[InteractionAttachmentOut] = Field(description="Files that came with it (an email's attachments)")

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class SearchOut(Schema):
    accounts: list[AccountOut]
    contacts: list[ContactOut]
    leads: list[LeadOut]


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(description="email, phone or letter")
    granted: bool
    method: str = Field(max_length=120, description="How consent was given or withdrawn: web form, signed paper, phone call...")


class ConsentOut(Schema):
    id: int
    channel: str
    granted: bool
    at: datetime
    method: str
    recorded_by_id: int | None


class CustomFieldIn(Schema):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(description="account, contact or lead")
    key: str = Field(max_length=50)
    label: str = Field(max_length=100)
    field_type: str = Field("text", description="text, number, date or choice")
    choices: list[str] = Field(default_factory=list, max_length=200)
    required: bool = False


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    field_type: str
    choices: list[str]
    required: bool
    position: int


class ActivityIn(Schema):
    """Create or change an activity; on PATCH send only the fields that change."""

    model_config = ConfigDict(extra="forbid")
    kind: str | None = Field(None, description="task, call or meeting")
    subject: str | None = Field(None, max_length=255)
    details: str | None = Field(None, max_length=20000)
    priority: str | None = Field(None, description="low, normal or high")
    due_at: datetime | None = Field(None, description="With a time zone; a meeting's start")
    ends_at: datetime | None = Field(None, description="A meeting's end")
    location: str | None = Field(None, max_length=255)
    reminder_at: datetime | None = Field(None, description="When the owner and attendees are reminded (email and browser)")
    owner_id: OptionalId = Field(None, description="Hand the work to another user (who must see the customer)")
    attendee_ids: list[int] | None = Field(None, max_length=50)
    shared_with_team: bool | None = None
    account_id: OptionalId = None
    contact_id: OptionalId = None
    lead_id: OptionalId = None
    concerns: str | None = Field(None, max_length=80, description='Another record it is about, as "app.model:id"')
    version: int | None = Field(None, description="For PATCH: the version you read; a stale one gets 409")


class ActivityOut(Schema):
    id: int
    version: int
    kind: str
    subject: str
    details: str
    status: str
    priority: str
    due_at: datetime
    ends_at: datetime | None
    location: str
    reminder_at: datetime | None
    reminded_at: datetime | None
    owner_id: int
    team_id: int | None
    shared_with_team: bool
    created_by_id: int | None
    attendee_ids: list[int]
    account_id: int | None
    contact_id: int | None
    lead_id: int | None
    concerns: str
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_attendee_ids(obj: Any) -> list[int]:
        return [u.pk for u in obj.attendees.all()]


class ActivityCompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field("", max_length=20000, description="What came of it")
    log_interaction: bool = Field(False, description="Also put a call or meeting on the customer's timeline")
    version: int | None = None


class ActivityStatusIn(Schema):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None


class CalendarFeedOut(Schema):
    url: str = Field(description="The private feed address; shown once. Issuing a new one stops the old one.")

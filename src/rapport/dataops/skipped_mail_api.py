"""Skipped inbound mail over REST, for administrators: the list, and filing a message skipped wrongly.

The same selector and service as the pages (``dataops.skipped_mail``); a POST
with an ``Idempotency-Key`` is replayed by the API's middleware like every other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.ninja import Id, OptionalId
from rapport.common.pagination import MAX_PAGE_SIZE, keyset_page
from rapport.core.selectors import actor_of
from rapport.dataops.skipped_mail import skipped_mail_file, skipped_mail_list_for_user

router = Router(tags=["inbound mail"])

WHO = "Administrators only: other roles get 403 on the list and 404 on a message."


class SkippedMailOut(Schema):
    id: int
    message_id: str
    sender: str = Field(description="The From address; empty when the message had none that was valid")
    subject: str
    received_at: datetime
    received_via: str = Field(description="file, smtp or api")
    skip_reason: str = Field(description="auto_reply, mailing_list, bounce, machine, no_sender, too_large or unparseable")
    reason: str = Field(description="Why it was skipped, in words")


class SkippedMailPage(Schema):
    items: list[SkippedMailOut]
    next_cursor: str | None


class SkippedMailFilters(Schema):
    reason: str = Field("", max_length=20, description="Only messages skipped for this reason (a skip_reason code)")
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, max_length=200)


class SkippedMailFileIn(Schema):
    model_config = ConfigDict(extra="forbid")
    contact_id: OptionalId = Field(None, description="File it on this contact's timeline")
    lead_id: OptionalId = Field(None, description="...or on this lead's")
    account_id: OptionalId = Field(None, description="...or on this account's")


class SkippedMailFiledOut(Schema):
    id: int = Field(description="The message (the skipped-mail id)")
    outcome: str = Field(description="filed")
    interaction_id: int = Field(description="The inbound email now on the record's timeline")
    contact_id: int | None
    lead_id: int | None
    account_id: int | None


@router.get(
    "/mail/skipped",
    response=SkippedMailPage,
    summary="Inbound mail that was not filed (administrators)",
    operation_id="list_skipped_mail",
    description=f"Newest first, keyset-paginated; 422 naming `reason` for an unknown reason. {WHO}",
)
def list_skipped_mail(request: HttpRequest, filters: Query[SkippedMailFilters]) -> dict[str, object]:
    rows = skipped_mail_list_for_user(user=actor_of(request), reason=filters.reason)
    page = keyset_page(rows, sort="-received_at", cursor=filters.cursor, limit=filters.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/mail/skipped/{mail_id}/file",
    response={201: SkippedMailFiledOut},
    summary="File a skipped message on a contact's, lead's or account's timeline (administrators)",
    operation_id="file_skipped_mail",
    description="Exactly one of `contact_id`, `lead_id`, `account_id`: none, several or an unknown one is a 422 naming the field. "
    "It goes on the timeline as an inbound email, as if it had been filed on arrival, and the kept message is dropped. "
    f"409 when it has been filed already or could not be read; 404 for an unknown message. {WHO}",
)
def file_skipped_mail(request: HttpRequest, mail_id: Id, payload: SkippedMailFileIn) -> Status[Any]:  # type: ignore[type-arg]
    interaction = skipped_mail_file(actor=actor_of(request), mail_id=mail_id, **payload.model_dump(), via="api")
    return Status(
        201,
        {
            "id": mail_id,
            "outcome": "filed",
            "interaction_id": interaction.pk,
            "contact_id": interaction.contact_id,
            "lead_id": interaction.lead_id,
            "account_id": interaction.account_id,
        },
    )

"""Lead imports over REST (upload a file, a dry run or the real thing, then poll its status) and inbound mail.

An import is seen only by the person who uploaded it (and administrators);
anyone else gets 404. The uploaded file is never served back.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from rapport.common.errors import ValidationFailed
from rapport.common.mail_parse import MAX_HEADER_BYTES, max_mail_bytes
from rapport.common.ninja import Id
from rapport.core.selectors import actor_of
from rapport.customers.lead_files import MAX_BYTES
from rapport.dataops import lead_import
from rapport.dataops.inbound_mail import inbound_mail_file, inbound_mail_too_large
from rapport.dataops.models import LeadImport

router = Router(tags=["lead imports"])


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class RuleCountOut(Schema):
    rule: str = Field(description="The assignment rule that would fire; empty when none matches")
    leads: int


class SampleRowOut(Schema):
    row: int
    name: str
    company: str
    phone: str
    email: str
    region: str
    industry: str
    outcome: Literal["created", "duplicate", "error"]
    rule: str


class PreviewOut(Schema):
    would_create: int = 0
    duplicates: int = 0
    errors: int = 0
    by_rule: list[RuleCountOut] = []
    row_errors: list[RowErrorOut] = []
    sample: list[SampleRowOut] = []


class OwnerCountOut(Schema):
    owner_id: int | None
    name: str
    leads: int


class LeadImportOut(Schema):
    id: int
    filename: str
    format: str
    source: str
    campaign_id: int | None = Field(description="The campaign whose responses the leads become (cards left at the exhibition)")
    status: Literal["previewed", "queued", "running", "done", "failed"]
    total_rows: int
    processed_rows: int
    percent: int
    created: int
    duplicates: int
    errors: int
    preview: PreviewOut
    row_errors: list[RowErrorOut] = Field(description="Rows the import itself refused (the first 500)")
    notes: list[str]
    owners: list[OwnerCountOut] = Field(description="Who received the new leads, once the import has run")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _out(found: LeadImport) -> dict[str, Any]:
    return {
        "id": found.pk,
        "filename": found.filename,
        "format": found.file_format,
        "source": found.source,
        "campaign_id": found.campaign_id,
        "status": found.status,
        "total_rows": found.total_rows,
        "processed_rows": found.processed_rows,
        "percent": found.percent,
        "created": found.created_count,
        "duplicates": found.duplicate_count,
        "errors": found.error_count,
        "preview": found.preview or {},
        "row_errors": found.row_errors,
        "notes": found.notes,
        "owners": lead_import.lead_import_owners(lead_import=found) if found.processed_rows else [],
        "created_at": found.created_at,
        "started_at": found.started_at,
        "finished_at": found.finished_at,
    }


@router.post(
    "/leads/imports",
    response={201: LeadImportOut},
    summary="Import leads from a CSV or vCard file",
    operation_id="create_lead_import",
    description=(
        "Multipart upload. With dry_run=true the file is only checked: the answer's preview gives the rows that "
        "would be created, skipped as duplicates (same email or phone as an existing lead or contact) or refused, "
        "each error naming its row and column; confirm it with POST /leads/imports/{id}/confirm. Without dry_run "
        f"the import is queued at once. At most {MAX_BYTES // (1024 * 1024)} MB."
    ),
)
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],  # type: ignore[type-arg]
    format: Form[Literal["auto", "csv", "vcard"]] = "auto",  # type: ignore[type-arg]
    source: Form[str] = "",  # type: ignore[type-arg]
    campaign_id: Form[str] = "",  # type: ignore[type-arg]
    dry_run: Form[bool] = False,  # type: ignore[type-arg]
) -> Status[Any]:
    user = actor_of(request)
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationFailed.for_field("file", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    content = file.read(MAX_BYTES + 1)
    found = lead_import.lead_import_preview(
        actor=user, filename=file.name or "", content=content, file_format=format, source=source, campaign_id=campaign_id, via="api"
    )
    if not dry_run:
        found = lead_import.lead_import_confirm(actor=user, lead_import=found, via="api")
    return Status(201, _out(found))


@router.post(
    "/leads/imports/{import_id}/confirm",
    response=LeadImportOut,
    summary="Confirm a checked lead import",
    operation_id="confirm_lead_import",
)
def confirm_import(request: HttpRequest, import_id: Id) -> Any:
    user = actor_of(request)
    found = lead_import.lead_import_get_for_user(user=user, import_id=import_id)
    return _out(lead_import.lead_import_confirm(actor=user, lead_import=found, via="api"))


@router.get(
    "/leads/imports/{import_id}",
    response=LeadImportOut,
    summary="A lead import's progress and result",
    operation_id="get_lead_import",
)
def get_import(request: HttpRequest, import_id: Id) -> Any:
    return _out(lead_import.lead_import_get_for_user(user=actor_of(request), import_id=import_id))


class MailAttachmentOut(Schema):
    filename: str = Field(description="The attachment's name, without any path or control characters")
    kind: str = Field(description="What the bytes are, judged by their content")
    size: int
    kept: bool
    reason: str


class MailFiledOut(Schema):
    outcome: Literal["filed", "duplicate", "skipped"] = Field(
        description="filed: on the timeline now; duplicate: this Message-ID was filed before; skipped: machine-sent mail, not filed"
    )
    message_id: str
    subject: str
    sender: str
    reason: str = Field(description="Why a message was skipped")
    interaction_id: int | None = Field(description="The timeline entry, when you may see it")
    account_id: int | None
    contact_id: int | None
    lead_id: int | None
    created_lead: bool = Field(description="The sender was unknown and is now a lead")
    attachments: list[MailAttachmentOut]
    notes: list[str] = Field(description="What was repaired while reading: a guessed charset, a body cut short")


@router.post(
    "/mail/inbound",
    response={200: MailFiledOut, 201: MailFiledOut},
    summary="File an email (.eml) on the timeline",
    operation_id="file_inbound_mail",
    tags=["inbound mail"],
    description=(
        "Multipart upload of one RFC 5322 message. It is filed on the timeline of the contact, lead or account "
        "whose email address sent it (case-insensitive); a reply in a conversation already filed joins its customer; "
        "an unknown sender becomes a lead (source 'Email'). Machine-sent mail (auto-replies, lists, bounces) is "
        "skipped. 201 when filed, 200 when already filed (same Message-ID) or skipped; 422 naming `file` when the "
        "message cannot be read or breaks a bound (size, header count or length, nesting)."
    ),
)
def file_inbound_mail(request: HttpRequest, file: File[UploadedFile]) -> Status[Any]:  # type: ignore[type-arg]
    limit = max_mail_bytes()
    if file.size is not None and file.size > limit:
        raise inbound_mail_too_large(actor=actor_of(request), head=file.read(MAX_HEADER_BYTES), size=file.size, via="api")
    result = inbound_mail_file(actor=actor_of(request), raw=file.read(limit + 1), via="api")
    return Status(201 if result.outcome == "filed" else 200, asdict(result))


# The skipped-mail endpoints (administrators only) sit beside the filing of inbound mail.
from rapport.dataops.skipped_mail_api import router as skipped_mail_router  # noqa: E402

router.add_router("/", skipped_mail_router)

"""Contracts over REST: list (with "ending within N days"), read, create, change, renew, terminate; their documents.

Every contract and document is looked up through the user's visibility first
(not yours: 404). A document is uploaded as multipart ``file``, checked by
``common.uploads`` and sent back only as an attachment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict, Field

from rapport.common.ninja import Id, OptionalId, expected_version
from rapport.common.pagination import keyset_page
from rapport.common.uploads import DOWNLOAD_OPENAPI, attachment_response, refused_upload
from rapport.core.selectors import actor_of
from rapport.sales import contracts
from rapport.sales.quote_api import no_version_on_create

router = Router(tags=["sales: contracts"])


class ContractIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    account_id: int = Field(ge=1, le=2**63 - 1)
    start_date: date
    end_date: date = Field(description="On or after start_date")
    value: Decimal = Field(Decimal(0), max_digits=18, decimal_places=2)
    currency: str = Field(max_length=3)
    status: str = Field("active", description="draft or active")
    auto_renew: bool = False
    notice_days: int = Field(30, ge=0, le=3650)
    reminder_days: int = Field(60, ge=0, le=3650, description="The owner gets a to-do this many days before the end")
    renewal_terms: str = Field("", max_length=20000)
    shared_with_team: bool = False


class ContractPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=200)
    start_date: date | None = None
    end_date: date | None = None
    value: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, max_length=3)
    status: str | None = Field(None, description="draft or active")
    auto_renew: bool | None = None
    notice_days: int | None = Field(None, ge=0, le=3650)
    reminder_days: int | None = Field(None, ge=0, le=3650)
    renewal_terms: str | None = Field(None, max_length=20000)
    shared_with_team: bool | None = None
    version: int | None = Field(None, description="The version you read (or send If-Match)")


class RenewIn(Schema):
    model_config = ConfigDict(extra="forbid")
    start_date: date | None = Field(
        None, description="The new term's start, after the current end; the day after it when left out, or today for a lapsed contract"
    )
    end_date: date | None = Field(None, description="The new term's end, today or later; as long as the last term when left out")
    value: Decimal | None = Field(None, max_digits=18, decimal_places=2, description="The new term's value; unchanged when left out")
    version: int | None = None


class TerminateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ended_on: date | None = Field(None, description="Today when left out")
    version: int | None = None


class ContractOut(Schema):
    id: int
    version: int
    number: str | None
    title: str
    account_id: int
    owner_id: int
    team_id: int | None
    start_date: date
    end_date: date
    value: Decimal
    currency: str
    status: str = Field(description="draft, active, ended or cancelled")
    auto_renew: bool
    notice_days: int
    reminder_days: int
    renewal_terms: str
    shared_with_team: bool
    created_at: datetime
    updated_at: datetime


class ContractPage(Schema):
    items: list[ContractOut]
    next_cursor: str | None


class ContractParams(Schema):
    account_id: OptionalId = None
    owner_id: OptionalId = None
    status: str | None = Field(None, max_length=20)
    q: str | None = Field(None, max_length=100, description="Part of the title or number")
    ending_within: int | None = Field(None, ge=0, le=3650, description="Active contracts ending within this many days from today")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class DocumentOut(Schema):
    id: int
    contract_id: int
    filename: str
    content_type: str
    size: int
    uploaded_by_id: int | None
    created_at: datetime


def _visible(request: HttpRequest, contract_id: int) -> tuple[Any, Any]:
    user = actor_of(request)
    return user, contracts.contract_get_for_user(user=user, contract_id=contract_id)


@router.get("/contracts", response=ContractPage, summary="List contracts by end date (filters: account, owner, status, q, ending_within)")
def list_contracts(request: HttpRequest, params: Query[ContractParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    qs = contracts.contracts_filter(contracts.contract_list_for_user(user=actor_of(request)), params.model_dump())
    page = keyset_page(qs, sort="end_date", cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/contracts", response={201: ContractOut}, summary="Create a contract (owned by you)")
def create_contract(request: HttpRequest, payload: ContractIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    no_version_on_create(data)
    data = {**payload.model_dump(), **data}
    user = actor_of(request)
    created = contracts.contract_create(actor=user, data=data, via="api")
    return Status(201, contracts.contract_get_for_user(user=user, contract_id=created.pk))


@router.get("/contracts/{contract_id}", response=ContractOut, summary="Get one contract")
def get_contract(request: HttpRequest, contract_id: Id) -> Any:
    return _visible(request, contract_id)[1]


@router.patch("/contracts/{contract_id}", response=ContractOut, summary="Change a contract (If-Match or version: a stale one gets 412)")
def update_contract(request: HttpRequest, contract_id: Id, payload: ContractPatch) -> Any:
    user, contract = _visible(request, contract_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    return contracts.contract_update(actor=user, contract=contract, data=data, expected_version=version, via="api")


@router.post(
    "/contracts/{contract_id}/renew",
    response=ContractOut,
    summary="Start the next term: the day after this one ends, or today for a lapsed contract",
)
def renew_contract(request: HttpRequest, contract_id: Id, payload: RenewIn) -> Any:
    user, contract = _visible(request, contract_id)
    version = expected_version(request, payload.version)
    return contracts.contract_renew(
        actor=user,
        contract=contract,
        start_date=payload.start_date,
        end_date=payload.end_date,
        value=payload.value,
        expected_version=version,
        via="api",
    )


@router.post("/contracts/{contract_id}/terminate", response=ContractOut, summary="End a contract early")
def terminate_contract(request: HttpRequest, contract_id: Id, payload: TerminateIn) -> Any:
    user, contract = _visible(request, contract_id)
    version = expected_version(request, payload.version)
    return contracts.contract_terminate(actor=user, contract=contract, ended_on=payload.ended_on, expected_version=version, via="api")


@router.get("/contracts/{contract_id}/documents", response=list[DocumentOut], summary="The contract's documents, newest first")
def list_documents(request: HttpRequest, contract_id: Id) -> list[Any]:
    return contracts.contract_documents(contract=_visible(request, contract_id)[1])


@router.post(
    "/contracts/{contract_id}/documents",
    response={201: DocumentOut},
    summary="Attach a document (multipart 'file': PDF, PNG, JPEG, DOCX, XLSX or plain text, at most RAPPORT_MAX_UPLOAD_BYTES)",
)
def upload_document(request: HttpRequest, contract_id: Id, file: UploadedFile | None = File(None)) -> Status[Any]:
    user, contract = _visible(request, contract_id)
    refused_upload(request, "file")
    return Status(201, contracts.contract_document_add(actor=user, contract=contract, upload=file, via="api"))


@router.get(
    "/contract-documents/{document_id}",
    response={200: None},
    summary="Download a document (always as an attachment)",
    openapi_extra=DOWNLOAD_OPENAPI,
)
def download_document(request: HttpRequest, document_id: Id) -> StreamingHttpResponse:
    document = contracts.contract_document_get_for_user(user=actor_of(request), document_id=document_id)
    return attachment_response(
        contracts.contract_document_open(document=document), filename=document.filename, content_type=document.content_type
    )


@router.delete("/contract-documents/{document_id}", response={204: None}, summary="Remove a document")
def delete_document(request: HttpRequest, document_id: Id) -> Status[None]:
    user = actor_of(request)
    document = contracts.contract_document_get_for_user(user=user, document_id=document_id)
    contracts.contract_document_delete(actor=user, document=document, via="api")
    return Status(204, None)

"""Cases over REST: the queue (soonest due first), one case, opening, changing, resolving, closing and reopening.

Every case is looked up through the user's visibility first (not yours: 404); a change carries the version
read (or If-Match), and a stale one gets 412 with nothing written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.errors import NotFound
from rapport.common.ninja import Id, OptionalId, expected_version
from rapport.common.pagination import keyset_page
from rapport.core.selectors import actor_of
from rapport.service import cases, surveys
from rapport.service.models import Case

router = Router(tags=["service: cases"])

KINDS = "question, problem, complaint or request"
PRIORITIES = "low, normal, high or urgent (due in 5 days, 3 days, 1 day or 4 hours)"


class CaseIn(Schema):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(max_length=200)
    account_id: int = Field(ge=1, le=2**63 - 1)
    contact_id: OptionalId = Field(None, description="Who raised it: a contact of the account")
    product_id: OptionalId = Field(None, description="The product it is about")
    description: str = Field("", max_length=20000)
    kind: str = Field("question", description=KINDS)
    priority: str = Field("normal", description=PRIORITIES)
    channel: str = Field("phone", description="How it came in: phone, email, web, portal, face_to_face, letter, fax or chat")
    shared_with_team: bool = False


class CasePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(None, max_length=200)
    contact_id: OptionalId = None
    product_id: OptionalId = None
    description: str | None = Field(None, max_length=20000)
    kind: str | None = Field(None, description=KINDS)
    priority: str | None = Field(None, description=PRIORITIES + "; the due time moves with it")
    status: str | None = Field(None, description="open or waiting (on the customer); resolve and close have their own operations")
    shared_with_team: bool | None = None
    version: int | None = Field(None, description="The version you read (or send If-Match)")


class ResolveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(max_length=20000, description="The answer given or what was done")
    version: int | None = None


class VersionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None


class CaseOut(Schema):
    id: int
    version: int
    number: str | None
    subject: str
    description: str
    kind: str
    priority: str
    status: str = Field(description="open, waiting, resolved or closed")
    channel: str
    account_id: int
    contact_id: int | None
    product_id: int | None
    owner_id: int
    team_id: int | None
    shared_with_team: bool
    due_at: datetime
    overdue: bool = Field(description="Still open past its due time: the SLA is breached")
    resolution: str
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return obj.is_overdue()


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseParams(Schema):
    status: str | None = Field(None, max_length=10, description="open (the default: open and waiting), waiting, resolved, closed or all")
    priority: str | None = Field(None, max_length=10)
    kind: str | None = Field(None, max_length=10)
    mine: bool | None = Field(None, description="Only cases you own")
    overdue: bool | None = Field(None, description="Only open cases past their due time")
    account_id: OptionalId = None
    q: str | None = Field(None, max_length=100, description="Part of the subject or number")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _visible(request: HttpRequest, case_id: int) -> tuple[Any, Case]:
    user = actor_of(request)
    return user, cases.case_get_for_user(user=user, case_id=case_id)


@router.get(
    "/cases", response=CasePage, summary="The case queue, soonest due first (filters: status, priority, kind, mine, overdue, account, q)"
)
def list_cases(request: HttpRequest, params: Query[CaseParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    user = actor_of(request)
    found = cases.CaseFilter.from_params(params.model_dump()).apply(cases.case_list_for_user(user=user), user=user)
    page = keyset_page(found, sort="due_at", cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/cases", response={201: CaseOut}, summary="Open a case (owned by you, due by its priority)")
def open_case(request: HttpRequest, payload: CaseIn) -> Status[Any]:
    user = actor_of(request)
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    created = cases.case_open(actor=user, data=data, via="api")
    return Status(201, cases.case_get_for_user(user=user, case_id=created.pk))


@router.get("/cases/{case_id}", response=CaseOut, summary="Get one case")
def get_case(request: HttpRequest, case_id: Id) -> Any:
    return _visible(request, case_id)[1]


@router.patch("/cases/{case_id}", response=CaseOut, summary="Change a case (If-Match or version: a stale one gets 412)")
def update_case(request: HttpRequest, case_id: Id, payload: CasePatch) -> Any:
    user, case = _visible(request, case_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    return cases.case_update(actor=user, case=case, data=data, expected_version=version, via="api")


@router.post("/cases/{case_id}/resolve", response=CaseOut, summary="Resolve a case with its answer (409 when not open)")
def resolve_case(request: HttpRequest, case_id: Id, payload: ResolveIn) -> Any:
    user, case = _visible(request, case_id)
    version = expected_version(request, payload.version)
    return cases.case_resolve(
        actor=user, case=case, resolution=payload.resolution, expected_version=version, via="api", base_url=request.build_absolute_uri("/")
    )


@router.post("/cases/{case_id}/close", response=CaseOut, summary="Close a resolved case (409 otherwise)")
def close_case(request: HttpRequest, case_id: Id, payload: VersionIn) -> Any:
    user, case = _visible(request, case_id)
    return cases.case_close(actor=user, case=case, expected_version=expected_version(request, payload.version), via="api")


@router.post("/cases/{case_id}/reopen", response=CaseOut, summary="Reopen a resolved or closed case: due again from now (409 when open)")
def reopen_case(request: HttpRequest, case_id: Id, payload: VersionIn) -> Any:
    user, case = _visible(request, case_id)
    return cases.case_reopen(actor=user, case=case, expected_version=expected_version(request, payload.version), via="api")


class SatisfactionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5, description="1 (not at all satisfied) to 5 (very satisfied)")
    comment: str = Field("", max_length=2000)


class SatisfactionOut(Schema):
    case_id: int
    sent_to: str = Field(description="The address the survey was emailed to; empty when the contact has none")
    sent_at: datetime | None
    score: int | None = Field(description="1 to 5; null until answered")
    comment: str
    answered_at: datetime | None
    answered_via: str = Field(description="email (the customer's link) or phone (recorded by an agent)")


@router.get("/cases/{case_id}/satisfaction", response=SatisfactionOut, summary="The case's satisfaction survey (404 before it is resolved)")
def get_satisfaction(request: HttpRequest, case_id: Id) -> Any:
    found = surveys.survey_of_case(_visible(request, case_id)[1])
    if found is None:
        raise NotFound("This case has no satisfaction survey yet.")
    return found


@router.post(
    "/cases/{case_id}/satisfaction",
    response=SatisfactionOut,
    summary="Record the satisfaction score the customer gave (on the phone) for a resolved case; once (409 after)",
)
def record_satisfaction(request: HttpRequest, case_id: Id, payload: SatisfactionIn) -> Any:
    user, case = _visible(request, case_id)
    return surveys.survey_record(actor=user, case=case, data=payload.model_dump(), via="api")

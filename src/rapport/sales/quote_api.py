"""Quotes over REST: list, read, create, change, lines, revise, answer, send, PDF.

Every quote is looked up through the user's visibility first (not yours: 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.common.errors import ValidationFailed
from rapport.common.ninja import Id, OptionalId, expected_version
from rapport.common.pagination import keyset_page
from rapport.core.models import User
from rapport.core.selectors import actor_of
from rapport.sales import quotes
from rapport.sales.catalog_models import Quote
from rapport.sales.catalog_schemas import LineIn, LineOut, QuoteDetailOut, QuoteIn, QuotePage, SendIn, StatusIn

router = Router(tags=["sales: quotes"])


class DocumentListParams(Schema):
    account_id: OptionalId = None
    owner_id: OptionalId = None
    status: str | None = Field(None, max_length=20)
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def filtered_page(qs: QuerySet[Any], params: DocumentListParams, *, sort: str) -> dict[str, Any]:
    """One keyset page of ``qs`` after the exact filters given (the same for quotes, orders, contracts)."""
    conditions: Mapping[str, Any] = {
        name: getattr(params, name) for name in ("account_id", "owner_id", "status") if getattr(params, name) is not None
    }
    page = keyset_page(qs.filter(**conditions), sort=sort, cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _visible(request: HttpRequest, quote_id: int) -> tuple[User, Quote]:
    user = actor_of(request)
    return user, quotes.quote_get_for_user(user=user, quote_id=quote_id)


def no_version_on_create(data: Mapping[str, Any]) -> None:
    if "version" in data:
        raise ValidationFailed.for_field("version", "A new record has no version yet.")


def fresh(model_instance: Model, user: User) -> Quote:
    return quotes.quote_get_for_user(user=user, quote_id=model_instance.pk)


@router.get("/quotes", response=QuotePage, summary="List quotes, newest first")
def list_quotes(request: HttpRequest, params: Query[DocumentListParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    return filtered_page(quotes.quote_list_for_user(user=actor_of(request)), params, sort="-created_at")


@router.get("/quotes/{quote_id}", response=QuoteDetailOut, summary="Get one quote with its lines")
def get_quote(request: HttpRequest, quote_id: Id) -> Any:
    return _visible(request, quote_id)[1]


@router.post("/quotes", response={201: QuoteDetailOut}, summary="Create a draft quote (lines priced from the customer's price book)")
def create_quote(request: HttpRequest, payload: QuoteIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    no_version_on_create(data)
    user = actor_of(request)
    return Status(201, fresh(quotes.quote_create(actor=user, data=data, via="api"), user))


@router.patch("/quotes/{quote_id}", response=QuoteDetailOut, summary="Change a draft quote's header")
def update_quote(request: HttpRequest, quote_id: Id, payload: QuoteIn) -> Any:
    user, quote = _visible(request, quote_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    return quotes.quote_update(actor=user, quote=quote, data=data, expected_version=version, via="api")


@router.delete("/quotes/{quote_id}", response={204: None}, summary="Delete a draft quote")
def delete_quote(request: HttpRequest, quote_id: Id) -> Status[None]:
    user, quote = _visible(request, quote_id)
    quotes.quote_delete(actor=user, quote=quote, via="api")
    return Status(204, None)


@router.post("/quotes/{quote_id}/lines", response={201: LineOut}, summary="Add a line to a draft quote; the totals follow")
def add_line(request: HttpRequest, quote_id: Id, payload: LineIn) -> Status[Any]:
    user, quote = _visible(request, quote_id)
    data = payload.model_dump(exclude_none=True)
    return Status(
        201, quotes.quote_line_add(actor=user, quote=quote, data=data, expected_version=expected_version(request, None), via="api")
    )


@router.delete("/quote-lines/{line_id}", response={204: None}, summary="Remove a line from a draft quote")
def remove_line(request: HttpRequest, line_id: Id) -> Status[None]:
    user = actor_of(request)
    line = quotes.quote_line_get_for_user(user=user, line_id=line_id)
    quotes.quote_line_remove(actor=user, quote=line.quote, line_id=line.pk, expected_version=expected_version(request, None), via="api")
    return Status(204, None)


@router.put("/quote-lines/{line_id}", response=LineOut, summary="Replace a line of a draft quote; the totals follow")
def update_line(request: HttpRequest, line_id: Id, payload: LineIn) -> Any:
    user = actor_of(request)
    line = quotes.quote_line_get_for_user(user=user, line_id=line_id)
    data = payload.model_dump(exclude_none=True)
    version = expected_version(request, None)
    return quotes.quote_line_update(actor=user, quote=line.quote, line_id=line.pk, data=data, expected_version=version, via="api")


@router.post("/quotes/{quote_id}/revise", response={201: QuoteDetailOut}, summary="Make the next revision (a draft copy of the lines)")
def revise_quote(request: HttpRequest, quote_id: Id) -> Status[Any]:
    user, quote = _visible(request, quote_id)
    return Status(201, fresh(quotes.quote_revise(actor=user, quote=quote, via="api"), user))


@router.post("/quotes/{quote_id}/status", response=QuoteDetailOut, summary="Record that the quote was sent, accepted, rejected or expired")
def set_status(request: HttpRequest, quote_id: Id, payload: StatusIn) -> Any:
    user, quote = _visible(request, quote_id)
    version = expected_version(request, payload.version)
    return quotes.quote_set_status(actor=user, quote=quote, status=payload.status, expected_version=version, via="api")


@router.post("/quotes/{quote_id}/send", response=QuoteDetailOut, summary="Email the quote as a PDF; logged on the customer's timeline")
def send_quote(request: HttpRequest, quote_id: Id, payload: SendIn) -> Any:
    user, quote = _visible(request, quote_id)
    return fresh(quotes.quote_send(actor=user, quote=quote, to=payload.to, message=payload.message, via="api"), user)


@router.get("/quotes/{quote_id}/pdf", summary="The quote as a PDF (application/pdf), in the contact's language unless ?language= says")
def quote_pdf(request: HttpRequest, quote_id: Id, language: str | None = None) -> HttpResponse:
    from rapport.sales.pdf import quote_pdf as render

    quote = _visible(request, quote_id)[1]
    response = HttpResponse(render(quote=quote, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.number}.pdf"'
    return response

"""What the sales pages share: the visible-or-404 lookup and the tabs between them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.pagination import Page, keyset_page
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import selectors
from rapport.sales.doc_filters import apply_document_filters
from rapport.sales.models import Opportunity

TABS = (
    ("board", _("Board"), "sales:board"),
    ("opportunities", _("Opportunities"), "sales:opportunity_list"),
    ("quotes", _("Quotes"), "sales:quote_list"),
    ("orders", _("Orders"), "sales:order_list"),
    ("invoices", _("Invoices"), "sales:invoice_list"),
    ("products", _("Products"), "sales:product_list"),
    ("forecast", _("Forecast"), "sales:forecast"),
    ("funnel", _("Funnel"), "sales:funnel"),
    ("contracts", _("Contracts"), "sales:contract_list"),
    ("returns", _("Returns"), "sales:return_list"),
    ("routing", _("Lead routing"), "sales:assignment_rules"),
)


T = TypeVar("T")
M = TypeVar("M", bound=Model)
PAGE_SIZE = 50


def found(lookup: Callable[..., T], **kwargs: Any) -> T:
    """A selector's record, or the page's 404 (not visible and not existing look the same)."""
    try:
        return lookup(**kwargs)
    except NotFound:
        raise Http404("Not found.") from None


def visible(request: HttpRequest, pk: int) -> tuple[User, Opportunity]:
    user = core_selectors.actor_of(request)
    try:
        return user, selectors.opportunity_get_for_user(user=user, opportunity_id=pk)
    except NotFound:
        raise Http404("No such opportunity.") from None


def page_context(tab: str, **extra: Any) -> dict[str, Any]:
    return {"nav_active": "sales", "sales_tabs": TABS, "sales_tab": tab, **extra}


def owner_choices(user: User) -> list[tuple[int, str]]:
    owners = core_selectors.user_list_for_user(user=user)
    allowed = core_selectors.assignable_owner_ids(user=user)
    if allowed is not None:
        owners = owners.filter(pk__in=allowed)
    return [(u.pk, str(u)) for u in owners[:500]]


def team_choices() -> list[tuple[int, str]]:
    return [(t.pk, t.name) for t in core_selectors.team_list()]


def document_list(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    tab: str,
    statuses: Sequence[tuple[str, Any]],
    template: str,
    partial: str,
    via: str = "",
    **extra: Any,
) -> HttpResponse:
    """A filtered keyset page of quotes, orders or invoices: the table alone for HTMX, else the whole page."""
    user = core_selectors.actor_of(request)
    errors: dict[str, list[str]] = {}
    page: Page[Any] = Page(items=[], next_cursor=None, limit=PAGE_SIZE)
    try:
        qs = apply_document_filters(queryset, request.GET, statuses=[value for value, _label in statuses], via=via)
        page = keyset_page(qs, sort="-created_at", cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ValidationFailed as exc:
        errors = exc.field_errors
    context = page_context(tab, page=page, filter_errors=errors, filtered=any(v for k, v in request.GET.items() if k != "cursor"), **extra)
    if getattr(request, "htmx", False) and request.htmx.target == "results":  # type: ignore[attr-defined]
        return render(request, partial, context, status=422 if errors else 200)
    context.update(owners=owner_choices(user), statuses=statuses)
    return render(request, template, context, status=422 if errors else 200)

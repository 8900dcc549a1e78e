"""What the sales pages share: the visible-or-404 lookup, the tabs between them, the filtered list page and the
record form page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.common.pagination import Page, keyset_page
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers.models import Account
from rapport.customers.selectors import visible_account
from rapport.sales import selectors
from rapport.sales.doc_filters import apply_document_filters
from rapport.sales.models import Opportunity
from rapport.sales.views.messages import translated

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


# What the filter forms call each parameter, so a refused filter names the field the user sees; a list whose
# search box says more than "Search" passes its own label for ``q``.
FILTER_LABELS: dict[str, str | Promise] = {
    "q": _("Search"),
    "status": _("Status"),
    "owner_id": _("Owner"),
    "team_id": _("Team"),
    "account_id": _("Account"),
    "pipeline_id": _("Pipeline"),
    "stage_id": _("Stage"),
    "partner_id": _("Partner"),
    "forecast_category": _("Forecast category"),
    "source": _("Source"),
    "close_month": _("Closing in"),
    "closes_after": _("Closes after"),
    "closes_before": _("Closes before"),
    "ending_within": _("Ending within"),
    "category": _("Category"),
    "sort": _("Sort"),
    "cursor": _("Page"),
}


def refused_filters(exc: ValidationFailed, labels: Mapping[str, str | Promise] | None = None) -> dict[str, Any]:
    """The page context for refused filters: each message in the user's language, after the label the form shows."""
    errors = translated(exc).field_errors
    named = {**FILTER_LABELS, **(labels or {})}
    problems = [(named.get(name, name), message) for name, found in errors.items() for message in found]
    return {"filter_errors": errors, "filter_problems": problems}


T = TypeVar("T")
M = TypeVar("M", bound=Model)
PAGE_SIZE = 50


def found(lookup: Callable[..., T], **kwargs: Any) -> T:
    """A selector's record, or the page's 404 (not visible and not existing look the same)."""
    try:
        return lookup(**kwargs)
    except NotFound:
        raise Http404("Not found.") from None


def account_or_404(request: HttpRequest, pk: int) -> tuple[User, Account]:
    """The signed-in user and the account they may see (the 360 page's sections), else 404."""
    user = core_selectors.actor_of(request)
    account = visible_account(user, pk)
    if account is None:
        raise Http404("No such account.")
    return user, account


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


def record_list(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    tab: str,
    narrow: Callable[[QuerySet[M], Mapping[str, Any]], QuerySet[M]],
    sort: str | Callable[[Mapping[str, Any]], str],
    template: str,
    partial: str,
    filter_choices: Callable[[], dict[str, Any]],
    prepare: Callable[[list[Any]], object] | None = None,
    not_filters: frozenset[str] = frozenset({"cursor"}),
    labels: Mapping[str, str | Promise] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A filtered keyset page of one kind of sales record: the table alone for an HTMX request aimed at
    ``#results``, else the whole page with its filter form.

    ``narrow`` applies the request's filters and ``sort`` names the order (or reads it from the request); either
    raises ``ValidationFailed`` naming the bad parameter, and the table shows it instead of rows, with 422,
    in the user's language and after the filter's label (``labels`` over ``FILTER_LABELS``).
    ``filter_choices`` fills the filter form and runs only for the whole page; ``prepare`` decorates the page's
    rows before they are shown; ``not_filters`` are parameters that do not make the list "filtered" (so an
    empty list says "nothing matches" only when a filter is set).
    """
    refused: dict[str, Any] = {"filter_errors": {}, "filter_problems": []}
    page: Page[Any] = Page(items=[], next_cursor=None, limit=PAGE_SIZE)
    try:
        qs = narrow(queryset, request.GET)
        order = sort if isinstance(sort, str) else sort(request.GET)
        page = keyset_page(qs, sort=order, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ValidationFailed as exc:
        refused = refused_filters(exc, labels)
    if prepare is not None:
        prepare(page.items)
    filtered = any(v for k, v in request.GET.items() if k not in not_filters)
    context = page_context(tab, page=page, filtered=filtered, **refused, **extra)
    status = 422 if refused["filter_errors"] else 200
    if getattr(request, "htmx", False) and request.htmx.target == "results":  # type: ignore[attr-defined]
        return render(request, partial, context, status=status)
    context.update(filter_choices())
    return render(request, template, context, status=status)


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
    """A filtered keyset page of quotes, orders or invoices, newest first: the table alone for HTMX, else the whole page."""
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        queryset,
        tab=tab,
        narrow=lambda qs, params: apply_document_filters(qs, params, statuses=[value for value, _label in statuses], via=via),
        sort="-created_at",
        template=template,
        partial=partial,
        filter_choices=lambda: {"owners": owner_choices(user), "statuses": statuses},
        labels={"q": _("Number or account")},
        **extra,
    )


@dataclass(frozen=True)
class RecordForm:
    """The shared form page (``sales/record_form.html``) for one kind of sales record: where its crumbs lead
    and how it names the record being edited."""

    tab: str
    list_url: str
    detail_url: str
    plural: str | Promise
    new: str | Promise
    name: Callable[[Any], str] = str
    crumb: Callable[[Any], str] = str

    def render(self, request: HttpRequest, form: Any, record: Any | None, *, status: int = 200) -> HttpResponse:
        context = page_context(
            self.tab,
            form=form,
            record=record,
            kind=self,
            record_name=self.name(record) if record is not None else "",
            record_crumb=self.crumb(record) if record is not None else "",
        )
        return render(request, "sales/record_form.html", context, status=status)


@dataclass(frozen=True)
class PageMessages:
    """How a record's pages speak a refusal: the stale-form sentence, and the service messages in the user's language."""

    stale: str | Promise
    say: Callable[[str], str]
    translated: Callable[[ValidationFailed], ValidationFailed]


def run_small_form(
    request: HttpRequest,
    form: Any,
    action: Callable[[dict[str, Any]], Any],
    *,
    done: str,
    then: str,
    speak: PageMessages,
    show_again: Callable[[int], HttpResponse],
) -> HttpResponse:
    """Run a record page's small form (renew, resolve, close...): on success say ``done`` and go to ``then``; else put
    the refusal on the form (at its fields, or on top) and ``show_again(status)``: 422, 409 for a stale form, or the
    refusal's own status."""
    status = 422
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except StaleVersion:
            form.add_error(None, speak.stale)
            status = 409
        except ValidationFailed as exc:
            form.apply_errors(speak.translated(exc))
        except (Conflict, PermissionDenied, NotFound) as exc:
            form.add_error(None, speak.say(exc.message))
            status = exc.status
        else:
            messages.success(request, done)
            return redirect(then)
    return show_again(status)


def small_form_runner(
    *, detail: str, page: Callable[..., HttpResponse], speak: PageMessages
) -> Callable[[HttpRequest, int, str, Any, Callable[[dict[str, Any]], Any], str], HttpResponse]:
    """``run_small_form`` for one kind of record page: ``act(request, pk, name, form, action, done)`` returns to the
    ``detail`` page on success, or draws ``page`` again with the form under ``name`` holding its errors."""

    def act(request: HttpRequest, pk: int, name: str, form: Any, action: Callable[[dict[str, Any]], Any], done: str) -> HttpResponse:
        return run_small_form(
            request,
            form,
            action,
            done=done,
            then=reverse(detail, args=[pk]),
            speak=speak,
            show_again=lambda status: page(request, pk, forms={name: form}, status=status),
        )

    return act

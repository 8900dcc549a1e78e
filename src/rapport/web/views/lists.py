"""List pages of accounts, contacts and leads, and their CSV export.

The filters are ``customers.filters``, the same ones the API reads, so a link
copied from the page means the same thing in the API and in the export.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from rapport.analytics.kept_segments import segments_latest
from rapport.analytics.rfm import SEGMENTS
from rapport.common.errors import ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers import exports, filters, selectors
from rapport.customers.models import LeadStatus
from rapport.web.htmx import wants_partial
from rapport.web.kinds import KINDS, RecordKind
from rapport.web.list_cells import table_rows
from rapport.web.paging import ListPage, list_page
from rapport.web.service_errors import translate_error

# Filters shown in the panel; "q" has its own box.
PANEL_FILTERS = ("owner_id", "team_id", "tag", "industry", "region", "country", "status", *filters.PROFILE_FILTERS)


def _profile_choices(kind: RecordKind) -> dict[str, Any]:
    """Accounts: the RFM segments and the clusters of the last segmentation, to filter by."""
    if kind.key != "account":
        return {}
    latest = segments_latest()
    return {
        "rfm_segments": [(s.key, s.label) for s in SEGMENTS],
        "clusters": [(str(c["cluster"]), f"{c['cluster']} · {c['name']}") for c in (latest or {}).get("clusters", [])],
    }


def _owner_choices(user: User) -> list[tuple[int, str]]:
    owners = core_selectors.user_list_for_user(user=user)
    allowed = core_selectors.assignable_owner_ids(user=user)
    if allowed is not None:
        owners = owners.filter(pk__in=allowed)
    # The panel shows names only: no team, no dates to convert.
    owners = owners.select_related(None).only("username", "first_name", "last_name")
    return [(u.pk, str(u)) for u in owners[:500]]


def filter_panel(kind: RecordKind, user: User, params: Any) -> dict[str, Any]:
    """What the filter panel offers and which filters are on."""
    custom = selectors.custom_fields_for(kind.key)
    active = [name for name in PANEL_FILTERS if params.get(name)]
    active += [key for key in params if key.startswith("cf_") and params.get(key)]
    return {
        "owners": _owner_choices(user),
        "teams": list(core_selectors.team_list().select_related(None).values_list("pk", "name")),
        "statuses": LeadStatus.choices if kind.key == "lead" else [],
        "custom_filters": custom,
        "active_filters": active,
        "profile_filters": _profile_choices(kind),
    }


def _sort_links(kind: RecordKind, current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort its header link asks for and how it is shown now."""
    links = {}
    for column in kind.columns:
        if column.sort is None:
            continue
        state = "asc" if current == column.sort else "desc" if current == f"-{column.sort}" else ""
        links[column.key] = {"next": f"-{column.sort}" if state == "asc" else column.sort, "state": state}
    return links


@login_required
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    record_kind = KINDS[kind]
    user = core_selectors.actor_of(request)
    sort_name = request.GET.get("sort") or record_kind.definition.default_sort
    errors: dict[str, list[str]] = {}
    page = ListPage(items=[], next_cursor=None, previous_cursor=None, is_first=True)
    try:
        found = filters.filtered_list(record_kind.definition, record_kind.rows_for_user(user=user), user, request.GET)
        sort = record_kind.definition.sort_field(sort_name)
        page = list_page(
            found.queryset,
            sort=sort,
            after=request.GET.get("cursor"),
            before=request.GET.get("before"),
            branches=found.branches,
            branch_base=found.branch_base,
        )
    except ValidationFailed as exc:
        errors = {name: [translate_error(m, field=name) for m in messages] for name, messages in exc.field_errors.items()}
    context = {
        "kind": record_kind,
        "page": page,
        "rows": table_rows(record_kind, page.items),
        "sort": sort_name,
        "sort_links": _sort_links(record_kind, sort_name),
        "filter_errors": errors,
        "query": request.GET.get("q", ""),
        "filtered": any(value for key, value in request.GET.items() if key not in {"sort", "cursor", "before"}),
        "nav_active": record_kind.plural_key,
        "may_create": policies.can_create(user, record_kind.key),
    }
    if wants_partial(request, "results"):
        return render(request, "web/records/_table.html", context)
    context.update(filter_panel(record_kind, user, request.GET))
    return render(request, "web/records/list.html", context)


@login_required
def record_export(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The list as CSV, with the page's filters: streamed, visible records only, bounded."""
    record_kind = KINDS[kind]
    user = core_selectors.actor_of(request)
    try:
        queryset = filters.apply_filters(record_kind.definition, record_kind.list_for_user(user=user), request.GET)
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(exports.export_csv_lines(record_kind.key, queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record_kind.plural_key}.csv"'
    return response

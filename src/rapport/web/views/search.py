"""Global search: the top bar's live results, the full results page and the record picker."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.core import selectors as core_selectors
from rapport.customers import selectors
from rapport.web.kinds import KINDS


@login_required
def search_suggest(request: HttpRequest) -> HttpResponse:
    """The dropdown under the search box: a few of each kind, grouped."""
    user = core_selectors.actor_of(request)
    query = request.GET.get("q", "").strip()
    results = selectors.search_rows(user=user, query=query, limit=5)
    context = {"query": query, "searchable": selectors.is_searchable(query), "results": results, "kinds": KINDS}
    return render(request, "web/search/_suggest.html", context)


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    query = request.GET.get("q", "").strip()
    results = selectors.search_rows(user=user, query=query, limit=25)
    total = sum(len(rows) for rows in results.values())
    return render(request, "web/search/page.html", {"query": query, "results": results, "total": total, "kinds": KINDS})


@login_required
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """Options for a form's record picker (an account for a contact, a parent for an account, the record to file mail on)."""
    if kind not in KINDS:
        raise Http404(kind)
    user = core_selectors.actor_of(request)
    # The picker's text box is named after its field (account_id_label): take whichever was sent.
    query = str(next((v for k, v in request.GET.items() if k == "pick_q" or k.endswith("_label")), "")).strip()
    rows = selectors.search_rows(user=user, query=query, limit=8)[KINDS[kind].plural_key] if query else []
    return render(request, "web/search/_pick.html", {"rows": rows, "query": query, "kind": kind})

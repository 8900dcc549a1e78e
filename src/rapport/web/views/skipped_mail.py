"""Skipped inbound mail for administrators: the list (by reason, newest first) and filing one on a record.

The pages call ``dataops.skipped_mail`` like the API; anyone but an
administrator gets 403 on the list and 404 on a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.common.mail_parse import MailRefused, parse_mail
from rapport.core import selectors as core_selectors
from rapport.customers import selectors as customer_selectors
from rapport.dataops import skipped_mail
from rapport.dataops.models import InboundMailSkip
from rapport.web.htmx import wants_partial
from rapport.web.paging import ListPage, list_page
from rapport.web.service_errors import translate_error

PREVIEW_CHARS = 3000


@login_required
def skipped_mail_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    reason = request.GET.get("reason", "")
    errors: dict[str, list[str]] = {}
    try:
        rows = skipped_mail.skipped_mail_list_for_user(user=user, reason=reason)
        page = list_page(rows, sort="-received_at", after=request.GET.get("cursor"), before=request.GET.get("before"))
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    except ValidationFailed as exc:
        errors = {name: [translate_error(m, field=name) for m in msgs] for name, msgs in exc.field_errors.items()}
        page = ListPage(items=[], next_cursor=None, previous_cursor=None, is_first=True)
    context = {"page": page, "reasons": InboundMailSkip.choices, "reason": reason, "filter_errors": errors}
    if wants_partial(request, "results"):
        return render(request, "web/mail/_skipped_table.html", context)
    return render(request, "web/mail/skipped_list.html", context)


@login_required
def skipped_mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The message, and a search for the contact, lead or account to file it on."""
    user = core_selectors.actor_of(request)
    try:
        entry = skipped_mail.skipped_mail_get_for_user(user=user, mail_id=pk)
    except NotFound:
        raise Http404(gettext("No such message.")) from None
    error = ""
    if request.method == "POST":
        try:
            record_id = int(request.POST.get("record_id", ""))
        except ValueError:
            record_id = 0
        kind = request.POST.get("record_kind", "")
        try:
            skipped_mail.skipped_mail_file(actor=user, mail_id=entry.pk, record_kind=kind, record_id=record_id, via="web")
        except ValidationFailed as exc:
            if "message" in exc.field_errors:
                error = gettext("This message could not be read, so there is nothing to file.")
            else:
                error = gettext("Choose a contact, lead or account from the search results.")
        except Conflict:
            error = gettext("This message has been filed already.")
        else:
            messages.success(request, gettext("The message is filed on this record's timeline."))
            return redirect(f"web:{kind}_detail", record_id)
    preview = ""
    if entry.raw:
        try:
            preview = parse_mail(bytes(entry.raw)).body[:PREVIEW_CHARS]
        except MailRefused:
            preview = ""
    query = request.GET.get("q", "").strip()[:200]
    found = customer_selectors.global_search(user=user, query=query) if query else None
    context = {"entry": entry, "preview": preview, "query": query, "found": found, "error": error}
    return render(request, "web/mail/skipped_detail.html", context, status=422 if error else 200)

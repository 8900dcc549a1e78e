"""A draft quote's header edited in place on the quote page (HTMX), with the same service as
``PATCH /api/v1/quotes/{id}``: title, valid until, addressee, opportunity, notes, and the currency
while no line is priced.

A save against a version someone else has changed since keeps what the user typed, says who
changed which field and what it holds now, and lets them save again knowingly; a quote sent or
answered meanwhile is refused in words. Without JavaScript the same views answer with the whole page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rapport.common.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.models import AuditAction, User
from rapport.sales import quotes, selectors
from rapport.sales.catalog_models import Quote, QuoteStatus
from rapport.sales.document_forms import QuoteHeaderForm
from rapport.sales.views.common import found
from rapport.sales.views.messages import translated
from rapport.sales.views.quotes import _actions, _contact_choices, _detail_response, _editor

HEADER_LOCKED = gettext_noop("This quote is %(status)s, so it can no longer be changed. Make a new version to change it.")
# The fields a stale save reports, in the order the form shows them.
WATCHED = ("title", "valid_until", "contact_id", "opportunity_id", "currency", "notes", "grand_total", "status")
PICKER_LIMIT = 200


def _quote(request: HttpRequest, pk: int) -> tuple[User, Quote]:
    user = core_selectors.actor_of(request)
    return user, found(quotes.quote_get_for_user, user=user, quote_id=pk)


def header_editable(user: User, quote: Quote) -> bool:
    return quote.status == QuoteStatus.DRAFT and policies.can_edit(user, quote)


def _currency_editable(quote: Quote) -> bool:
    """The currency follows the lines' prices: it changes only while there are none."""
    return not quote.lines.exists()


def _opportunity_choices(user: User, quote: Quote) -> list[tuple[str, str]]:
    deals = selectors.opportunity_list_for_user(user=user).filter(account_id=quote.account_id).select_related(None)
    return [("", "—")] + [(str(pk), name) for pk, name in deals.order_by("name", "id").values_list("pk", "name")[:PICKER_LIMIT]]


def _form(user: User, quote: Quote, data: Any = None) -> QuoteHeaderForm:
    initial = {
        "title": quote.title,
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else "",
        "contact_id": quote.contact_id or "",
        "opportunity_id": quote.opportunity_id or "",
        "currency": quote.currency,
        "notes": quote.notes,
        "version": quote.version,
        "opened_at": timezone.now().isoformat(),
    }
    form = QuoteHeaderForm(data, initial=initial)
    fields: Any = form.fields
    fields["contact_id"].widget.choices = _contact_choices(user, quote.account_id) or [("", "—")]
    fields["opportunity_id"].widget.choices = _opportunity_choices(user, quote)
    return form


def _shown(quote: Quote, name: str) -> str:
    """A header field's value as the page shows it."""
    if name == "contact_id":
        return quote.contact.full_name if quote.contact else "—"
    if name == "opportunity_id":
        return quote.opportunity.name if quote.opportunity else "—"
    if name == "valid_until":
        return date_format(quote.valid_until, "DATE_FORMAT") if quote.valid_until else "—"
    if name == "grand_total":
        return f"{quote.grand_total:,.2f} {quote.currency}"
    if name == "status":
        return str(quote.get_status_display())
    value = getattr(quote, name)
    return str(value) if value not in ("", None) else "—"


def _label(name: str) -> str:
    labels = {"contact_id": _("Addressed to"), "opportunity_id": _("Opportunity"), "grand_total": _("Total (the lines)")}
    return labels.get(name) or str(capfirst(getattr(Quote._meta.get_field(name), "verbose_name", name)))


def changed_since(quote: Quote, opened_at: str) -> list[dict[str, str]]:
    """Which watched fields others changed after ``opened_at``, who changed them and what they hold now."""
    try:
        moment = dt.datetime.fromisoformat(opened_at)
    except ValueError:
        moment = None
    changed: dict[str, str] = {}
    for entry in audit_log_for(quote, limit=50):
        if entry.action != AuditAction.UPDATE or (moment is not None and entry.at <= moment):
            continue
        for name in entry.changes:
            changed.setdefault(name, entry.actor_name or _("someone"))
        if moment is None:
            break  # no date to compare: the latest change is the best guess
    return [{"label": _label(n), "now": _shown(quote, n), "by": changed[n]} for n in WATCHED if n in changed]


def _render(
    request: HttpRequest, user: User, quote: Quote, *, form: QuoteHeaderForm | None, status: int = 200, **extra: Any
) -> HttpResponse:
    """The header (shown, or as a form) alone for HTMX, with the title and action bar out of band; else the whole page."""
    editor = _editor(request, user, quote)
    if getattr(request, "htmx", False):
        # HTMX swaps only 2xx answers: a refused save comes back as 200 with its errors in the form.
        # Out of band: the title, the action bar (its forms carry the version) and the totals (their currency).
        oob = form is None or bool(extra.get("header_stale"))
        context = {**editor, **_actions(user, quote), "header_form": form, "oob": oob, **extra}
        return render(request, "sales/quotes/_header.html", context)
    return _detail_response(request, editor, status=status, header_form=form, **extra)


@login_required
def quote_header(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the header as shown (the form's Cancel)."""
    user, quote = _quote(request, pk)
    if not getattr(request, "htmx", False):
        return redirect("sales:quote_detail", pk=pk)
    return _render(request, user, quote, form=None)


@login_required
def quote_header_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the header as a form; POST: save it (a refusal keeps what was typed)."""
    user, quote = _quote(request, pk)
    if not header_editable(user, quote):
        return _locked(request, user, quote)
    if request.method != "POST":
        return _render(request, user, quote, form=_form(user, quote))
    form = _form(user, quote, request.POST)
    if not form.is_valid():
        return _render(request, user, quote, form=form, status=422)
    try:
        quotes.quote_update(
            actor=user,
            quote=quote,
            data=form.to_data(currency_editable=_currency_editable(quote)),
            expected_version=form.cleaned_data.get("version"),
            via="web",
        )
    except ValidationFailed as exc:
        form.apply_errors(translated(exc))
        return _render(request, user, quote, form=form, status=422)
    except StaleVersion as exc:
        return _stale(request, user, quote, exc)
    except (Conflict, PermissionDenied, NotFound):
        return _locked(request, user, quote)
    if not getattr(request, "htmx", False):
        return redirect("sales:quote_detail", pk=pk)
    return _render(request, user, quote, form=None, header_saved=True)


def _locked(request: HttpRequest, user: User, quote: Quote, *, changes: list[dict[str, str]] | None = None) -> HttpResponse:
    """The header as shown with why it cannot change; what a refused save typed comes back as text to copy."""
    quote.refresh_from_db()
    if policies.can_edit(user, quote):
        message = _(HEADER_LOCKED) % {"status": str(quote.get_status_display()).lower()}
    else:
        message = _("You may read this quote but not change it.")
    typed = [(_label(n), str(request.POST.get(n, "")).strip()) for n in ("title", "valid_until", "notes")]
    unsaved = [(label, text) for label, text in typed if text]
    return _render(request, user, quote, form=None, status=409, header_error=message, header_changes=changes, header_unsaved=unsaved)


def _stale(request: HttpRequest, user: User, quote: Quote, exc: StaleVersion) -> HttpResponse:
    """Keep what the user typed, carry the version as it is now, and say what changed meanwhile and who changed it."""
    quote.refresh_from_db()
    data = request.POST.copy()
    changes = changed_since(quote, data.get("opened_at", ""))
    data["version"] = str(exc.current_version or quote.version)
    data["opened_at"] = timezone.now().isoformat()
    if not header_editable(user, quote):
        return _locked(request, user, quote, changes=changes)
    form = _form(user, quote, data)
    form.is_valid()
    return _render(request, user, quote, form=form, status=409, header_changes=changes, header_stale=True)

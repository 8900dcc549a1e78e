"""Quote pages: the list, a new quote (from an account or an opportunity), one quote with its
HTMX line editor, its versions, the customer's answer, the PDF, sending it and ordering it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import Conflict, NotFound, PermissionDenied, RapportError, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.models import User
from rapport.customers import selectors as customer_selectors
from rapport.customers.models import ContactPointKind
from rapport.sales import billing, products, quotes
from rapport.sales.catalog_models import Quote, QuoteLine, QuoteStatus
from rapport.sales.document_forms import QuoteForm, QuoteLineForm, QuoteSendForm
from rapport.sales.lines import may_override_price
from rapport.sales.pricing import price_for
from rapport.sales.selectors import visible_opportunity
from rapport.sales.views.common import document_list, found, page_context
from rapport.sales.views.messages import refusal, say, translated

# The customer's answers a rep records from the quote page: status -> button label.
ANSWERS = ((QuoteStatus.ACCEPTED, gettext_lazy("Accepted")), (QuoteStatus.REJECTED, gettext_lazy("Declined")))
PICKER_LIMIT = 500


def _quote(request: HttpRequest, pk: int) -> tuple[User, Quote]:
    user = core_selectors.actor_of(request)
    return user, found(quotes.quote_get_for_user, user=user, quote_id=pk)


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return document_list(
        request,
        quotes.quote_list_for_user(user=user),
        tab="quotes",
        statuses=QuoteStatus.choices,
        template="sales/quotes/quote_list.html",
        partial="sales/quotes/_quote_table.html",
    )


def _contact_choices(user: User, account_id: Any) -> list[tuple[str, str]]:
    if not str(account_id or "").isdigit():
        return []
    contacts = customer_selectors.contact_list_for_user(user=user).filter(account_id=int(account_id)).order_by("last_name", "id")
    names = contacts.select_related(None).prefetch_related(None).only("id", "first_name", "last_name")[:200]
    return [("", "—")] + [(str(c.pk), c.full_name) for c in names]


@login_required
def quote_create(request: HttpRequest) -> HttpResponse:
    """A new draft quote: for an account (``?account=``) or for an opportunity (``?opportunity=``, its account and currency)."""
    user = core_selectors.actor_of(request)
    initial: dict[str, Any] = {}
    opportunity = None
    raw_opportunity = request.GET.get("opportunity") or request.POST.get("opportunity_id")
    if str(raw_opportunity or "").isdigit():
        opportunity = visible_opportunity(user, int(str(raw_opportunity)))
        if opportunity is not None:
            initial = {
                "opportunity_id": opportunity.pk,
                "account_id": opportunity.account_id,
                "currency": opportunity.currency,
                "title": opportunity.name,
                "contact_id": opportunity.primary_contact_id or "",
            }
    if str(request.GET.get("account") or "").isdigit():
        initial["account_id"] = request.GET["account"]
    form = QuoteForm(request.POST or None, initial=initial)
    account_id = form["account_id"].value()
    contact_field: Any = form.fields["contact_id"]
    contact_field.widget.choices = _contact_choices(user, account_id)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None) or k in {"title", "account_id"}}
        try:
            created = quotes.quote_create(actor=user, data=data, via="web")
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except PermissionDenied as exc:
            form.add_error(None, refusal(exc))
        else:
            messages.success(request, _("Quote %(number)s created: add its lines.") % {"number": created.number})
            return redirect("sales:quote_detail", pk=created.pk)
    account = customer_selectors.visible_account(user, int(account_id)) if str(account_id or "").isdigit() else None
    context = page_context("quotes", form=form, opportunity=opportunity, account=account, has_contacts=bool(contact_field.widget.choices))
    return render(request, "sales/quotes/quote_form.html", context, status=422 if form.errors else 200)


def _product_choices() -> list[tuple[str, str]]:
    active = products.product_list().filter(is_active=True).only("id", "sku", "name")[:PICKER_LIMIT]
    return [("", _("— free text line —"))] + [(str(p.pk), f"{p.sku} · {p.name}") for p in active]


def _line_form(data: Any = None, *, initial: dict[str, Any] | None = None, user: User | None = None) -> QuoteLineForm:
    """The line form with the product picker; a product's book price is read-only for whoever may not change it."""
    form = QuoteLineForm(data, initial=initial)
    product_field: Any = form.fields["product_id"]
    product_field.widget.choices = _product_choices()
    if user is not None and not may_override_price(user) and form["product_id"].value():
        form.fields["unit_price"].widget.attrs["readonly"] = True
        form.fields["unit_price"].help_text = _("From the customer's price book.")
    return form


def _plain(value: Decimal) -> str:
    """A decimal as a person types it: 10, 2.5, 0 (never 1E+1)."""
    return format(value.normalize(), "f") if value else "0"


def _line_initial(line: QuoteLine) -> dict[str, Any]:
    return {
        "product_id": line.product_id or "",
        "description": line.description,
        "quantity": _plain(line.quantity),
        "unit_price": line.unit_price,
        "discount_percent": _plain(line.discount_percent),
        "tax_rate": _plain(line.tax_rate),
    }


def _editor(
    request: HttpRequest, user: User, quote: Quote, *, form: QuoteLineForm | None = None, editing: QuoteLine | None = None, error: str = ""
) -> dict[str, Any]:
    quote.refresh_from_db()
    may_edit = policies.can_edit(user, quote)
    lines = quotes.quote_lines(quote=quote)
    return {
        "quote": quote,
        "lines": lines,
        "currency_editable": not lines,
        "editable": may_edit and quote.status == QuoteStatus.DRAFT,
        "line_form": form or _line_form(user=user),
        "editing": editing,
        "price_locked": not may_override_price(user),
        "editor_error": error,
    }


def _actions(user: User, quote: Quote) -> dict[str, Any]:
    """What the quote's action bar offers this user now (it carries the quote's version)."""
    may_edit = policies.can_edit(user, quote)
    ordered = billing.order_list_for_user(user=user).filter(quote=quote).first()
    # The PDF speaks the customer's language; the other languages are one click away (a buyer abroad, no contact set).
    pdf_language = quotes.quote_language(quote=quote)
    return {
        "pdf_language": get_language_info(pdf_language)["name_local"],
        "pdf_other_languages": [
            (code, get_language_info(code)["name_local"]) for code, _label in settings.LANGUAGES if code != pdf_language
        ],
        "may_edit": may_edit,
        "answers": [(s, label) for s, label in ANSWERS if quote.status in quotes.TRANSITIONS[s]] if may_edit else [],
        "may_revise": may_edit and quote.status not in (QuoteStatus.ACCEPTED, QuoteStatus.DRAFT),
        "may_send": may_edit and quote.status in (QuoteStatus.DRAFT, QuoteStatus.SENT),
        "may_order": may_edit and quote.status == QuoteStatus.ACCEPTED and ordered is None,
        "order": ordered,
    }


def _render_editor(request: HttpRequest, context: dict[str, Any], *, failed: bool) -> HttpResponse:
    # HTMX swaps only 2xx answers: the fragment with its inline errors comes back as 200; a plain POST gets 422.
    if getattr(request, "htmx", False):
        user = core_selectors.actor_of(request)
        return render(request, "sales/quotes/_editor.html", {**context, **_actions(user, context["quote"]), "oob": True})
    return _detail_response(request, context, status=422 if failed else 200)


@login_required
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, quote = _quote(request, pk)
    return _detail_response(request, _editor(request, user, quote))


def _detail_response(request: HttpRequest, editor: dict[str, Any], *, status: int = 200, **extra: Any) -> HttpResponse:
    user = core_selectors.actor_of(request)
    quote: Quote = editor["quote"]
    contact_email = ""
    if quote.contact_id:
        emails = quote.contact.contact_points.filter(kind=ContactPointKind.EMAIL)  # type: ignore[union-attr]
        contact_email = emails.values_list("value", flat=True).first() or ""
    context = page_context(
        "quotes",
        **editor,
        **_actions(user, quote),
        revisions=quotes.quote_revisions(user=user, quote=quote),
        send_form=extra.pop("send_form", None) or QuoteSendForm(initial={"to": contact_email}),
        audit=audit_log_for(quote, limit=20),
        **extra,
    )
    return render(request, "sales/quotes/quote_detail.html", context, status=status)


@login_required
def line_price(request: HttpRequest, pk: int) -> HttpResponse:
    """The price fields of the line form for the chosen product, from the quote's customer's price book."""
    user, quote = _quote(request, pk)
    raw = request.GET.get("product_id", "")
    product = products.product_list().filter(pk=int(raw), is_active=True).first() if raw.isdigit() and len(raw) < 19 else None
    listed = price_for(account=quote.account, product=product, currency=quote.currency) if product is not None else None
    initial: dict[str, Any] = {
        "quantity": request.GET.get("quantity") or "1",
        "discount_percent": request.GET.get("discount_percent") or "0",
    }
    if product is not None:
        initial.update(description=product.name, tax_rate=_plain(product.tax_rate), unit_price=listed.unit_price if listed else "")
    form = _line_form(initial={**initial, "product_id": product.pk if product else ""}, user=user)
    context = {"quote": quote, "line_form": form, "product": product, "listed": listed, "price_locked": not may_override_price(user)}
    return render(request, "sales/quotes/_line_pricing.html", context)


@login_required
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: add a line; GET: the editor with an empty line form (cancels an edit)."""
    user, quote = _quote(request, pk)
    if request.method != "POST":
        return _render_editor(request, _editor(request, user, quote), failed=False)
    form = _line_form(request.POST, user=user)
    if form.is_valid():
        try:
            quotes.quote_line_add(actor=user, quote=quote, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except (Conflict, PermissionDenied, NotFound) as exc:
            return _render_editor(request, _editor(request, user, quote, error=refusal(exc, quote=quote)), failed=True)
        else:
            return _render_editor(request, _editor(request, user, quote), failed=False)
    return _render_editor(request, _editor(request, user, quote, form=form), failed=True)


@login_required
def line_edit(request: HttpRequest, line_id: int) -> HttpResponse:
    """GET: the line form filled with the line; POST: replace the line."""
    user = core_selectors.actor_of(request)
    line = found(quotes.quote_line_get_for_user, user=user, line_id=line_id)
    quote = found(quotes.quote_get_for_user, user=user, quote_id=line.quote_id)
    if request.method != "POST":
        return _render_editor(
            request, _editor(request, user, quote, form=_line_form(initial=_line_initial(line), user=user), editing=line), failed=False
        )
    form = _line_form(request.POST, user=user)
    if form.is_valid():
        try:
            quotes.quote_line_update(actor=user, quote=quote, line_id=line.pk, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except (Conflict, PermissionDenied, NotFound) as exc:
            return _render_editor(request, _editor(request, user, quote, error=refusal(exc, quote=quote)), failed=True)
        else:
            return _render_editor(request, _editor(request, user, quote), failed=False)
    return _render_editor(request, _editor(request, user, quote, form=form, editing=line), failed=True)


@login_required
@require_POST
def line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    line = found(quotes.quote_line_get_for_user, user=user, line_id=line_id)
    quote = found(quotes.quote_get_for_user, user=user, quote_id=line.quote_id)
    try:
        quotes.quote_line_remove(actor=user, quote=quote, line_id=line.pk, via="web")
    except (Conflict, PermissionDenied, NotFound) as exc:
        return _render_editor(request, _editor(request, user, quote, error=refusal(exc, quote=quote)), failed=True)
    return _render_editor(request, _editor(request, user, quote), failed=False)


def _refused(request: HttpRequest, user: User, quote: Quote, exc: RapportError, wanted: str = "", **extra: Any) -> HttpResponse:
    error = refusal(exc, quote=quote, wanted=wanted)
    return _detail_response(request, _editor(request, user, quote), status=409, page_error=error, **extra)


@login_required
@require_POST
def quote_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the customer's answer: accepted or declined (rejected)."""
    user, quote = _quote(request, pk)
    wanted = request.POST.get("status", "")
    version = request.POST.get("version", "")
    try:
        quotes.quote_set_status(
            actor=user, quote=quote, status=wanted, expected_version=int(version) if version.isdigit() else None, via="web"
        )
    except StaleVersion:
        return _refused(request, user, quote, Conflict(_("Someone else changed this quote meanwhile; here it is as it is now.")))
    except (Conflict, ValidationFailed, PermissionDenied) as exc:
        return _refused(request, user, quote, exc, wanted)
    messages.success(request, _("Quote marked %(status)s.") % {"status": QuoteStatus(wanted).label.lower()})
    return redirect("sales:quote_detail", pk=pk)


@login_required
@require_POST
def quote_revise(request: HttpRequest, pk: int) -> HttpResponse:
    user, quote = _quote(request, pk)
    try:
        copy = quotes.quote_revise(actor=user, quote=quote, via="web")
    except (Conflict, PermissionDenied) as exc:
        return _refused(request, user, quote, exc)
    messages.success(request, _("Version %(revision)s is a draft: change it and send it again.") % {"revision": copy.revision})
    return redirect("sales:quote_detail", pk=copy.pk)


@login_required
@require_POST
def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    user, quote = _quote(request, pk)
    form = QuoteSendForm(request.POST)
    if form.is_valid():
        try:
            quotes.quote_send(actor=user, quote=quote, to=form.recipients(), message=form.cleaned_data["message"], via="web")
        except ValidationFailed as exc:
            fields = {("to" if name.startswith("to") else name): found for name, found in exc.field_errors.items()}
            form.apply_errors(translated(ValidationFailed(exc.message, field_errors=fields)))
        except (Conflict, PermissionDenied) as exc:
            return _refused(request, user, quote, exc, send_form=form)
        else:
            messages.success(request, _("Quote sent; the email is on the customer's timeline."))
            return redirect("sales:quote_detail", pk=pk)
    return _detail_response(request, _editor(request, user, quote), status=422, send_form=form, send_open=True)


@login_required
def quote_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from rapport.sales.pdf import quote_pdf as render_pdf

    user, quote = _quote(request, pk)
    try:
        pdf = render_pdf(quote=quote, language=request.GET.get("language") or None)
    except ValidationFailed as exc:
        return _detail_response(request, _editor(request, user, quote), status=422, page_error=say(exc.field_errors["language"][0]))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}.pdf"'
    return response


@login_required
@require_POST
def quote_order(request: HttpRequest, pk: int) -> HttpResponse:
    user, quote = _quote(request, pk)
    try:
        order = billing.order_from_quote(actor=user, quote=quote, via="web")
    except (Conflict, PermissionDenied, NotFound) as exc:
        return _refused(request, user, quote, exc)
    messages.success(request, _("Order %(number)s created from the quote.") % {"number": order.number})
    return redirect("sales:order_detail", pk=order.pk)

"""Skipped inbound mail for administrators: the list (by reason, newest first) and filing one on a record.

The pages call ``dataops.skipped_mail`` like the API; anyone but an
administrator gets 403 on the list and 404 on a message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.common.mail_parse import MailRefused, ParsedMail, parse_mail
from rapport.core import selectors as core_selectors
from rapport.dataops import skipped_mail
from rapport.dataops.models import InboundMail, InboundMailSkip
from rapport.web.htmx import wants_partial
from rapport.web.paging import ListPage, list_page
from rapport.web.service_errors import translate_error

PREVIEW_CHARS = 20_000

# Why a message was skipped, in the words of someone who never saw a mail header.
EXPLANATIONS = {
    "auto_reply": _("The message says it was sent automatically: an out-of-office note or another automatic reply."),
    "mailing_list": _("The message came from a mailing list or a bulk sender, such as a newsletter."),
    "bounce": _("A mail server sent this to say a message could not be delivered."),
    "machine": _("The message came from a no-reply address: a system, not a person."),
    "no_sender": _("The message has no valid sender address, so there is no one to file it for."),
    "too_large": _("The message is larger than the size allowed, so it was not read."),
    "unparseable": _("The message could not be read as an email."),
}
RECEIVED_VIA = {"file": _("from a mail folder"), "smtp": _("by the mail receiver"), "api": _("through the API")}
RECORD_LABELS = {"contact": _("Contact"), "lead": _("Lead"), "account": _("Account")}


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


class FileForm(forms.Form):
    """The record to file a message on: one of the three, chosen with the record picker."""

    contact_id = forms.IntegerField(label=_("On a contact"), required=False, min_value=1, widget=forms.HiddenInput)
    lead_id = forms.IntegerField(label=_("On a lead"), required=False, min_value=1, widget=forms.HiddenInput)
    account_id = forms.IntegerField(label=_("On an account"), required=False, min_value=1, widget=forms.HiddenInput)

    def apply_errors(self, exc: ValidationFailed) -> None:
        for name, found in exc.field_errors.items():
            for message in found:
                self.add_error(name if name in self.fields else None, translate_error(message, field=name))


def _parsed(entry: InboundMail) -> ParsedMail | None:
    try:
        return parse_mail(bytes(entry.raw)) if entry.raw else None
    except MailRefused:
        return None


def _file(request: HttpRequest, entry: InboundMail, form: FileForm) -> tuple[HttpResponse | None, str]:
    """File the message as the form says: the redirect to the record's page, or the error to show."""
    if not form.is_valid():
        return None, ""
    try:
        interaction = skipped_mail.skipped_mail_file(
            actor=core_selectors.actor_of(request), mail_id=entry.pk, **form.cleaned_data, via="web"
        )
    except ValidationFailed as exc:
        form.apply_errors(exc)
        return None, ""
    except Conflict as exc:
        return None, translate_error(exc.message)
    messages.success(request, gettext("The message is filed on this record's timeline."))
    kind, pk = next((k, getattr(interaction, f"{k}_id")) for k in ("contact", "lead", "account") if getattr(interaction, f"{k}_id"))
    return redirect(f"web:{kind}_detail", pk), ""


@login_required
def skipped_mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The message (headers, why it was skipped, its text), and the pickers to file it on a contact, lead or account."""
    user = core_selectors.actor_of(request)
    try:
        entry = skipped_mail.skipped_mail_get_for_user(user=user, mail_id=pk)
    except NotFound:
        raise Http404(gettext("No such message.")) from None
    form = FileForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST":
        done, error = _file(request, entry, form)
        if done is not None:
            return done
        entry.refresh_from_db()
    parsed = _parsed(entry)
    suggested = skipped_mail.skipped_mail_sender_record(user=user, entry=entry) if entry.raw else None
    suggested_kind = (suggested._meta.model_name or "") if suggested is not None else ""
    context: dict[str, Any] = {
        "entry": entry,
        "parsed": parsed,
        "explanation": EXPLANATIONS.get(entry.skip_reason, _("The message was not filed on any timeline.")),
        "via": RECEIVED_VIA.get(entry.received_via, entry.received_via),
        "preview": parsed.body[:PREVIEW_CHARS] if parsed else "",
        "cut_short": bool(parsed and len(parsed.body) > PREVIEW_CHARS),
        "suggested": suggested,
        "suggested_kind": suggested_kind,
        "suggested_label": RECORD_LABELS.get(suggested_kind, ""),
        "form": form,
        "labels": {name: request.POST.get(f"{name}_label", "") for name in form.fields},
        "error": error,
    }
    status = 409 if error else 422 if form.errors else 200
    return render(request, "web/mail/skipped_detail.html", context, status=status)

"""Importing leads from a file: upload, the dry run's preview, confirm, progress, result.

The pages call the same services as the API and the CLI (``dataops.lead_import``);
an import someone else uploaded is a 404. The file is never offered back.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers.lead_files import MAX_BYTES
from rapport.dataops import lead_import
from rapport.dataops.models import LeadImport, LeadImportStatus
from rapport.marketing.campaigns import campaign_list_for_user
from rapport.web.service_errors import translate_error

MAX_MB = MAX_BYTES // (1024 * 1024)


class LeadImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV saved from Excel (UTF-8 or GB18030) or vCard business cards (.vcf), at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.vcf,.vcard,text/csv,text/vcard", "class": "input"}),
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("auto", _("Find out from the file")), ("csv", _("CSV")), ("vcard", _("vCard"))],
        initial="auto",
        widget=forms.Select(attrs={"class": "input"}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=80,
        required=False,
        help_text=_("Where these leads come from, e.g. the trade show; kept on every lead the file does not give one."),
        widget=forms.TextInput(attrs={"class": "input", "placeholder": _("Expo 2026")}),
    )
    campaign_id = forms.TypedChoiceField(
        label=_("Campaign"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The exhibition or campaign the cards come from: each new lead is recorded as a card left there."),
        widget=forms.Select(attrs={"class": "input"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        recent = campaign_list_for_user(user=user).exclude(status="cancelled").order_by("-starts_on", "-id")[:100]
        cast(forms.TypedChoiceField, self.fields["campaign_id"]).choices = [
            ("", _("None")),
            *((c.pk, f"{c.name} ({c.starts_on:%Y-%m-%d})") for c in recent),
        ]


def _found(request: HttpRequest, pk: int) -> LeadImport:
    try:
        return lead_import.lead_import_get_for_user(user=core_selectors.actor_of(request), import_id=pk)
    except NotFound:
        raise Http404(gettext("No such import.")) from None


@login_required
def lead_import_upload(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    initial = {"campaign_id": request.GET["campaign"]} if str(request.GET.get("campaign", "")).isdigit() else {}
    form = LeadImportForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:
                raise ValidationFailed.for_field("file", f"The file is larger than {MAX_MB} MB: split it.")
            created = lead_import.lead_import_preview(
                actor=user,
                filename=upload.name or "",
                content=upload.read(MAX_BYTES + 1),
                file_format=form.cleaned_data["file_format"],
                source=form.cleaned_data["source"],
                campaign_id=form.cleaned_data["campaign_id"],
                via="web",
            )
        except ValidationFailed as exc:
            for name, errors in exc.field_errors.items():
                target = {"format": "file_format"}.get(name, name)
                for message in errors:
                    form.add_error(target if target in form.fields else None, translate_error(message, field=name))
        except PermissionDenied as exc:
            form.add_error(None, translate_error(exc.message))
        else:
            return redirect("web:lead_import_detail", pk=created.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "web/lead_imports/upload.html", {"form": form, "nav_active": "leads"}, status=status)


def _translated(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "message": translate_error(e["message"], field=e["column"])} for e in errors]


def _context(found: LeadImport) -> dict[str, Any]:
    preview = found.preview or {}
    running = found.status in (LeadImportStatus.QUEUED, LeadImportStatus.RUNNING)
    return {
        "job": found,
        "preview": preview,
        "running": running,
        "owners": lead_import.lead_import_owners(lead_import=found) if found.status == LeadImportStatus.DONE else [],
        "errors": _translated(found.row_errors if found.status != LeadImportStatus.PREVIEWED else preview.get("row_errors", [])),
        "notes": [translate_error(note) for note in found.notes],
        "nav_active": "leads",
    }


@login_required
def lead_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/lead_imports/detail.html", _context(_found(request, pk)))


@login_required
def lead_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone: polled by HTMX while the worker imports, final once it is done."""
    return render(request, "web/lead_imports/_status.html", _context(_found(request, pk)))


@login_required
@require_POST
def lead_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    found = _found(request, pk)
    try:
        lead_import.lead_import_confirm(actor=core_selectors.actor_of(request), lead_import=found, via="web")
    except (Conflict, PermissionDenied) as exc:
        messages.error(request, translate_error(exc.message))
    else:
        messages.success(request, gettext("Import started: the leads appear as they are created."))
    return redirect("web:lead_import_detail", pk=found.pk)

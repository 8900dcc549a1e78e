"""An account's, contact's or lead's own pages: 360, create, edit, delete.

Every lookup goes through the kind's ``get_for_user`` selector, so a record the
user may not see is a 404 here exactly as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.audit_display import changes_since, describe
from rapport.customers import selectors, services
from rapport.web.forms import LABEL_SUGGESTIONS, InteractionForm, RecordForm
from rapport.web.htmx import is_htmx
from rapport.web.kinds import KINDS, RecordKind
from rapport.web.service_errors import translate_error


def _now_iso() -> str:
    return timezone.now().isoformat()


def _attempt(form: RecordForm | InteractionForm, write: Callable[[], Any]) -> Any | None:
    """Run the service; a refusal is put on the form (None comes back) instead of raised."""
    try:
        return write()
    except ValidationFailed as exc:
        form.apply_errors(exc)
    except PermissionDenied as exc:
        form.add_error(None, translate_error(exc.message))
    return None


def render_detail(request: HttpRequest, kind: RecordKind, pk: int, *, log_form: InteractionForm | None = None) -> HttpResponse:
    user = core_selectors.actor_of(request)
    try:
        view = kind.view_360(user=user, **{kind.id_name: pk})
    except NotFound:
        raise Http404(str(kind.label)) from None
    record = view.record
    context = {
        "kind": kind,
        "view": view,
        "record": record,
        "audit": describe(view.audit, type(record)),
        "custom_values": [(d.label, (record.custom or {}).get(d.key)) for d in view.custom_fields],
        "may_edit": policies.can_edit(user, record),
        "may_delete": policies.can_delete(user, record),
        "log_form": log_form or InteractionForm(),
        "nav_active": kind.plural_key,
    }
    return render(request, "web/records/detail.html", context, status=422 if log_form is not None and log_form.errors else 200)


@login_required
def record_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    return render_detail(request, KINDS[kind], pk)


def _form_page(
    request: HttpRequest, kind: RecordKind, form: RecordForm, *, stale: list[Any] | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "kind": kind,
        "form": form,
        "record": form.record,
        "stale": stale,
        "label_suggestions": LABEL_SUGGESTIONS,
        "nav_active": kind.plural_key,
    }
    return render(request, "web/records/form.html", context, status=status)


@login_required
def record_create(request: HttpRequest, kind: str) -> HttpResponse:
    record_kind = KINDS[kind]
    user = core_selectors.actor_of(request)
    custom_fields = selectors.custom_fields_for(kind)
    if request.method != "POST":
        form = RecordForm(kind=kind, actor=user, custom_fields=custom_fields, opened_at=_now_iso())
        if kind == "contact" and (account_id := request.GET.get("account")):
            account = selectors.visible_account(user, int(account_id)) if account_id.isdigit() else None
            if account is not None:
                form.initial["account_id"] = str(account.pk)
                form.picker_labels["account_id"] = account.name
        return _form_page(request, record_kind, form)
    form = RecordForm(request.POST, kind=kind, actor=user, custom_fields=custom_fields)
    record = _attempt(form, lambda: record_kind.create(actor=user, data=form.to_data(), via="web")) if form.is_valid() else None
    if record is not None:
        new_owner = selectors.lead_handed_over(user=user, lead_id=record.pk) if kind == "lead" else None
        if new_owner is not None:
            # The assignment rules gave it to someone whose leads this user does not see.
            name = new_owner.get_full_name() or new_owner.get_username()
            messages.success(request, gettext("Lead created and assigned to %(owner)s.") % {"owner": name})
            return redirect(record_kind.url_name("list"))
        messages.success(request, gettext("%(label)s “%(name)s” created.") % {"label": record_kind.label, "name": record})
        return redirect(record_kind.url_name("detail"), pk=record.pk)
    return _form_page(request, record_kind, form, status=422)


@login_required
def record_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    record_kind = KINDS[kind]
    user = core_selectors.actor_of(request)
    record = record_kind.get(user, pk)
    custom_fields = selectors.custom_fields_for(kind)
    if request.method != "POST":
        form = RecordForm(kind=kind, actor=user, custom_fields=custom_fields, record=record, opened_at=_now_iso())
        return _form_page(request, record_kind, form)
    form = RecordForm(request.POST, kind=kind, actor=user, custom_fields=custom_fields, record=record)
    if form.is_valid():
        try:
            saved = _attempt(
                form,
                lambda: record_kind.update(
                    actor=user,
                    data=form.to_data(),
                    expected_version=form.cleaned_data["version"],
                    via="web",
                    **record_kind.write_kwargs(record),
                ),
            )
        except StaleVersion as exc:
            return _stale(request, record_kind, record, exc, actor=user, custom_fields=custom_fields)
        if saved is not None:
            messages.success(request, gettext("Saved."))
            return redirect(record_kind.url_name("detail"), pk=record.pk)
    return _form_page(request, record_kind, form, status=422)


def _stale(request: HttpRequest, kind: RecordKind, record: Any, exc: StaleVersion, **form_kwargs: Any) -> HttpResponse:
    """Keep what the user typed, show what the other person changed, and let them save over it knowingly."""
    data = request.POST.copy()
    opened_at = data.get("opened_at", "")
    data["version"] = str(exc.current_version or "")
    data["opened_at"] = _now_iso()
    form = RecordForm(data, kind=kind.key, record=record, **form_kwargs)
    form.is_valid()
    stale = changes_since(audit_log_for(record), type(record), opened_at)
    return _form_page(request, kind, form, stale=stale, status=409)


@login_required
def record_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    record_kind = KINDS[kind]
    user = core_selectors.actor_of(request)
    record = record_kind.get(user, pk)
    error = ""
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            record_kind.delete(
                actor=user, expected_version=int(version) if version.isdigit() else None, via="web", **record_kind.write_kwargs(record)
            )
        except (ValidationFailed, PermissionDenied) as exc:
            error = translate_error(exc.message)
        except StaleVersion:
            error = gettext("Someone changed this record a moment ago. Look at it again before you delete it.")
            record = record_kind.get(user, pk)
        else:
            messages.success(request, gettext("%(label)s “%(name)s” deleted.") % {"label": record_kind.label, "name": record})
            return redirect(record_kind.url_name("list"))
    context = {"kind": record_kind, "record": record, "error": error, "nav_active": record_kind.plural_key}
    return render(request, "web/records/delete.html", context, status=422 if error else 200)


@login_required
@require_POST
def interaction_log(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The 360 page's "log interaction" form; over HTMX the new entry is added to the timeline in place."""
    record_kind = KINDS[kind]
    user = core_selectors.actor_of(request)
    record = record_kind.get(user, pk)
    form = InteractionForm(request.POST)
    interaction = None
    if form.is_valid():
        interaction = _attempt(
            form,
            lambda: services.interaction_log(
                actor=user,
                channel=form.cleaned_data["channel"],
                direction=form.cleaned_data["direction"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                occurred_at=form.cleaned_data["occurred_at"],
                via="web",
                **{record_kind.id_name: record.pk},
            ),
        )
    if interaction is not None:
        if is_htmx(request):
            context = {"item": interaction, "kind": record_kind, "record": record, "log_form": InteractionForm(), "oob": True}
            return render(request, "web/records/_logged.html", context)
        messages.success(request, gettext("Interaction logged."))
        return redirect(record_kind.url_name("detail"), pk=record.pk)
    if is_htmx(request):
        response = render(request, "web/records/_log_form.html", {"kind": record_kind, "record": record, "log_form": form}, status=200)
        response["HX-Retarget"] = "#log-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render_detail(request, record_kind, pk, log_form=form)

"""Contract pages: the list (with "ending within N days"), one contract with its documents and audit, the form,
renew/terminate, document upload and download, and the contracts section of the account 360 page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, PermissionDenied, RapportError, StaleVersion, ValidationFailed
from rapport.common.uploads import attachment_response, refused_upload
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.audit_display import describe
from rapport.core.models import User
from rapport.sales import contracts
from rapport.sales.contract_forms import ContractForm, DocumentForm, RenewForm, TerminateForm
from rapport.sales.order_models import Contract, ContractStatus
from rapport.sales.views.common import PageMessages, RecordForm, account_or_404, owner_choices, page_context, record_list, small_form_runner
from rapport.sales.views.messages import say, translated

ENDING_CHOICES = (30, 60, 90, 180)
FORM = RecordForm(
    tab="contracts",
    list_url="sales:contract_list",
    detail_url="sales:contract_detail",
    plural=gettext_lazy("Contracts"),
    new=gettext_lazy("New contract"),
    name=lambda contract: contract.title,
    crumb=lambda contract: contract.number,
)
STALE = gettext_lazy("Someone else changed this contract while you were looking at it. Open it again to see their change.")
SPEAK = PageMessages(stale=STALE, say=say, translated=translated)


def with_days_left(items: list[Contract]) -> list[Contract]:
    today = timezone.localdate()
    for contract in items:
        contract.days_left = (contract.end_date - today).days  # type: ignore[attr-defined]
    return items


def _visible(request: HttpRequest, pk: int) -> tuple[User, Contract]:
    user = core_selectors.actor_of(request)
    try:
        return user, contracts.contract_get_for_user(user=user, contract_id=pk)
    except NotFound:
        raise Http404("No such contract.") from None


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        contracts.contract_list_for_user(user=user),
        tab="contracts",
        narrow=contracts.contracts_filter,
        sort="end_date",
        template="sales/contract_list.html",
        partial="sales/partials/contract_table.html",
        prepare=with_days_left,
        filter_choices=lambda: {"owners": owner_choices(user), "statuses": ContractStatus.choices, "ending_choices": ENDING_CHOICES},
        labels={"q": gettext_lazy("Title or number")},
    )


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    initial = {"account_id": request.GET["account"]} if str(request.GET.get("account", "")).isdigit() else {}
    form = ContractForm(request.POST or None, actor=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = contracts.contract_create(actor=user, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except PermissionDenied as exc:
            form.add_error(None, say(exc.message))
        else:
            messages.success(request, _("Contract created."))
            return redirect("sales:contract_detail", pk=created.pk)
    return FORM.render(request, form, None, status=422 if form.errors else 200)


@login_required
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    form = ContractForm(request.POST or None, actor=user, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            contracts.contract_update(
                actor=user, contract=record, data=form.to_data(), expected_version=form.cleaned_data.get("version"), via="web"
            )
        except StaleVersion:
            form.add_error(None, STALE)
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except (PermissionDenied, NotFound) as exc:
            form.add_error(None, say(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:contract_detail", pk=pk)
    return FORM.render(request, form, record, status=422 if form.errors else 200)


@login_required
def contract_detail(request: HttpRequest, pk: int, forms: dict[str, Any] | None = None, status: int = 422) -> HttpResponse:
    user, record = _visible(request, pk)
    with_days_left([record])
    forms = forms or {}
    may_edit = policies.can_edit(user, record)
    context = page_context(
        "contracts",
        record=record,
        documents=contracts.contract_documents(contract=record),
        audit=describe(audit_log_for(record, limit=20), Contract),
        may_edit=may_edit,
        may_renew=may_edit and record.status in contracts.RENEWABLE,
        may_terminate=may_edit and record.status in contracts.TERMINABLE,
        document_form=forms.get("document") or DocumentForm(),
        renew_form=forms.get("renew") or RenewForm(initial={"version": record.version}),
        terminate_form=forms.get("terminate") or TerminateForm(initial={"version": record.version}),
        open_tab="audit" if "audit" in request.GET else "documents",
        # "Correct the fields" only when a field is marked; a refusal of the whole action is said on its own.
        fields_marked=any(name != "__all__" for form in forms.values() for name in form.errors),
    )
    return render(request, "sales/contract_detail.html", context, status=status if forms else 200)


# A small form on the page (renew, resolve, book a cost...): back to the page, or the page again with its errors.
_act = small_form_runner(detail="sales:contract_detail", page=contract_detail, speak=SPEAK)


@login_required
@require_POST
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    return _act(
        request,
        pk,
        "renew",
        RenewForm(request.POST),
        lambda data: contracts.contract_renew(
            actor=user,
            contract=record,
            start_date=data["start_date"],
            end_date=data["end_date"],
            value=data["value"],
            expected_version=data["version"],
            via="web",
        ),
        _("Renewed for another term."),
    )


@login_required
@require_POST
def contract_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    return _act(
        request,
        pk,
        "terminate",
        TerminateForm(request.POST),
        lambda data: contracts.contract_terminate(
            actor=user, contract=record, ended_on=data["ended_on"], expected_version=data["version"], via="web"
        ),
        _("Contract terminated."),
    )


@login_required
@require_POST
def contract_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    form = DocumentForm(request.POST, request.FILES)

    def attach(data: dict[str, Any]) -> None:
        refused_upload(request, "file")
        contracts.contract_document_add(actor=user, contract=record, upload=data["file"], via="web")

    return _act(request, pk, "document", form, attach, _("Document attached."))


def _document(request: HttpRequest, pk: int, document_id: int) -> tuple[User, Any]:
    user, record = _visible(request, pk)
    try:
        document = contracts.contract_document_get_for_user(user=user, document_id=document_id)
    except NotFound:
        raise Http404("No such document.") from None
    if document.contract_id != record.pk:
        raise Http404("No such document.")
    return user, document


@login_required
def contract_document_download(request: HttpRequest, pk: int, document_id: int) -> StreamingHttpResponse:
    _, document = _document(request, pk, document_id)
    try:
        stream = contracts.contract_document_open(document=document)
    except NotFound:
        raise Http404("The file of this document is missing.") from None
    return attachment_response(stream, filename=document.filename, content_type=document.content_type)


@login_required
@require_POST
def contract_document_delete(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    user, document = _document(request, pk, document_id)
    try:
        contracts.contract_document_delete(actor=user, document=document, via="web")
    except RapportError as exc:
        messages.error(request, say(exc.message))
    else:
        messages.success(request, _("Document removed."))
    return redirect("sales:contract_detail", pk=pk)


@login_required
def account_contracts(request: HttpRequest, pk: int) -> HttpResponse:
    """The contracts section of the account 360 page (loaded by HTMX after the page)."""
    user, account = account_or_404(request, pk)
    items = with_days_left(list(contracts.contract_list_for_user(user=user).filter(account=account).order_by("end_date", "id")[:20]))
    context = {"account": account, "items": items}
    return render(request, "sales/partials/account_contracts.html", context)

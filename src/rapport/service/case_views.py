"""Case pages: the queue (soonest due first, breaches marked), opening a case (from the screen pop with the caller
filled in), one case with its answer and status buttons, and its form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.audit_display import describe
from rapport.core.models import User
from rapport.customers.selectors import visible_contact
from rapport.sales.views.common import PageMessages, RecordForm, account_or_404, record_list, small_form_runner
from rapport.service import cases
from rapport.service.forms import CaseForm, CaseStatusForm, PhoneScoreForm, ResolveForm
from rapport.service.messages import say, translated
from rapport.service.models import Case, CaseKind, CasePriority, CaseStatus
from rapport.service.surveys import SCORES, survey_of_case

STALE = gettext_lazy("Someone else changed this case while you were looking at it. Open it again to see their change.")
SPEAK = PageMessages(stale=STALE, say=say, translated=translated)
STATUS_FILTERS = (
    ("open", gettext_lazy("Open")),
    ("waiting", gettext_lazy("Waiting on the customer")),
    ("resolved", gettext_lazy("Resolved")),
    ("closed", gettext_lazy("Closed")),
    ("all", gettext_lazy("All")),
)


# What sales/record_form.html (the shared record form page) needs to name a case's form page.
FORM_PAGE = RecordForm(
    tab="cases",
    list_url="service:case_list",
    detail_url="service:case_detail",
    plural=gettext_lazy("Cases"),
    new=gettext_lazy("New case"),
)


def case_or_404(request: HttpRequest, pk: int) -> tuple[User, Case]:
    user = core_selectors.actor_of(request)
    try:
        return user, cases.case_get_for_user(user=user, case_id=pk)
    except NotFound:
        raise Http404("No such case.") from None


def _form_page(request: HttpRequest, form: CaseForm, record: Case | None) -> HttpResponse:
    context = {
        "nav_active": "service",
        "form": form,
        "record": record,
        "kind": FORM_PAGE,
        "record_name": record.subject if record else "",
        "record_crumb": record.number if record else "",
    }
    return render(request, "sales/record_form.html", context, status=422 if form.errors else 200)


def _narrow(user: User) -> Callable[[QuerySet[Case], Mapping[str, Any]], QuerySet[Case]]:
    def narrow(queryset: QuerySet[Case], params: Mapping[str, Any]) -> QuerySet[Case]:
        return cases.CaseFilter.from_params(params).apply(queryset, user=user).select_related("account", "owner")

    return narrow


def _mark_overdue(items: list[Case]) -> None:
    now = timezone.now()
    for case in items:
        case.overdue = case.is_overdue(now)  # type: ignore[attr-defined]


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        cases.case_list_for_user(user=user),
        tab="cases",
        narrow=_narrow(user),
        sort="due_at",
        template="service/case_list.html",
        partial="service/partials/case_table.html",
        filter_choices=lambda: {"statuses": STATUS_FILTERS, "priorities": CasePriority.choices, "kinds": CaseKind.choices},
        prepare=_mark_overdue,
        labels={"q": gettext_lazy("Subject or number")},
        nav_active="service",
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    initial: dict[str, Any] = {}
    contact = visible_contact(user, int(request.GET["contact"])) if str(request.GET.get("contact", "")).isdigit() else None
    if contact is not None and contact.account_id:
        initial.update(account_id=contact.account_id, contact_id=contact.pk)
    elif str(request.GET.get("account", "")).isdigit():
        initial["account_id"] = request.GET["account"]
    form = CaseForm(request.POST or None, actor=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = cases.case_open(actor=user, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except PermissionDenied as exc:
            form.add_error(None, say(exc.message))
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": created.number})
            return redirect("service:case_detail", pk=created.pk)
    return _form_page(request, form, None)


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = case_or_404(request, pk)
    form = CaseForm(request.POST or None, actor=user, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            cases.case_update(actor=user, case=record, data=form.to_data(), expected_version=form.cleaned_data.get("version"), via="web")
        except StaleVersion:
            form.add_error(None, STALE)
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except (PermissionDenied, NotFound) as exc:
            form.add_error(None, say(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("service:case_detail", pk=pk)
    return _form_page(request, form, record)


@login_required
def case_detail(request: HttpRequest, pk: int, forms: dict[str, Any] | None = None, status: int = 422) -> HttpResponse:
    user, record = case_or_404(request, pk)
    forms = forms or {}
    survey = survey_of_case(record)
    context = {
        "nav_active": "service",
        "record": record,
        "overdue": record.is_overdue(),
        "may_edit": cases.may_change(user, record),
        "resolve_form": forms.get("resolve") or ResolveForm(initial={"version": record.version}),
        "status_form": forms.get("status"),
        "audit": describe(audit_log_for(record, limit=20), Case),
        "survey": survey,
        "stars": "★" * survey.score + "☆" * (5 - survey.score) if survey is not None and survey.score else "",
        "scores": SCORES,
        "survey_form": forms.get("survey") or PhoneScoreForm(),
    }
    return render(request, "service/case_detail.html", context, status=status if forms else 200)


# A small form on the page (renew, resolve, book a cost...): back to the page, or the page again with its errors.
act_on_case = small_form_runner(detail="service:case_detail", page=case_detail, speak=SPEAK)


@login_required
@require_POST
def case_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = case_or_404(request, pk)
    form = ResolveForm(request.POST)

    def resolve(data: dict[str, Any]) -> Case:
        return cases.case_resolve(
            actor=user,
            case=record,
            resolution=data["resolution"],
            expected_version=data.get("version"),
            base_url=request.build_absolute_uri("/"),
        )

    return act_on_case(request, pk, "resolve", form, resolve, _("Case resolved; the answer is on the customer's timeline."))


@login_required
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = case_or_404(request, pk)
    form = CaseStatusForm(request.POST)

    def change(data: dict[str, Any]) -> Case:
        version = data.get("version")
        if data["action"] == "close":
            return cases.case_close(actor=user, case=record, expected_version=version)
        if data["action"] == "reopen":
            return cases.case_reopen(actor=user, case=record, expected_version=version)
        return cases.case_update(actor=user, case=record, data={"status": data["action"]}, expected_version=version)

    labels = {
        "open": CaseStatus.OPEN.label,
        "waiting": CaseStatus.WAITING.label,
        "close": CaseStatus.CLOSED.label,
        "reopen": CaseStatus.OPEN.label,
    }
    done = _("The case is now: %(status)s.") % {"status": labels.get(str(request.POST.get("action")), "")}
    return act_on_case(request, pk, "status", form, change, done)


@login_required
def account_cases(request: HttpRequest, pk: int) -> HttpResponse:
    """The open cases on the account's 360 page (loaded by HTMX after the page)."""
    user, account = account_or_404(request, pk)
    context = {
        "account": account,
        "items": cases.open_cases_of_account(user=user, account=account),
        "may_open": policies.can_create(user, "case"),
    }
    return render(request, "service/partials/account_cases.html", context)


@login_required
def case_contacts(request: HttpRequest) -> HttpResponse:
    """The case form's "raised by" choice for the account just picked: that account's people the user sees."""
    user = core_selectors.actor_of(request)
    form = CaseForm(actor=user, initial={"account_id": request.GET.get("account_id", "")[:20]})
    return HttpResponse(str(form["contact_id"]))

"""Opportunity pages: the list, one deal, the form, and the writes hanging off a deal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.common.errors import PermissionDenied, RapportError, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.audit_display import describe
from rapport.customers import selectors as customer_selectors
from rapport.sales import deal_services, filters, selectors, services
from rapport.sales.forms import DealCompetitorForm, DealContactForm, OpportunityForm, SalesCostForm
from rapport.sales.models import Opportunity, OpportunityStatus
from rapport.sales.views.common import RecordForm, owner_choices, page_context, record_list, team_choices, visible

FORM = RecordForm(
    tab="opportunities",
    list_url="sales:opportunity_list",
    detail_url="sales:opportunity_detail",
    plural=gettext_lazy("Opportunities"),
    new=gettext_lazy("New opportunity"),
)
SORTS = (
    ("expected_close_date", gettext_lazy("Close date")),
    ("-amount", gettext_lazy("Largest first")),
    ("name", gettext_lazy("Name")),
    ("-updated_at", gettext_lazy("Recently changed")),
)


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        selectors.opportunity_list_for_user(user=user),
        tab="opportunities",
        narrow=filters.apply_filters,
        sort=lambda params: filters.OPPORTUNITIES.sort_field(params.get("sort")),
        template="sales/opportunity_list.html",
        partial="sales/partials/opportunity_table.html",
        not_filters=frozenset({"sort", "cursor"}),
        labels={"q": gettext_lazy("Name")},
        filter_choices=lambda: {
            "owners": owner_choices(user),
            "teams": team_choices(),
            "pipelines": selectors.pipeline_list(),
            "statuses": OpportunityStatus.choices,
            "sorts": SORTS,
        },
    )


@login_required
def opportunity_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    initial = {"account_id": request.GET.get("account")} if request.GET.get("account") else {}
    form = OpportunityForm(request.POST or None, actor=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.opportunity_create(actor=user, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Opportunity created."))
            return redirect("sales:opportunity_detail", pk=created.pk)
    return FORM.render(request, form, None)


@login_required
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = visible(request, pk)
    form = OpportunityForm(request.POST or None, actor=user, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(
                actor=user, opportunity=record, data=form.to_data(), expected_version=form.cleaned_data.get("version"), via="web"
            )
        except StaleVersion:
            form.add_error(None, _("Someone else changed this opportunity while you were editing it. Open it again to see their change."))
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:opportunity_detail", pk=pk)
    return FORM.render(request, form, record)


@login_required
def opportunity_detail(request: HttpRequest, pk: int, forms: dict[str, Any] | None = None) -> HttpResponse:
    user, record = visible(request, pk)
    account_contacts = list(customer_selectors.contact_list_for_user(user=user).filter(account_id=record.account_id)[:200])
    forms = forms or {}
    context = page_context(
        "opportunities",
        record=record,
        stages=list(record.pipeline.stages.filter(Q(is_archived=False) | Q(pk=record.stage_id)).order_by("position", "id")),
        history=selectors.stage_history_for(opportunity=record),
        costs=selectors.sales_costs_for(opportunity=record),
        deal_contacts=selectors.opportunity_contacts_for(user=user, opportunity=record),
        competitors=selectors.opportunity_competitors_for(opportunity=record),
        audit=describe(audit_log_for(record, limit=20), Opportunity),
        may_edit=policies.can_edit(user, record),
        cost_form=forms.get("cost") or SalesCostForm(),
        contact_form=forms.get("contact") or DealContactForm(contacts=account_contacts),
        competitor_form=forms.get("competitor") or DealCompetitorForm(),
        open_tab={"cost": "costs", "contact": "people", "competitor": "competitors"}.get(next(iter(forms), ""), "history"),
    )
    return render(request, "sales/opportunity_detail.html", context, status=422 if forms else 200)


@login_required
@require_POST
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = visible(request, pk)
    form = SalesCostForm(request.POST)
    if form.is_valid():
        try:
            deal_services.sales_cost_add(actor=user, opportunity=record, via="web", **form.cleaned_data)
        except (ValidationFailed, PermissionDenied) as exc:
            form.apply_errors(exc) if isinstance(exc, ValidationFailed) else form.add_error(None, exc.message)
        else:
            messages.success(request, _("Cost recorded."))
            return redirect("sales:opportunity_detail", pk=pk)
    return opportunity_detail(request, pk, forms={"cost": form})


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = visible(request, pk)
    contacts = list(customer_selectors.contact_list_for_user(user=user).filter(account_id=record.account_id)[:200])
    form = DealContactForm(request.POST, contacts=contacts)
    if form.is_valid():
        try:
            deal_services.opportunity_contact_add(actor=user, opportunity=record, via="web", **form.cleaned_data)
        except RapportError as exc:
            form.apply_errors(exc) if isinstance(exc, ValidationFailed) else form.add_error(None, exc.message)
        else:
            return redirect("sales:opportunity_detail", pk=pk)
    return opportunity_detail(request, pk, forms={"contact": form})


@login_required
@require_POST
def competitor_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = visible(request, pk)
    form = DealCompetitorForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            competitor_id = data["competitor_id"]
            if data["new_competitor"]:
                competitor_id = deal_services.competitor_create(actor=user, name=data["new_competitor"], via="web").pk
            if not competitor_id:
                raise ValidationFailed.for_field("competitor_id", _("Choose a competitor or name a new one."))
            deal_services.opportunity_competitor_add(
                actor=user, opportunity=record, competitor_id=competitor_id, notes=data["notes"], via="web"
            )
        except ValidationFailed as exc:
            form.apply_errors(
                ValidationFailed(
                    exc.message, field_errors={("new_competitor" if k == "name" else k): v for k, v in exc.field_errors.items()}
                )
            )
        except PermissionDenied as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("sales:opportunity_detail", pk=pk)
    return opportunity_detail(request, pk, forms={"competitor": form})

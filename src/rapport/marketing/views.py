"""Campaign pages: the list (which campaign paid for itself), one campaign with its money, goals, parts, costs and
responses, its form, the small forms that book a cost or record a response, and the campaigns a person answered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.common.pagination import keyset_page
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.audit_display import describe
from rapport.core.models import User
from rapport.customers.selectors import visible_account, visible_contact, visible_lead
from rapport.marketing import campaigns, responses
from rapport.marketing.forms import CampaignForm, CostForm, ResponseForm
from rapport.marketing.messages import say, translated
from rapport.marketing.models import Campaign, CampaignKind
from rapport.marketing.returns import CampaignReturn, returns_of_campaigns
from rapport.sales.forecast import Converter
from rapport.sales.views.common import PageMessages, RecordForm, record_list, small_form_runner

STALE = gettext_lazy("Someone else changed this campaign while you were looking at it. Open it again to see their change.")
SPEAK = PageMessages(stale=STALE, say=say, translated=translated)
RESPONSES_PER_PAGE = 25
STATUS_FILTERS = (
    ("all", gettext_lazy("All")),
    ("current", gettext_lazy("Planned or running")),
    ("planned", gettext_lazy("Planned")),
    ("running", gettext_lazy("Running")),
    ("completed", gettext_lazy("Completed")),
    ("cancelled", gettext_lazy("Cancelled")),
)

FORM_PAGE = RecordForm(
    tab="campaigns",
    list_url="marketing:campaign_list",
    detail_url="marketing:campaign_detail",
    plural=gettext_lazy("Campaigns"),
    new=gettext_lazy("New campaign"),
    name=lambda c: c.name,
    crumb=lambda c: c.name,
)


def _visible(request: HttpRequest, pk: int) -> tuple[User, Campaign]:
    user = core_selectors.actor_of(request)
    try:
        return user, campaigns.campaign_get_for_user(user=user, campaign_id=pk)
    except NotFound:
        raise Http404("No such campaign.") from None


def _form_page(request: HttpRequest, form: CampaignForm, record: Campaign | None) -> HttpResponse:
    return FORM_PAGE.render(request, form, record, status=422 if form.errors else 200)


def _attach_figures(items: list[Campaign]) -> None:
    found = returns_of_campaigns(items)
    for campaign in items:
        campaign.figures = found[campaign.pk]  # type: ignore[attr-defined]


def _narrow(queryset: QuerySet[Campaign], params: Mapping[str, Any]) -> QuerySet[Campaign]:
    return campaigns.CampaignFilter.from_params(params).apply(queryset).select_related("parent", "owner")


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        campaigns.campaign_list_for_user(user=user),
        tab="campaigns",
        narrow=_narrow,
        sort="-starts_on",
        template="marketing/campaign_list.html",
        partial="marketing/partials/campaign_table.html",
        filter_choices=lambda: {"statuses": STATUS_FILTERS, "kinds": CampaignKind.choices},
        prepare=_attach_figures,
        labels={"q": gettext_lazy("Name or audience")},
        nav_active="marketing",
        may_run=policies.can_run_campaigns(user),
        base_currency=core_selectors.base_currency(),
    )


def _refused(form: CampaignForm, action: Callable[[], Campaign]) -> Campaign | None:
    try:
        return action()
    except StaleVersion:
        form.add_error(None, STALE)
    except ValidationFailed as exc:
        form.apply_errors(translated(exc))
    except (PermissionDenied, NotFound) as exc:
        form.add_error(None, say(exc.message))
    return None


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    if not policies.can_run_campaigns(user):
        messages.error(request, say("Marketers and sales managers run campaigns; your role reads them."))
        return redirect("marketing:campaign_list")
    initial: dict[str, Any] = {}
    if str(request.GET.get("parent", "")).isdigit():
        parent = campaigns.campaign_list_for_user(user=user).filter(pk=int(request.GET["parent"])).first()
        if parent is not None:
            initial.update(parent_id=parent.pk, currency=parent.currency, starts_on=parent.starts_on, kind="lecture")
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = _refused(form, lambda: campaigns.campaign_create(actor=user, data=form.to_data(), via="web"))
        if created is not None:
            messages.success(request, _("Campaign planned."))
            return redirect("marketing:campaign_detail", pk=created.pk)
    return _form_page(request, form, None)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    if not policies.can_run_campaigns(user):
        messages.error(request, say("Marketers and sales managers run campaigns; your role reads them."))
        return redirect("marketing:campaign_detail", pk=pk)
    form = CampaignForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version")
        saved = _refused(
            form, lambda: campaigns.campaign_update(actor=user, campaign=record, data=form.to_data(), expected_version=version)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("marketing:campaign_detail", pk=pk)
    return _form_page(request, form, record)


def _budget_in_base(campaign: Campaign) -> Decimal | None:
    """The budget in the base currency (the figures' money), or None without a rate for its start."""
    try:
        return Converter()(campaign.budget, campaign.currency, campaign.starts_on)
    except ValidationFailed:
        return None


def _goal_progress(campaign: Campaign, figures: CampaignReturn) -> dict[str, Any] | None:
    goal = campaign.goal_stretch or campaign.goal_minimum
    if not goal:
        return None
    reached = "stretch" if campaign.goal_stretch and figures.responses >= campaign.goal_stretch else ""
    if not reached and campaign.goal_minimum and figures.responses >= campaign.goal_minimum:
        reached = "minimum"
    return {"percent": min(100, round(figures.responses * 100 / goal)), "reached": reached}


@login_required
def campaign_detail(request: HttpRequest, pk: int, forms: dict[str, Any] | None = None, status: int = 422) -> HttpResponse:
    user, record = _visible(request, pk)
    forms = forms or {}
    parts = campaigns.parts_of(record)
    figures = returns_of_campaigns([record, *parts])
    page = keyset_page(
        responses.responses_of_campaign(user=user, campaign=record),
        sort="-responded_on",
        cursor=request.GET.get("cursor"),
        limit=RESPONSES_PER_PAGE,
    )
    for part in parts:
        part.figures = figures[part.pk]  # type: ignore[attr-defined]
    mine = figures[record.pk]
    budget = _budget_in_base(record)
    context = {
        "nav_active": "marketing",
        "record": record,
        "figures": mine,
        "budget_in_base": budget,
        "spent_percent": round(mine.cost * 100 / budget) if budget else None,
        "goal": _goal_progress(record, mine),
        "parts": parts,
        "costs": campaigns.costs_of(record),
        "page": page,
        "the_day": campaigns.the_day_of(record),
        "may_run": policies.can_run_campaigns(user),
        "may_respond": policies.can_record_responses(user),
        "may_import": policies.can_create(user, "lead"),
        "cost_form": forms.get("cost") or CostForm(initial={"currency": record.currency}),
        "response_form": forms.get("response") or ResponseForm(),
        "audit": describe(audit_log_for(record, limit=20), Campaign),
    }
    return render(request, "marketing/campaign_detail.html", context, status=status if forms else 200)


# A small form on the page (renew, resolve, book a cost...): back to the page, or the page again with its errors.
_act = small_form_runner(detail="marketing:campaign_detail", page=campaign_detail, speak=SPEAK)


@login_required
@require_POST
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    form = CostForm(request.POST)

    def add(data: dict[str, Any]) -> Any:
        return campaigns.campaign_cost_add(actor=user, campaign=record, data=data)

    return _act(request, pk, "cost", form, add, _("Cost booked."))


def _remove(request: HttpRequest, pk: int, remove: Callable[[User, Campaign], None], done: str) -> HttpResponse:
    """Take back a cost or a response from the campaign page; the page says what happened."""
    user, record = _visible(request, pk)
    try:
        remove(user, record)
    except NotFound:
        raise Http404("Not on this campaign.") from None
    except PermissionDenied as exc:
        messages.error(request, say(exc.message))
    else:
        messages.success(request, done)
    return redirect("marketing:campaign_detail", pk=pk)


@login_required
@require_POST
def cost_remove(request: HttpRequest, pk: int, cost_id: int) -> HttpResponse:
    def remove(user: User, record: Campaign) -> None:
        campaigns.campaign_cost_remove(actor=user, campaign=record, cost_id=cost_id)

    return _remove(request, pk, remove, _("Cost removed."))


@login_required
@require_POST
def response_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, record = _visible(request, pk)
    form = ResponseForm(request.POST)

    def add(data: dict[str, Any]) -> Any:
        return responses.response_record(actor=user, campaign=record, data={k: v for k, v in data.items() if v not in (None, "")})

    return _act(request, pk, "response", form, add, _("Response recorded; it is on the person's timeline."))


@login_required
@require_POST
def response_remove(request: HttpRequest, pk: int, response_id: int) -> HttpResponse:
    def remove(user: User, record: Campaign) -> None:
        found = responses.response_get(user=user, campaign=record, response_id=response_id)
        responses.response_remove(actor=user, campaign=record, response=found)

    return _remove(request, pk, remove, _("Response removed."))


PERSON_LOOKUPS: dict[str, Callable[[User, int], Any]] = {"lead": visible_lead, "contact": visible_contact, "account": visible_account}


@login_required
def person_campaigns(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The campaigns a lead, contact or company answered (loaded by HTMX on their page)."""
    user = core_selectors.actor_of(request)
    lookup = PERSON_LOOKUPS.get(kind)
    record = lookup(user, pk) if lookup is not None else None
    if record is None:
        raise Http404("No such record.")
    items = responses.campaigns_of_person(user=user, **{kind: record})
    return render(request, "marketing/partials/person_campaigns.html", {"items": items, "kind": kind})

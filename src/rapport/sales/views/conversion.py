"""The "Convert" page of a lead: what it will attach to, then one action that converts it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core import policies
from rapport.core import selectors as core_selectors
from rapport.customers.models import Lead, LeadStatus
from rapport.customers.selectors import lead_get_for_user, visible_account
from rapport.sales.conversion import conversion_plan, converted_opportunity_id, lead_convert
from rapport.sales.routing_forms import LeadConvertForm


def _lead(request: HttpRequest, pk: int) -> Lead:
    try:
        return lead_get_for_user(user=core_selectors.actor_of(request), lead_id=pk)
    except NotFound:
        raise Http404("No such lead.") from None


@login_required
def lead_convert_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    lead = _lead(request, pk)
    if lead.status == LeadStatus.CONVERTED:
        return render(
            request, "sales/routing/convert.html", {"lead": lead, "nav_active": "leads", "opportunity_id": converted_opportunity_id(lead)}
        )
    form = LeadConvertForm(request.POST or None, initial={"currency": settings.RAPPORT_BASE_CURRENCY, "opportunity_name": lead.company})
    status = 200
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            result = lead_convert(
                actor=user,
                lead=lead,
                create_opportunity=values["create_opportunity"],
                opportunity_name=values["opportunity_name"] or None,
                pipeline_id=values["pipeline_id"],
                amount=values["amount"],
                currency=values["currency"],
                close_date=values["close_date"],
                account_id=values["account_id"],
                via="web",
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (PermissionDenied, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Lead converted to the contact “%(contact)s”.") % {"contact": result.contact})
            if result.opportunity is not None:
                return redirect("sales:opportunity_detail", pk=result.opportunity.pk)
            return redirect("web:contact_detail", pk=result.contact.pk)
    if request.method == "POST":
        status = 422
    chosen = form["account_id"].value()
    account_id = int(chosen) if str(chosen or "").isdigit() else None
    chosen_account = visible_account(user, account_id) if account_id else None
    if chosen_account is not None:
        form.picker_labels["account_id"] = chosen_account.name
    plan = conversion_plan(actor=user, lead=lead, account_id=chosen_account.pk if chosen_account else None)
    context = {
        "lead": lead,
        "plan": plan,
        "form": form,
        "may_convert": policies.can_edit(user, lead) and not (user.role in policies.READ_ONLY and not user.is_administrator),
        "nav_active": "leads",
    }
    return render(request, "sales/routing/convert.html", context, status=status)

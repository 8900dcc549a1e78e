"""Quota page: the quotas of the reps whose deals the user sees; managers set their reports' quotas here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.common.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import quotas
from rapport.sales.document_forms import QuotaForm
from rapport.sales.views.common import owner_choices, page_context
from rapport.sales.views.messages import refusal, translated

SHOWN = 200


def _settable(user: User) -> list[tuple[int, str]]:
    """The reps this user may set a quota for (none for a rep)."""
    candidates = owner_choices(user)
    ids = [pk for pk, _name in candidates]
    reps = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    return [(pk, name) for pk, name in candidates if pk in reps and quotas.may_set_quota(user, reps[pk])]


@login_required
def quota_page(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    choices = _settable(user)
    form = QuotaForm(request.POST or None)
    rep_field: Any = form.fields["user_id"]
    rep_field.choices = choices
    if request.method == "POST":
        if not choices:
            form.add_error(None, refusal(PermissionDenied("Quotas are set by the rep's manager or an administrator.")))
        elif form.is_valid():
            try:
                quotas.quota_set(actor=user, via="web", **form.cleaned_data)
            except ValidationFailed as exc:
                form.apply_errors(translated(exc))
            except (PermissionDenied, NotFound) as exc:
                form.add_error("user_id", refusal(exc))
            else:
                messages.success(request, _("Quota saved."))
                return redirect("sales:quotas")
    rows = list(quotas.quota_list_for_user(user=user).select_related("set_by").order_by("-period_start", "user__username", "id")[:SHOWN])
    context = page_context("forecast", quotas=rows, form=form, may_set=bool(choices))
    return render(request, "sales/quotas.html", context, status=422 if form.errors else 200)

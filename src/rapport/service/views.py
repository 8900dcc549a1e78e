"""The call centre's pages: the screen pop for an incoming number, and logging the call on the caller's timeline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.customers.models import Channel, Direction
from rapport.customers.services import interaction_log
from rapport.service.forms import CallLogForm
from rapport.service.messages import translated
from rapport.service.screen_pop import ScreenPop, screen_pop_for_number


def _card_url(number: str, caller: str = "") -> str:
    query = {"number": number, **({"caller": caller} if caller else {})}
    return f"{reverse('service:screen_pop')}?{urlencode(query)}"


def _page(request: HttpRequest, *, number: str, caller: str, log_form: CallLogForm | None = None, status: int = 200) -> HttpResponse:
    user = core_selectors.actor_of(request)
    context: dict[str, Any] = {"nav_active": "service", "number": number, "card": None, "number_error": ""}
    if number:
        try:
            card = screen_pop_for_number(user=user, number=number, caller=caller)
        except ValidationFailed as exc:
            context["number_error"] = translated(exc).field_errors["number"][0]
            status = 422
        else:
            context["card"] = card
            context["log_form"] = log_form or _blank_log_form(card)
            context["others"] = [c for c in card.callers if card.caller is None or c.key != card.caller.key]
    return render(request, "service/screen_pop.html", context, status=status)


def _blank_log_form(card: ScreenPop) -> CallLogForm | None:
    if card.caller is None:
        return None
    subject = _("Call from %(number)s") % {"number": card.number_display}
    return CallLogForm(initial={"number": card.number, "caller": card.caller.key, "subject": subject})


@login_required
def screen_pop(request: HttpRequest) -> HttpResponse:
    """``/service/calls/?number=+8613800138000``: the card a phone system opens (or an agent types) for a call."""
    return _page(request, number=request.GET.get("number", "").strip()[:40], caller=request.GET.get("caller", "")[:40])


@login_required
@require_POST
def call_log(request: HttpRequest) -> HttpResponse:
    """Put the call on the caller's timeline, then show the card again with it."""
    user = core_selectors.actor_of(request)
    form = CallLogForm(request.POST)
    number, caller = request.POST.get("number", "")[:40], request.POST.get("caller", "")[:40]
    if not form.is_valid():
        return _page(request, number=number, caller=caller, log_form=form, status=422)
    try:
        card = screen_pop_for_number(user=user, number=form.cleaned_data["number"], caller=form.cleaned_data["caller"])
    except ValidationFailed:
        return _page(request, number=number, caller=caller, status=422)
    if card.caller is None:
        form.add_error(None, _("Choose who is calling first."))
        return _page(request, number=number, caller=caller, log_form=form, status=422)
    try:
        interaction_log(
            actor=user,
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            account_id=card.caller.record.pk if card.caller.kind == "account" else None,
            contact_id=card.caller.record.pk if card.caller.kind == "contact" else None,
            lead_id=card.caller.record.pk if card.caller.kind == "lead" else None,
        )
    except ValidationFailed as exc:
        form.apply_errors(translated(exc))
        return _page(request, number=number, caller=caller, log_form=form, status=422)
    messages.success(request, _("The call is on %(name)s's timeline.") % {"name": card.caller.name})
    return redirect(_card_url(card.number, card.caller.key))

"""The kanban board: drag a card to another stage; the server checks and records the move."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.sales import selectors, services
from rapport.sales.board import BOARD_FILTERS, board_for_user, column_figures
from rapport.sales.pipelines import may_administer_pipelines
from rapport.sales.views.common import owner_choices, page_context, refused_filters, team_choices, visible


@login_required
def board(request: HttpRequest, pipeline_id: int | None = None) -> HttpResponse:
    user = core_selectors.actor_of(request)
    pipelines = selectors.pipeline_list()
    pipeline = next((p for p in pipelines if p.pk == pipeline_id), None) if pipeline_id else (pipelines[0] if pipelines else None)
    if pipeline is None:
        raise Http404("No such pipeline.")
    refused: dict[str, Any] = {}
    try:
        result: Any = board_for_user(user=user, pipeline=pipeline, params=request.GET)
    except ValidationFailed as exc:
        refused = refused_filters(exc)
        result = board_for_user(user=user, pipeline=pipeline, params={})
    context = page_context(
        "board",
        board=result,
        pipelines=pipelines,
        **refused,
        owners=owner_choices(user),
        teams=team_choices(),
        filter_query=request.GET.urlencode(),
        deal_base=reverse("sales:opportunity_list"),
        may_set_up=may_administer_pipelines(user),
    )
    return render(request, "sales/board.html", context)


def _problem(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A card dropped on the board (HTMX) or the stage form on a deal's page.

    The board gets the refreshed card and both columns' figures; a refused
    move answers 409/422/403 with a sentence, and the board puts the card back.
    """
    try:
        user, record = visible(request, pk)
    except Http404:
        return _problem(_("This opportunity does not exist or is not yours to see."), 404)
    from_stage_id = record.stage_id
    try:
        stage_id = int(request.POST.get("stage_id", ""))
        version = int(request.POST["version"]) if request.POST.get("version") else None
        moved = services.opportunity_move_stage(
            actor=user,
            opportunity=record,
            stage_id=stage_id,
            expected_version=version,
            lost_reason=request.POST.get("lost_reason") or None,
            via="web",
        )
    except StaleVersion:
        message, status = (
            _("Someone else moved or changed this deal a moment ago. The board shows it where it was; reload to see theirs."),
            409,
        )
    except ValidationFailed as exc:
        message, status = exc.message.split(": ", 1)[-1], 422
    except (ValueError, NotFound):
        message, status = _("Choose a stage of this opportunity's pipeline."), 422
    except PermissionDenied as exc:
        message, status = exc.message, 403
    else:
        if not getattr(request, "htmx", False):
            messages.success(request, _("Moved to %(stage)s.") % {"stage": moved.stage.name})
            return redirect("sales:opportunity_detail", pk=pk)
        params = {k: request.GET.get(k) for k in BOARD_FILTERS if request.GET.get(k)}
        try:
            columns = column_figures(user=user, pipeline=moved.pipeline, params=params, stage_ids=[from_stage_id, moved.stage_id])
        except ValidationFailed:
            columns = column_figures(user=user, pipeline=moved.pipeline, params={}, stage_ids=[from_stage_id, moved.stage_id])
        moved = selectors.opportunity_get_for_user(user=user, opportunity_id=pk)
        context = {
            "moved_cards": [moved],
            "columns": list(columns.values()),
            "currency": core_selectors.base_currency(),
            "deal_base": reverse("sales:opportunity_list"),
        }
        return render(request, "sales/partials/move_result.html", context)
    if not getattr(request, "htmx", False):
        messages.error(request, message)
        return redirect("sales:opportunity_detail", pk=pk)
    return _problem(message, status)

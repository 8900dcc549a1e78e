"""Setting up pipelines: the list, a pipeline's settings with its ordered stages, the stage editor.

Everyone may read the list; the settings pages are for administrators and
sales managers only: to anyone else they do not exist (404), as for
assignment rules. The stage table's actions answer HTMX
with the table again, a refusal shown above it; without HTMX they redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import pipelines, selectors
from rapport.sales.models import Pipeline, Stage
from rapport.sales.pipeline_forms import PipelineForm, StageForm
from rapport.sales.views.common import page_context


def _admin(request: HttpRequest) -> User:
    user = core_selectors.actor_of(request)
    if not pipelines.may_administer_pipelines(user):
        raise Http404("Only administrators and sales managers set up pipelines.")
    return user


def _pipeline(pk: int) -> Pipeline:
    try:
        return selectors.pipeline_get(pipeline_id=pk)
    except NotFound:
        raise Http404("No such pipeline.") from None


def _stage(pk: int) -> Stage:
    found = Stage.objects.select_related("pipeline").filter(pk=pk).first()
    if found is None:
        raise Http404("No such stage.")
    return found


@login_required
def pipeline_list(request: HttpRequest) -> HttpResponse:
    """Everyone sees how the pipelines are set up; administrators and sales managers change them."""
    user = core_selectors.actor_of(request)
    may_edit = pipelines.may_administer_pipelines(user)
    context = page_context("board", pipelines=selectors.pipeline_list(include_archived=may_edit), may_edit=may_edit)
    return render(request, "sales/pipelines/pipeline_list.html", context)


@login_required
def pipeline_create(request: HttpRequest) -> HttpResponse:
    if not pipelines.may_administer_pipelines(core_selectors.actor_of(request)):
        messages.error(request, _("Only administrators and sales managers set up pipelines."))
        return redirect("sales:pipeline_list")
    user = _admin(request)
    form = PipelineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = pipelines.pipeline_create(actor=user, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(exc)
        else:
            messages.success(
                request, _("Pipeline “%(name)s” created with starter stages; rename and add stages below.") % {"name": created.name}
            )
            return redirect("sales:pipeline_settings", pk=created.pk)
    return render(request, "sales/pipelines/pipeline_form.html", page_context("board", form=form), status=422 if form.errors else 200)


def _settings_context(pipeline: Pipeline, **extra: Any) -> dict[str, Any]:
    counts = pipelines.stage_deal_counts(pipeline=pipeline)
    rows = [(stage, counts.get(stage.pk, 0)) for stage in pipeline.stages.all()]
    return page_context("board", pipeline=pipeline, stage_rows=rows, **extra)


def _stages_response(request: HttpRequest, pipeline_id: int, *, error: str = "", stage_form: StageForm | None = None) -> HttpResponse:
    """The stage table again (HTMX) or the settings page (a plain form post), with the refusal if any."""
    pipeline = _pipeline(pipeline_id)
    status = 422 if error or (stage_form is not None and stage_form.errors) else 200
    if getattr(request, "htmx", False):
        context = _settings_context(pipeline, stage_error=error, stage_form=stage_form or StageForm())
        return render(request, "sales/pipelines/_stages.html", context, status=status)
    if error:
        messages.error(request, error)
    if stage_form is not None and stage_form.errors:
        return pipeline_settings(request, pipeline_id, stage_form=stage_form)
    return redirect("sales:pipeline_settings", pk=pipeline_id)


@login_required
def pipeline_settings(request: HttpRequest, pk: int, stage_form: StageForm | None = None) -> HttpResponse:
    """The pipeline's name, kind, default and archive flags, and its stages in order."""
    user = _admin(request)
    pipeline = _pipeline(pk)
    posted = request.method == "POST" and stage_form is None
    form = PipelineForm(request.POST if posted else None, record=pipeline)
    if posted and form.is_valid():
        try:
            pipelines.pipeline_update(actor=user, pipeline=pipeline, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("Pipeline saved."))
            return redirect("sales:pipeline_settings", pk=pk)
    context = _settings_context(pipeline, form=form, stage_form=stage_form or StageForm(), stage_error="")
    status = 422 if form.errors or (stage_form is not None and stage_form.errors) else 200
    return render(request, "sales/pipelines/pipeline_settings.html", context, status=status)


@login_required
@require_POST
def stage_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    pipeline = _pipeline(pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            pipelines.stage_create(actor=user, pipeline=pipeline, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(exc)
        else:
            return _stages_response(request, pk)
    return _stages_response(request, pk, stage_form=form)


@login_required
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    stage = _stage(pk)
    form = StageForm(request.POST if request.method == "POST" else None, record=stage)
    if request.method == "POST" and form.is_valid():
        try:
            pipelines.stage_update(actor=user, stage=stage, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("Stage “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect("sales:pipeline_settings", pk=stage.pipeline_id)
    context = page_context("board", form=form, stage=stage, pipeline=stage.pipeline)
    return render(request, "sales/pipelines/stage_form.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def stage_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    stage = _stage(pk)
    pipelines.stage_move(actor=user, stage=stage, by=-1 if request.POST.get("direction") == "up" else 1, via="web")
    return _stages_response(request, stage.pipeline_id)


def _stage_action(request: HttpRequest, pk: int, act: Callable[[User, Stage], object]) -> HttpResponse:
    """Run a stage-table action; a refusal goes above the table in the stage table's answer."""
    user = _admin(request)
    stage = _stage(pk)
    try:
        act(user, stage)
    except ValidationFailed as exc:
        return _stages_response(request, stage.pipeline_id, error=" ".join(m for ms in exc.field_errors.values() for m in ms))
    return _stages_response(request, stage.pipeline_id)


@login_required
@require_POST
def stage_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive (``archived=1``) or restore a stage from the table."""
    archived = request.POST.get("archived") == "1"
    return _stage_action(request, pk, lambda user, stage: pipelines.stage_update(actor=user, stage=stage, data={"is_archived": archived}))


@login_required
@require_POST
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _stage_action(request, pk, lambda user, stage: pipelines.stage_delete(actor=user, stage=stage))

"""Setting up pipelines and stages over REST.

Everyone signed in reads the pipelines;
administrators and sales managers change them (others get 403 from the
service). Bad input is a 422 naming the field: a stage deals sit in is not
deleted, its won/lost flags do not change under them.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.common.errors import NotFound
from rapport.common.ninja import Id
from rapport.core.selectors import actor_of
from rapport.sales import pipelines, selectors
from rapport.sales.models import Stage
from rapport.sales.schemas import PipelineOut, StageOut

router = Router(tags=["pipelines"])


class PipelineIn(Schema):
    """Every field optional so that PATCH sends only what changes; create needs a name."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100)
    kind: Literal["new_business", "renewal", "channel"] | None = None
    is_default: bool | None = Field(None, description="Make this the default pipeline (the old default stops being one)")
    is_archived: bool | None = Field(None, description="An archived pipeline takes no new deals and leaves the board")


class StageIn(Schema):
    """Every field optional so that PATCH sends only what changes; create needs a name and a probability."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=80)
    probability: int | None = Field(None, ge=0, le=100, description="Win probability in per cent; 100 for won, 0 for lost")
    is_won: bool | None = None
    is_lost: bool | None = None
    is_archived: bool | None = Field(None, description="An archived stage takes no deals; refused while deals are in it")


class StageOrderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    stage_ids: list[Id] = Field(max_length=100, description="Every stage of the pipeline once, open stages first, then won, then lost")


def _stage(stage_id: int) -> Stage:
    found = Stage.objects.filter(pk=stage_id).first()
    if found is None:
        raise NotFound("No such stage.")
    return found


def _fresh(pipeline_id: int) -> Any:
    return selectors.pipeline_get(pipeline_id=pipeline_id)


@router.get("/pipelines", response=list[PipelineOut], summary="Pipelines and their stages, in order, archived ones flagged")
def list_pipelines(request: HttpRequest) -> list[Any]:
    return selectors.pipeline_list(include_archived=True)


@router.post("/pipelines", response={201: PipelineOut}, summary="Add a pipeline with starter stages (administrators, sales managers)")
def create_pipeline(request: HttpRequest, payload: PipelineIn) -> Status[Any]:
    created = pipelines.pipeline_create(actor=actor_of(request), data=payload.model_dump(exclude_unset=True), via="api")
    return Status(201, _fresh(created.pk))


@router.get("/pipelines/{int:pipeline_id}", response=PipelineOut, summary="One pipeline and its stages, archived ones included")
def get_pipeline(request: HttpRequest, pipeline_id: Id) -> Any:
    return _fresh(pipeline_id)


@router.patch("/pipelines/{int:pipeline_id}", response=PipelineOut, summary="Rename, make default, archive or restore a pipeline")
def update_pipeline(request: HttpRequest, pipeline_id: Id, payload: PipelineIn) -> Any:
    data = payload.model_dump(exclude_unset=True)
    pipelines.pipeline_update(actor=actor_of(request), pipeline=_fresh(pipeline_id), data=data, via="api")
    return _fresh(pipeline_id)


@router.post("/pipelines/{int:pipeline_id}/stages", response={201: StageOut}, summary="Add a stage to a pipeline")
def create_stage(request: HttpRequest, pipeline_id: Id, payload: StageIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    return Status(201, pipelines.stage_create(actor=actor_of(request), pipeline=_fresh(pipeline_id), data=data, via="api"))


@router.put("/pipelines/{int:pipeline_id}/stage-order", response=list[StageOut], summary="Put a pipeline's stages in a new order")
def reorder_stages(request: HttpRequest, pipeline_id: Id, payload: StageOrderIn) -> list[Any]:
    return pipelines.stage_reorder(actor=actor_of(request), pipeline=_fresh(pipeline_id), stage_ids=payload.stage_ids, via="api")


@router.patch("/stages/{int:stage_id}", response=StageOut, summary="Rename a stage, change its probability or flags, archive or restore it")
def update_stage(request: HttpRequest, stage_id: Id, payload: StageIn) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return pipelines.stage_update(actor=actor_of(request), stage=_stage(stage_id), data=data, via="api")


@router.delete("/stages/{int:stage_id}", response={204: None}, summary="Delete a stage no deal is in and no history names")
def delete_stage(request: HttpRequest, stage_id: Id) -> Status[None]:
    pipelines.stage_delete(actor=actor_of(request), stage=_stage(stage_id), via="api")
    return Status(204, None)

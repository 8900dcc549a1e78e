"""Setting up pipelines and their stages: create, edit, reorder, archive, delete.

Pipelines are shared configuration: everyone reads them, administrators and
sales managers change them. A stage that deals sit in is never deleted, and
its won/lost flags do not change under those deals (their status mirrors the
flags); a stage that history names is archived instead of deleted, so the
funnel and the stage history keep their meaning.

Stages are ordered open first, then won and lost: the funnel counts "reached
stage k or beyond" on positions, which only means something in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, Role, User
from rapport.customers.validation import Errors, clean_text
from rapport.sales.models import Opportunity, OpportunityStatus, Pipeline, PipelineKind, Stage, StageChange

PIPELINE_FIELDS = ("name", "kind", "is_default", "is_archived")
STAGE_FIELDS = ("name", "probability", "is_won", "is_lost", "is_archived")
# Positions are moved out of the way before they are rewritten, so the unique (pipeline, position) holds at every step.
_PARKING = 1000
R = TypeVar("R", Pipeline, Stage)


def may_administer_pipelines(user: User) -> bool:
    return user.is_administrator or user.role == Role.SALES_MANAGER


def _require_admin(actor: User) -> None:
    if not may_administer_pipelines(actor):
        raise PermissionDenied("Only administrators and sales managers change pipelines.")


def _bool(data: Mapping[str, Any], field: str, errors: Errors) -> bool | None:
    if field not in data:
        return None
    if not isinstance(data[field], bool):
        errors.add(field, "Must be true or false.")
        return None
    return data[field]


def _unknown(data: Mapping[str, Any], allowed: Sequence[str], errors: Errors) -> None:
    for key in data:
        if key not in allowed:
            errors.add(key, "Unknown field.")


def _pipeline_snapshot(pipeline: Pipeline) -> dict[str, Any]:
    return {name: getattr(pipeline, name) for name in PIPELINE_FIELDS}


def _stage_snapshot(stage: Stage) -> dict[str, Any]:
    return {name: getattr(stage, name) for name in (*STAGE_FIELDS, "position")}


def _open_deal_count(pipeline: Pipeline) -> int:
    return Opportunity.objects.filter(pipeline=pipeline, status=OpportunityStatus.OPEN).count()


def _clean_pipeline(data: Mapping[str, Any], record: Pipeline | None) -> dict[str, Any]:
    errors = Errors()
    _unknown(data, PIPELINE_FIELDS, errors)
    values: dict[str, Any] = {}
    if "name" in data or record is None:
        name = clean_text(data.get("name"), field="name", max_length=100, errors=errors, required=True)
        clash = Pipeline.objects.annotate(lowered=Lower("name")).filter(lowered=name.lower())
        if name and (clash.exclude(pk=record.pk) if record else clash).exists():
            errors.add("name", f"There is already a pipeline called '{name}'.")
        values["name"] = name
    if "kind" in data:
        if data["kind"] not in PipelineKind.values:
            errors.add("kind", f"Choose one of {', '.join(PipelineKind.values)}.")
        values["kind"] = data["kind"]
    for field in ("is_default", "is_archived"):
        flag = _bool(data, field, errors)
        if flag is not None:
            values[field] = flag
    default = values.get("is_default", record.is_default if record else False)
    archived = values.get("is_archived", record.is_archived if record else False)
    if record is not None and record.is_default and values.get("is_default") is False:
        errors.add("is_default", "Make another pipeline the default instead; there is always one.")
    if default and archived:
        errors.add("is_archived", "The default pipeline cannot be archived; make another pipeline the default first.")
    elif archived and record is not None and not record.is_archived and (open_deals := _open_deal_count(record)):
        errors.add("is_archived", f"{open_deals} open opportunities are in this pipeline; close them before archiving it.")
    errors.raise_if_any()
    return values


def _starter_stages() -> list[tuple[str, int, bool, bool]]:
    """What a new pipeline starts with when no stages are given: something to rename, and the two ends."""
    return [
        (_("Qualification"), 20, False, False),
        (_("Proposal"), 60, False, False),
        (_("Won"), 100, True, False),
        (_("Lost"), 0, False, True),
    ]


def pipeline_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Pipeline:
    """A new pipeline with starter stages (Qualification, Proposal, Won, Lost) to rename and extend."""
    _require_admin(actor)
    values = _clean_pipeline(data, None)
    with transaction.atomic():
        if values.get("is_default"):
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        pipeline = Pipeline.objects.create(**values)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=name, position=position, probability=probability, is_won=won, is_lost=lost)
            for position, (name, probability, won, lost) in enumerate(_starter_stages(), start=1)
        )
        audit_record(actor=actor, action=AuditAction.CREATE, record=pipeline, changes=diff({}, _pipeline_snapshot(pipeline)), via=via)
    return pipeline


def pipeline_update(*, actor: User, pipeline: Pipeline, data: Mapping[str, Any], via: str = "web") -> Pipeline:
    """Rename, change the kind, make it the default (the old default stops being one), archive or restore."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        values = _clean_pipeline(data, locked)
        if values.get("is_default") and not locked.is_default:
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        _save_audited(actor=actor, record=locked, values=values, snapshot=_pipeline_snapshot, via=via)
    return locked


def _save_audited(
    *,
    actor: User,
    record: R,
    values: Mapping[str, Any],
    snapshot: Callable[[R], dict[str, Any]],
    via: str,
    then: Callable[[], None] | None = None,
) -> None:
    """Set the checked ``values`` on the row the caller has locked and save those fields only (and ``updated_at``);
    ``then`` does what follows from them inside the same lock (renumbering stages), and the audit entry shows the
    row as it ends up."""
    before = snapshot(record)
    for name, value in values.items():
        setattr(record, name, value)
    record.save(update_fields=[*values, "updated_at"])
    if then is not None:
        then()
    audit_record(actor=actor, action=AuditAction.UPDATE, record=record, changes=diff(before, snapshot(record)), via=via)


def _clean_stage(pipeline: Pipeline, data: Mapping[str, Any], record: Stage | None) -> dict[str, Any]:
    errors = Errors()
    _unknown(data, STAGE_FIELDS, errors)
    values: dict[str, Any] = {}
    if "name" in data or record is None:
        name = clean_text(data.get("name"), field="name", max_length=80, errors=errors, required=True)
        clash = Stage.objects.filter(pipeline=pipeline).annotate(lowered=Lower("name")).filter(lowered=name.lower())
        if name and (clash.exclude(pk=record.pk) if record else clash).exists():
            errors.add("name", f"The pipeline already has a stage called '{name}'.")
        values["name"] = name
    if "probability" in data or record is None:
        raw = data.get("probability")
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit() or int(raw) > 100:
            errors.add("probability", "A win probability is a whole number from 0 to 100.")
        else:
            values["probability"] = int(raw)
    for field in ("is_won", "is_lost", "is_archived"):
        flag = _bool(data, field, errors)
        if flag is not None:
            values[field] = flag
    merged = {**(_stage_snapshot(record) if record else {"is_won": False, "is_lost": False, "is_archived": False}), **values}
    if merged["is_won"] and merged["is_lost"]:
        errors.add("is_lost", "A stage is won or lost, not both.")
    elif merged["is_won"] and merged.get("probability", 100) != 100 and "probability" not in errors.fields:
        errors.add("probability", "A won stage has a win probability of 100.")
    elif merged["is_lost"] and merged.get("probability", 0) != 0 and "probability" not in errors.fields:
        errors.add("probability", "A lost stage has a win probability of 0.")
    if record is not None:
        _check_stage_change(record, values, errors)
    errors.raise_if_any()
    return values


def _check_stage_change(stage: Stage, values: Mapping[str, Any], errors: Errors) -> None:
    """Refuse what would strand the deals in the stage or leave the pipeline without an open stage."""
    deals = Opportunity.objects.filter(stage=stage).count()
    for field in ("is_won", "is_lost"):
        if field in values and values[field] != getattr(stage, field) and deals:
            errors.add(
                field, f"{deals} opportunities are in the stage '{stage.name}'; move them out before it changes between open and closed."
            )
    if values.get("is_archived") and not stage.is_archived and deals:
        errors.add("is_archived", f"{deals} opportunities are in the stage '{stage.name}'; move them to another stage before archiving it.")
    stays_open = (
        not values.get("is_won", stage.is_won)
        and not values.get("is_lost", stage.is_lost)
        and not values.get("is_archived", stage.is_archived)
    )
    if not stage.is_closed and not stage.is_archived and not stays_open and not _other_open_stages(stage):
        field = "is_archived" if values.get("is_archived") else "is_won" if values.get("is_won") else "is_lost"
        errors.add(field, f"'{stage.name}' is the pipeline's last open stage; new deals need one to start in.")


def _other_open_stages(stage: Stage) -> bool:
    return Stage.objects.filter(pipeline_id=stage.pipeline_id, is_won=False, is_lost=False, is_archived=False).exclude(pk=stage.pk).exists()


def _ordered(stages: Sequence[Stage]) -> list[Stage]:
    """Open stages first, then won, then lost, each group keeping its order."""
    return sorted(stages, key=lambda s: (s.is_lost, s.is_won, s.position, s.pk))


def stage_create(*, actor: User, pipeline: Pipeline, data: Mapping[str, Any], via: str = "web") -> Stage:
    """A new stage: an open one goes after the last open stage, a closed one at the end."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        values = _clean_stage(locked, data, None)
        existing = list(Stage.objects.filter(pipeline=locked))
        stage = Stage(pipeline=locked, position=max((s.position for s in existing), default=0) + _PARKING, **values)
        stage.save()
        _renumber(locked, _ordered([*existing, stage]))
        stage.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.CREATE, record=stage, changes=diff({}, _stage_snapshot(stage)), via=via)
    return stage


def stage_update(*, actor: User, stage: Stage, data: Mapping[str, Any], via: str = "web") -> Stage:
    """Rename, change the win probability, the won/lost flags (only while no deal is in it), archive or restore."""
    _require_admin(actor)
    with transaction.atomic():
        pipeline = Pipeline.objects.select_for_update().get(pk=stage.pipeline_id)
        locked = Stage.objects.get(pk=stage.pk)
        values = _clean_stage(pipeline, data, locked)

        def renumber() -> None:
            # Won and lost stages sit after the open ones: a stage that changes side moves.
            if "is_won" in values or "is_lost" in values:
                _renumber(pipeline, _ordered(list(Stage.objects.filter(pipeline=pipeline))))
                locked.refresh_from_db()

        _save_audited(actor=actor, record=locked, values=values, snapshot=_stage_snapshot, via=via, then=renumber)
    return locked


def stage_reorder(*, actor: User, pipeline: Pipeline, stage_ids: Sequence[int], via: str = "web") -> list[Stage]:
    """Put the pipeline's stages in the order given (every stage once; open stages before won and lost)."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        stages = {s.pk: s for s in Stage.objects.filter(pipeline=locked)}
        if len(stage_ids) != len(set(stage_ids)) or set(stage_ids) != set(stages):
            raise ValidationFailed.for_field("stage_ids", "List every stage of the pipeline once, in the new order.")
        wanted = [stages[pk] for pk in stage_ids]
        if wanted != _ordered_groups(wanted):
            raise ValidationFailed.for_field("stage_ids", "Open stages come first, then the won stages, then the lost ones.")
        before = {s.pk: s.position for s in wanted}
        _renumber(locked, wanted)
        after = {s.pk: s.position for s in wanted}
        if before != after:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                record=locked,
                changes={"stage_order": [[stages[pk].name for pk in sorted(before, key=before.__getitem__)], [s.name for s in wanted]]},
                via=via,
            )
    return wanted


def _ordered_groups(stages: list[Stage]) -> list[Stage]:
    """The same stages with the groups (open, won, lost) in order but each group's order kept as given."""
    return [s for s in stages if not s.is_closed] + [s for s in stages if s.is_won] + [s for s in stages if s.is_lost]


def stage_move(*, actor: User, stage: Stage, by: int, via: str = "web") -> list[Stage]:
    """Move a stage one place up (``by=-1``) or down inside its group; the page's arrows."""
    current = list(Stage.objects.filter(pipeline_id=stage.pipeline_id).order_by("position", "id"))
    index = next(i for i, s in enumerate(current) if s.pk == stage.pk)
    target = index + by
    if 0 <= target < len(current) and (current[target].is_won, current[target].is_lost) == (stage.is_won, stage.is_lost):
        current[index], current[target] = current[target], current[index]
    pipeline = Pipeline.objects.get(pk=stage.pipeline_id)
    return stage_reorder(actor=actor, pipeline=pipeline, stage_ids=[s.pk for s in current], via=via)


def _renumber(pipeline: Pipeline, ordered: Sequence[Stage]) -> None:
    """Positions 1..n in ``ordered``; the deals' furthest position follows its stage to the new number."""
    old = dict(Stage.objects.filter(pipeline=pipeline).values_list("pk", "position"))
    new = {stage.pk: position for position, stage in enumerate(ordered, start=1)}
    moved = {pk for pk in new if old.get(pk) != new[pk]}
    if moved:
        Stage.objects.filter(pk__in=moved).update(position=Case(*(When(pk=pk, then=Value(old[pk] + _PARKING * 2)) for pk in moved)))
        Stage.objects.filter(pk__in=moved).update(position=Case(*(When(pk=pk, then=Value(new[pk])) for pk in moved)))
        remap = [When(furthest_position=old[pk], then=Value(new[pk])) for pk in moved if old[pk] < _PARKING]
        if remap:
            Opportunity.objects.filter(pipeline=pipeline).update(
                furthest_position=Case(*remap, default=F("furthest_position"), output_field=IntegerField())
            )
    for stage in ordered:
        stage.position = new[stage.pk]


def stage_delete(*, actor: User, stage: Stage, via: str = "web") -> None:
    """Delete a stage no deal sits in and no history names; otherwise say why and suggest archiving."""
    _require_admin(actor)
    with transaction.atomic():
        pipeline = Pipeline.objects.select_for_update().get(pk=stage.pipeline_id)
        locked = Stage.objects.get(pk=stage.pk)
        deals = Opportunity.objects.filter(stage=locked).count()
        if deals:
            raise ValidationFailed.for_field(
                "stage_id", f"{deals} opportunities are in the stage '{locked.name}'; move them to another stage first, or archive it."
            )
        if StageChange.objects.filter(Q(from_stage=locked) | Q(to_stage=locked)).exists():
            raise ValidationFailed.for_field(
                "stage_id", f"The stage '{locked.name}' is in the history of past deals (the funnel counts it); archive it instead."
            )
        if not locked.is_closed and not locked.is_archived and not _other_open_stages(locked):
            raise ValidationFailed.for_field(
                "stage_id", f"'{locked.name}' is the pipeline's last open stage; new deals need one to start in."
            )
        before = _stage_snapshot(locked)
        record_id = locked.pk
        locked.delete()
        locked.pk = record_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=locked, changes=diff(before, {}), via=via)
        _renumber(pipeline, list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id")))


def stage_deal_counts(*, pipeline: Pipeline) -> dict[int, int]:
    """How many deals sit in each stage: the settings page says which stages can be deleted."""
    rows = Opportunity.objects.filter(pipeline=pipeline).order_by().values_list("stage_id").annotate(n=Count("id"))
    return dict(rows)

"""Writes to opportunities: create, change, move through the pipeline, delete.

Who may do what is the customers' rule (``core.policies``): an opportunity has
an owner, a team and may be shared with the team, like an account. Related
writes (contacts, competitors, costs) are in ``deal_services.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.common import events
from rapport.common.concurrency import save_if_version
from rapport.common.errors import PermissionDenied, StaleVersion, ValidationFailed
from rapport.common.money import CURRENCY_MINOR_UNITS
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, Team, User
from rapport.customers.selectors import visible_account, visible_contact
from rapport.customers.validation import Errors, clean_date, clean_text
from rapport.sales import selectors
from rapport.sales.defaults import create_default_pipelines
from rapport.sales.events import OpportunityLost, OpportunityStageChanged, OpportunityWon
from rapport.sales.models import ForecastCategory, Opportunity, OpportunityStatus, Pipeline, Stage, StageChange

# (field, max length) of the free-text fields.
TEXT_FIELDS = {"name": 200, "source": 80, "next_step": 255, "lost_reason": 200, "description": 20000}
EDITABLE = frozenset(
    {
        *TEXT_FIELDS,
        "account_id",
        "primary_contact_id",
        "amount",
        "currency",
        "expected_close_date",
        "forecast_category",
        "owner_id",
        "team_id",
        "shared_with_team",
        "partner_id",
        "partner_share",
    }
)
SERVER_FIELDS = frozenset({"id", "version", "status", "closed_at", "stage_entered_at", "furthest_position", "created_at", "updated_at"})
AUDITED = (*sorted(EDITABLE), "pipeline_id", "stage_id", "status")
# A deal's forecast category follows it into a closed stage; the owner sets it while it is open.
OPEN_CATEGORIES = (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT, ForecastCategory.OMITTED)


def sales_setup() -> int:
    """Create the default pipelines that are missing (after a flush, in a new demo); safe to repeat."""
    with transaction.atomic():
        return create_default_pipelines(Pipeline, Stage)


def require_writer(actor: User) -> None:
    if actor.role in policies.READ_ONLY and not actor.is_administrator:
        raise PermissionDenied("Your role may read opportunities but not change them.")


def require_editor(actor: User, opportunity: Opportunity) -> None:
    require_writer(actor)
    if not policies.can_edit(actor, opportunity):
        raise PermissionDenied("You may see this opportunity but not change it.")


def clean_amount(value: Any, *, field: str, errors: Errors, currency: str | None, positive: bool = False) -> Decimal | None:
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, f"'{value}' is not an amount.")
        return None
    if amount < 0 or (positive and amount == 0):
        errors.add(field, "Must be more than zero." if positive else "Must not be negative.")
    elif amount >= Decimal("1e16"):
        errors.add(field, "Too large.")
    elif currency in CURRENCY_MINOR_UNITS and -amount.as_tuple().exponent > CURRENCY_MINOR_UNITS[currency]:  # type: ignore[operator]
        errors.add(field, f"{currency} has {CURRENCY_MINOR_UNITS[currency]} decimal places.")
    return amount


def clean_currency(value: Any, *, errors: Errors, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if code not in CURRENCY_MINOR_UNITS:
        errors.add(field, f"'{value}' is not a supported ISO 4217 currency code.")
    return code


def _as_id(value: Any, field: str, errors: Errors) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.add(field, "Must be an id.")
        return None


def _clean_references(actor: User, data: Mapping[str, Any], values: dict[str, Any], errors: Errors) -> None:
    for field, resolve in (("account_id", visible_account), ("partner_id", visible_account), ("primary_contact_id", visible_contact)):
        if field not in data:
            continue
        ident = _as_id(data[field], field, errors)
        if ident is None:
            if field == "account_id" and field not in errors.fields:
                errors.add(field, "An opportunity needs an account.")
            values[field] = None
        elif resolve(actor, ident) is None:
            errors.add(field, f"No such record: {ident}.")
        else:
            values[field] = ident


def _clean_assignment(actor: User, data: Mapping[str, Any], record: Opportunity | None, values: dict[str, Any], errors: Errors) -> None:
    if "owner_id" not in data and "team_id" not in data:
        return
    owner = record.owner if record is not None else actor
    if "owner_id" in data and data["owner_id"] not in (None, ""):
        ident = _as_id(data["owner_id"], "owner_id", errors)
        found = User.objects.filter(pk=ident, is_active=True).select_related("team").first() if ident is not None else None
        if found is None:
            errors.add("owner_id", "No such user.")
            return
        owner = found
    team: Team | None = record.team if record is not None else owner.team
    if "team_id" in data:
        ident = _as_id(data["team_id"], "team_id", errors)
        team = Team.objects.filter(pk=ident).first() if ident is not None else None
        if ident is not None and team is None:
            errors.add("team_id", "No such team.")
            return
    elif "owner_id" in data:
        team = owner.team
    changed = record is None or owner.pk != record.owner_id or (team.pk if team else None) != record.team_id
    if changed and not policies.can_assign_to(actor, owner=owner, team=team):
        errors.add("owner_id" if "owner_id" in data else "team_id", "You may not assign opportunities to this owner or team.")
    values["owner_id"] = owner.pk
    values["team_id"] = team.pk if team else None


def _clean(actor: User, data: Mapping[str, Any], record: Opportunity | None) -> dict[str, Any]:
    """The fields to write, checked; every wrong field is named in one ValidationFailed."""
    errors = Errors()
    for key in data:
        if key in SERVER_FIELDS:
            errors.add(key, "This field is set by the server and cannot be changed.")
        elif key in {"pipeline_id", "stage_id"}:
            if record is not None:
                errors.add(key, "Move the opportunity to another stage with the move action.")
        elif key not in EDITABLE:
            errors.add(key, "Unknown field.")
    values: dict[str, Any] = {}
    for field, max_length in TEXT_FIELDS.items():
        if field in data:
            values[field] = clean_text(data[field], field=field, max_length=max_length, errors=errors, required=field == "name")
        elif record is None and field == "name":
            errors.add(field, "This field is required.")
    currency = record.currency if record is not None else settings.RAPPORT_BASE_CURRENCY
    if "currency" in data:
        currency = values["currency"] = clean_currency(data["currency"], errors=errors)
    if "amount" in data or "currency" in data:
        raw_amount = data.get("amount", record.amount if record is not None else 0)
        values["amount"] = clean_amount(raw_amount if raw_amount is not None else 0, field="amount", errors=errors, currency=currency)
    if record is None:
        values.setdefault("currency", currency)
    if "expected_close_date" in data or record is None:
        values["expected_close_date"] = clean_date(data.get("expected_close_date"), field="expected_close_date", errors=errors)
        if values["expected_close_date"] is None and "expected_close_date" not in errors.fields:
            errors.add("expected_close_date", "When do you expect to close? (YYYY-MM-DD)")
    if "forecast_category" in data:
        category = data["forecast_category"]
        if category not in OPEN_CATEGORIES:
            errors.add("forecast_category", f"Choose one of {', '.join(OPEN_CATEGORIES)} (closed follows the stage).")
        elif record is not None and record.status != OpportunityStatus.OPEN:
            errors.add("forecast_category", "A closed opportunity's forecast category follows its stage.")
        values["forecast_category"] = category
    if "shared_with_team" in data:
        if not isinstance(data["shared_with_team"], bool):
            errors.add("shared_with_team", "Must be true or false.")
        values["shared_with_team"] = bool(data["shared_with_team"])
    if record is None and "account_id" not in data:
        errors.add("account_id", "An opportunity needs an account.")
    _clean_references(actor, data, values, errors)
    _clean_partner(data, record, values, errors)
    _clean_assignment(actor, data, record, values, errors)
    errors.raise_if_any()
    return values


def _clean_partner(data: Mapping[str, Any], record: Opportunity | None, values: dict[str, Any], errors: Errors) -> None:
    if "partner_share" in data:
        raw = data["partner_share"]
        share = None if raw in (None, "") else clean_amount(raw, field="partner_share", errors=errors, currency=None)
        if share is not None and share > 100:
            errors.add("partner_share", "A share is between 0 and 100 per cent.")
        values["partner_share"] = share
    partner = values.get("partner_id", record.partner_id if record is not None else None)
    share = values.get("partner_share", record.partner_share if record is not None else None)
    if share is not None and partner is None and "partner_share" not in errors.fields:
        errors.add("partner_share", "A partner share needs a partner.")


def _snapshot(opportunity: Opportunity) -> dict[str, Any]:
    return {name: getattr(opportunity, name) for name in AUDITED}


def _initial_stage(data: Mapping[str, Any]) -> tuple[Pipeline, Stage]:
    errors = Errors()
    pipeline_id = _as_id(data.get("pipeline_id"), "pipeline_id", errors)
    stage_id = _as_id(data.get("stage_id"), "stage_id", errors)
    errors.raise_if_any()
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id).first() if stage_id else None
    if stage_id and stage is None:
        raise ValidationFailed.for_field("stage_id", f"No such stage: {stage_id}.")
    if pipeline_id:
        pipeline = Pipeline.objects.filter(pk=pipeline_id).first()
        if pipeline is None:
            raise ValidationFailed.for_field("pipeline_id", f"No such pipeline: {pipeline_id}.")
        if pipeline.is_archived:
            raise ValidationFailed.for_field("pipeline_id", f"The pipeline '{pipeline}' is archived; it takes no new deals.")
    elif stage is not None:
        pipeline = stage.pipeline
    else:
        found = selectors.pipeline_default()
        if found is None:
            raise ValidationFailed.for_field("pipeline_id", "There is no pipeline yet; an administrator sets them up first.")
        pipeline = found
    if stage is None:
        stage = Stage.objects.filter(pipeline=pipeline, is_won=False, is_lost=False, is_archived=False).order_by("position", "id").first()
        if stage is None:
            raise ValidationFailed.for_field("stage_id", f"The pipeline '{pipeline}' has no open stage.")
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationFailed.for_field("stage_id", f"The stage '{stage.name}' is not in the pipeline '{pipeline}'.")
    if stage.is_closed:
        raise ValidationFailed.for_field("stage_id", "A new opportunity starts in an open stage; move it to won or lost afterwards.")
    if stage.is_archived or pipeline.is_archived:
        field = "stage_id" if stage.is_archived else "pipeline_id"
        raise ValidationFailed.for_field(
            field,
            f"The {'stage' if stage.is_archived else 'pipeline'} '{stage.name if stage.is_archived else pipeline}' is archived; it takes no new deals.",
        )
    return pipeline, stage


def opportunity_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Opportunity:
    require_writer(actor)
    values = _clean(actor, data, None)
    pipeline, stage = _initial_stage(data)
    values.setdefault("owner_id", actor.pk)
    values.setdefault("team_id", actor.team_id)
    now = timezone.now()
    opportunity = Opportunity(pipeline=pipeline, stage=stage, stage_entered_at=now, furthest_position=stage.position, **values)
    with transaction.atomic():
        opportunity.save()
        StageChange.objects.create(
            opportunity=opportunity, to_stage=stage, at=now, by=actor, amount=opportunity.amount, currency=opportunity.currency
        )
        audit_record(actor=actor, action=AuditAction.CREATE, record=opportunity, changes=diff({}, _snapshot(opportunity)), via=via)
        events.publish(OpportunityStageChanged(opportunity.pk, pipeline.pk, None, stage.pk, actor.pk, via))
    return opportunity


def _lock(opportunity: Opportunity, expected_version: int | None) -> Opportunity:
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(current_version=locked.version)
    return locked


def opportunity_update(
    *, actor: User, opportunity: Opportunity, data: Mapping[str, Any], expected_version: int | None, via: str = "web"
) -> Opportunity:
    """Change the fields given if ``expected_version`` is still current; stages change with ``opportunity_move_stage``."""
    require_editor(actor, opportunity)
    if ("owner_id" in data or "team_id" in data) and not policies.can_delete(actor, opportunity):
        raise PermissionDenied("You may not reassign this opportunity.")
    values = _clean(actor, data, opportunity)
    with transaction.atomic():
        locked = _lock(opportunity, expected_version)
        if locked.status == OpportunityStatus.LOST and "lost_reason" in values and not values["lost_reason"]:
            raise ValidationFailed.for_field("lost_reason", "A lost opportunity keeps its lost reason.")
        before = _snapshot(locked)
        save_if_version(locked, expected_version=locked.version, fields=values)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
    return locked


def opportunity_move_stage(
    *,
    actor: User,
    opportunity: Opportunity,
    stage_id: int,
    expected_version: int | None,
    lost_reason: str | None = None,
    closed_on: dt.date | None = None,
    via: str = "web",
) -> Opportunity:
    """Move to another stage of the same pipeline, record the move, announce a win or loss.

    A lost deal needs a reason. Closing (won or lost) sets the close date to
    ``closed_on`` (today by default), so the forecast counts it in the month
    it closed. Of two moves carrying the same version one wins; the other gets
    ``StaleVersion`` and writes nothing.
    """
    require_editor(actor, opportunity)
    stage = Stage.objects.filter(pk=stage_id).first()
    if stage is None or stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationFailed.for_field("stage_id", "Choose a stage of this opportunity's pipeline.")
    if stage.is_archived:
        raise ValidationFailed.for_field("stage_id", f"The stage '{stage.name}' is archived; choose another stage.")
    reason = clean_text(lost_reason, field="lost_reason", max_length=200, errors=(errors := Errors()))
    errors.raise_if_any()
    with transaction.atomic():
        locked = _lock(opportunity, expected_version)
        if locked.stage_id == stage.pk:
            return locked
        reason = reason or locked.lost_reason
        if stage.is_lost and not reason:
            raise ValidationFailed.for_field("lost_reason", "Say why the opportunity was lost.")
        now = timezone.now()
        before = _snapshot(locked)
        previous_stage_id = locked.stage_id
        fields: dict[str, Any] = {"stage_id": stage.pk, "stage_entered_at": now}
        if not stage.is_lost and stage.position > locked.furthest_position:
            fields["furthest_position"] = stage.position
        if stage.is_closed:
            fields["status"] = OpportunityStatus.WON if stage.is_won else OpportunityStatus.LOST
            fields["forecast_category"] = ForecastCategory.CLOSED if stage.is_won else ForecastCategory.OMITTED
            fields["closed_at"] = now
            fields["expected_close_date"] = closed_on or timezone.localdate(now)
            fields["lost_reason"] = reason if stage.is_lost else ""
        elif locked.status != OpportunityStatus.OPEN:
            fields.update(status=OpportunityStatus.OPEN, forecast_category=ForecastCategory.PIPELINE, closed_at=None, lost_reason="")
        seconds = max(0, int((now - locked.stage_entered_at).total_seconds()))
        save_if_version(locked, expected_version=locked.version, fields=fields)
        locked.stage = stage
        StageChange.objects.create(
            opportunity=locked,
            from_stage_id=previous_stage_id,
            to_stage=stage,
            at=now,
            by=actor,
            seconds_in_previous=seconds,
            amount=locked.amount,
            currency=locked.currency,
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
        events.publish(OpportunityStageChanged(locked.pk, locked.pipeline_id, previous_stage_id, stage.pk, actor.pk, via))
        if stage.is_won:
            events.publish(OpportunityWon(locked.pk, locked.account_id, locked.owner_id, locked.amount, locked.currency, actor.pk, via))
        elif stage.is_lost:
            events.publish(OpportunityLost(locked.pk, locked.account_id, locked.owner_id, locked.lost_reason, actor.pk, via))
    return locked


def opportunity_delete(*, actor: User, opportunity: Opportunity, expected_version: int | None = None, via: str = "web") -> None:
    require_writer(actor)
    if not policies.can_delete(actor, opportunity):
        raise PermissionDenied("You may not delete this opportunity.")
    with transaction.atomic():
        locked = _lock(opportunity, expected_version)
        before = _snapshot(locked)
        record_id = locked.pk
        locked.delete()
        locked.pk = record_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=locked, changes=diff(before, {}), via=via)

"""Lead assignment rules: who gets a new lead, and the follow-up to-do they find.

Rules are tried in order; the first active rule whose conditions all hold
gives the lead to its user, or to one of its team's sales people by round
robin or to the one with the fewest open leads. A lead no rule matches keeps
its creator. Routing runs for every new lead (``handlers.py``) whatever door
it came through, and on demand for leads that were never routed.

The ordered rules are read once and kept in the cache until a rule changes,
so an import of 500 leads reads them once, not 500 times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext

from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, Role, Team, User
from rapport.customers import services as customer_services
from rapport.customers.activities import activity_create
from rapport.customers.models import Lead, LeadStatus
from rapport.customers.validation import Errors, clean_text
from rapport.sales.models import AssignmentDistribution, AssignmentRule, AssignmentState

FIELDS = ("industry", "region", "country", "source", "company_size")
CUSTOM_PREFIX = "custom."
OPERATORS = ("equals", "in", "startswith", "between", "gte", "lte")
RECEIVING_ROLES = (Role.SALES_REP, Role.SALES_MANAGER)
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED)
MAX_CONDITIONS = 20
CACHE_KEY = "sales:assignment-rules:v1"
# Other processes (the worker running an import) see a rule change at the latest this much later.
CACHE_SECONDS = 60
REROUTE_LIMIT = 5000
# Unrouted new leads younger than this are retried by the periodic job.
PENDING_DAYS = 14


@dataclass(frozen=True)
class Rule:
    """What routing needs of one rule, read once per batch."""

    id: int
    name: str
    conditions: tuple[dict[str, Any], ...]
    owner_id: int | None
    team: Team | None
    distribution: str
    create_follow_up: bool
    follow_up_hours: int


@dataclass
class RerouteResult:
    routed: int = 0
    unmatched: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


# -- conditions -----------------------------------------------------------------------


def _text(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _compare(actual: Any, bound: Any) -> int:
    """-1, 0 or 1; numbers compare as numbers, anything else (ISO dates too) as folded text."""
    a, b = _number(actual), _number(bound)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    x, y = _text(actual), _text(bound)
    return (x > y) - (x < y)


def lead_value(lead: Lead, name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return (lead.custom or {}).get(name.removeprefix(CUSTOM_PREFIX))
    return getattr(lead, name)


def condition_holds(condition: Mapping[str, Any], lead: Lead) -> bool:
    actual = lead_value(lead, condition["field"])
    if actual is None or (isinstance(actual, str) and not actual.strip()):
        return False
    operator, expected = condition["operator"], condition["value"]
    if operator == "equals":
        return _text(actual) == _text(expected)
    if operator == "in":
        return _text(actual) in {_text(v) for v in expected}
    if operator == "startswith":
        return _text(actual).startswith(_text(expected))
    if operator == "gte":
        return _compare(actual, expected) >= 0
    if operator == "lte":
        return _compare(actual, expected) <= 0
    low, high = expected
    return _compare(actual, low) >= 0 and _compare(actual, high) <= 0


def rule_matches(rule: Rule, lead: Lead) -> bool:
    return all(condition_holds(c, lead) for c in rule.conditions)


def _clean_condition(raw: Any, name: str, errors: Errors) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        errors.add(name, "Each condition is {field, operator, value}.")
        return None
    field_name = str(raw.get("field") or "").strip()
    operator = str(raw.get("operator") or "").strip()
    value = raw.get("value")
    if field_name not in FIELDS and not (field_name.startswith(CUSTOM_PREFIX) and len(field_name) > len(CUSTOM_PREFIX)):
        errors.add(f"{name}.field", f"'{field_name}' is not one of {', '.join(FIELDS)} or custom.<key>.")
        return None
    if operator not in OPERATORS:
        errors.add(f"{name}.operator", f"'{operator}' is not one of: {', '.join(OPERATORS)}.")
        return None
    if operator == "in":
        if isinstance(value, str):
            value = value.split(",")
        values = [str(v).strip() for v in value or [] if str(v).strip()] if isinstance(value, list | tuple) else []
        if not values:
            errors.add(f"{name}.value", "Give at least one value.")
            return None
        return {"field": field_name, "operator": operator, "value": values[:200]}
    if operator == "between":
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list | tuple) or len(value) != 2 or any(str(v).strip() == "" for v in value):
            errors.add(f"{name}.value", "Give a low and a high bound, e.g. 50, 200.")
            return None
        low, high = (str(v).strip() for v in value)
        if _compare(low, high) > 0:
            errors.add(f"{name}.value", "The low bound comes first.")
            return None
        return {"field": field_name, "operator": operator, "value": [low, high]}
    if isinstance(value, list | tuple | dict) or value is None or str(value).strip() == "":
        errors.add(f"{name}.value", "Give one value.")
        return None
    text = str(value).strip()
    if len(text) > 200:
        errors.add(f"{name}.value", "At most 200 characters.")
        return None
    if field_name == "company_size" and operator in {"gte", "lte"} and _number(text) is None:
        errors.add(f"{name}.value", "Company size is a number.")
        return None
    return {"field": field_name, "operator": operator, "value": text}


def clean_conditions(raw: Any, errors: Errors) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        errors.add("conditions", "Must be a list of conditions.")
        return []
    if len(raw) > MAX_CONDITIONS:
        errors.add("conditions", f"At most {MAX_CONDITIONS} conditions.")
        return []
    cleaned = [_clean_condition(item, f"conditions[{i}]", errors) for i, item in enumerate(raw)]
    return [c for c in cleaned if c is not None]


# -- the rules, read once -------------------------------------------------------------------


def active_rules() -> list[Rule]:
    """The active rules in order, from the cache while no rule changed."""
    rules: list[Rule] | None = cache.get(CACHE_KEY)
    if rules is None:
        rules = [
            Rule(
                id=r.pk,
                name=r.name,
                conditions=tuple(r.conditions),
                owner_id=r.owner_id,
                team=r.team,
                distribution=r.distribution,
                create_follow_up=r.create_follow_up,
                follow_up_hours=r.follow_up_hours,
            )
            for r in AssignmentRule.objects.filter(is_active=True).select_related("team").order_by("position", "id")
        ]
        cache.set(CACHE_KEY, rules, CACHE_SECONDS)
    return rules


def _forget_rules() -> None:
    # Now for this transaction's own routing, and again at commit in case
    # another process cached the old rules in between.
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def rule_for(lead: Lead, rules: Sequence[Rule] | None = None) -> Rule | None:
    """The rule that would fire for ``lead`` (saved or not), without assigning anything."""
    return next((r for r in (active_rules() if rules is None else rules) if rule_matches(r, lead)), None)


# -- routing ----------------------------------------------------------------------------


def _team_members(team_id: int) -> Any:
    return User.objects.filter(team_id=team_id, is_active=True, role__in=RECEIVING_ROLES).select_related("team").order_by("id")


def _pick_owner(rule: Rule) -> User | None:
    """The user the rule gives its next lead to; call inside a transaction (it locks the rule's state)."""
    if rule.owner_id is not None:
        return User.objects.filter(pk=rule.owner_id, is_active=True).select_related("team").first()
    assert rule.team is not None
    # One lead at a time per rule: two leads arriving together go to two people.
    state = AssignmentState.objects.select_for_update().filter(rule_id=rule.id).first()
    if state is None:  # made with the rule; only lost if someone deleted it by hand
        AssignmentState.objects.get_or_create(rule_id=rule.id)
        state = AssignmentState.objects.select_for_update().get(rule_id=rule.id)
    if rule.distribution == AssignmentDistribution.LEAST_LOADED:
        open_leads = (
            Lead.objects.filter(owner=OuterRef("pk"), status__in=OPEN_LEAD_STATUSES)
            .order_by()
            .values("owner")
            .annotate(n=Count("pk"))
            .values("n")
        )
        load = Coalesce(Subquery(open_leads, output_field=IntegerField()), Value(0))
        chosen = _team_members(rule.team.pk).annotate(load=load).order_by("load", "id").first()
    else:
        members = list(_team_members(rule.team.pk))
        last = state.last_assigned_id or 0
        chosen = next((m for m in members if m.pk > last), members[0] if members else None)
    if chosen is not None:
        state.last_assigned = chosen
        state.assigned_count += 1
        state.save(update_fields=["last_assigned", "assigned_count"])
    return chosen


def _follow_up(rule: Rule, lead: Lead, owner: User, via: str) -> None:
    with translation.override(owner.language or None):
        subject = gettext("Follow up on new lead: %(lead)s") % {"lead": lead}
        details = gettext("Assigned to you by the rule “%(rule)s”.") % {"rule": rule.name}
    due_at = timezone.now() + dt.timedelta(hours=rule.follow_up_hours)
    # The new owner is the actor: the importer may no longer see the lead once it is routed away.
    activity_create(actor=owner, kind="task", subject=subject, details=details, due_at=due_at, lead_id=lead.pk, via=via)


def lead_route(*, lead: Lead, rules: Sequence[Rule] | None = None, via: str = "rule", follow_up: bool = True) -> Rule | None:
    """Give ``lead`` to the owner the first matching rule names; returns that rule, or None.

    A matching rule that has no one to give the lead to (its user left, its
    team has no active sales people) is passed over for the next one.
    ``lead`` is updated in place (owner, team, ``routed_by``). ``follow_up``
    False leaves the to-do to the caller: an import gives each owner one
    to-do for all their new leads, not one per lead.
    """
    for rule in active_rules() if rules is None else rules:
        if not rule_matches(rule, lead):
            continue
        with transaction.atomic():
            owner = _pick_owner(rule)
            if owner is None:
                continue
            team = rule.team if rule.team is not None else owner.team
            assigned = customer_services.lead_assign(actor=None, lead=lead, owner=owner, team=team, rule_label=rule.name, via=via)
            lead.owner, lead.team, lead.routed_by, lead.version = owner, team, assigned.routed_by, assigned.version
            if rule.create_follow_up and follow_up:
                _follow_up(rule, lead, owner, via)
        return rule
    return None


def leads_reroute(*, actor: User, via: str = "web") -> RerouteResult:
    """Route again the open leads no rule has routed yet (e.g. after adding a rule), among those the actor sees."""
    if not (actor.is_administrator or actor.role == Role.SALES_MANAGER):
        raise PermissionDenied("Only administrators and sales managers re-route leads.")
    rules = active_rules()
    result = RerouteResult()
    leads = policies.restrict(Lead.objects.all(), actor).filter(status=LeadStatus.NEW, routed_by="").order_by("id")
    for lead in leads[:REROUTE_LIMIT]:
        fired = lead_route(lead=lead, rules=rules, via=via)
        if fired is None:
            result.unmatched += 1
        else:
            result.routed += 1
            result.by_rule[fired.name] = result.by_rule.get(fired.name, 0) + 1
    return result


def leads_route_pending(*, via: str = "scheduler") -> RerouteResult:
    """Try again the new leads that were never routed (no rule matched, or no one could take them).

    The worker runs this every few minutes (``tasks.py``), so a lead that
    arrived while a team had no active rep, or before its rule was written,
    still lands with the right person. Only leads of the last
    ``PENDING_DAYS`` days are retried: an older unrouted lead is its
    creator's by now.
    """
    rules = active_rules()
    result = RerouteResult()
    if not rules:
        return result
    since = timezone.now() - dt.timedelta(days=PENDING_DAYS)
    pending = Lead.objects.filter(status=LeadStatus.NEW, routed_by="", created_at__gte=since).order_by("id")
    for lead in pending[:REROUTE_LIMIT]:
        fired = lead_route(lead=lead, rules=rules, via=via)
        if fired is None:
            result.unmatched += 1
        else:
            result.routed += 1
            result.by_rule[fired.name] = result.by_rule.get(fired.name, 0) + 1
    return result


# -- editing the rules (administrators) ----------------------------------------------------------

EDITABLE = frozenset({"name", "is_active", "conditions", "owner_id", "team_id", "distribution", "create_follow_up", "follow_up_hours"})


def _require_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied("Only administrators change assignment rules.")


def _clean_target(data: Mapping[str, Any], rule: AssignmentRule | None, values: dict[str, Any], errors: Errors) -> None:
    owner_id = data.get("owner_id", rule.owner_id if rule else None) or None
    team_id = data.get("team_id", rule.team_id if rule else None) or None
    if (owner_id is None) == (team_id is None):
        errors.add("owner_id", "Give the lead to one user or to one team.")
        return
    try:
        ident = int(owner_id if owner_id is not None else team_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.add("owner_id" if owner_id else "team_id", "Must be an id.")
        return
    if owner_id is not None and not User.objects.filter(pk=ident, is_active=True).exists():
        errors.add("owner_id", "No such user.")
    elif team_id is not None and not Team.objects.filter(pk=ident).exists():
        errors.add("team_id", "No such team.")
    values["owner_id"], values["team_id"] = (ident, None) if owner_id is not None else (None, ident)


def _clean(data: Mapping[str, Any], rule: AssignmentRule | None) -> dict[str, Any]:
    errors = Errors()
    for key in data:
        if key not in EDITABLE:
            errors.add(key, "This field is set by the server and cannot be changed." if key in {"id", "position"} else "Unknown field.")
    values: dict[str, Any] = {}
    if "name" in data or rule is None:
        values["name"] = clean_text(data.get("name"), field="name", max_length=120, errors=errors, required=True)
    if "conditions" in data:
        values["conditions"] = clean_conditions(data["conditions"], errors)
    for name in ("is_active", "create_follow_up"):
        if name in data:
            if not isinstance(data[name], bool):
                errors.add(name, "Must be true or false.")
            values[name] = bool(data[name])
    if "distribution" in data:
        if data["distribution"] not in AssignmentDistribution.values:
            errors.add("distribution", f"Choose one of: {', '.join(AssignmentDistribution.values)}.")
        values["distribution"] = data["distribution"]
    if "follow_up_hours" in data:
        hours = _number(data["follow_up_hours"])
        if hours is None or hours != int(hours) or not 0 <= hours <= 24 * 90:
            errors.add("follow_up_hours", "A whole number of hours between 0 and 2160 (90 days).")
        else:
            values["follow_up_hours"] = int(hours)
    if "owner_id" in data or "team_id" in data or rule is None:
        _clean_target(data, rule, values, errors)
    errors.raise_if_any()
    return values


def _snapshot(rule: AssignmentRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in ("name", "position", "is_active", *sorted(EDITABLE - {"name", "is_active"}))}


def assignment_rule_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> AssignmentRule:
    """Add a rule at the end of the list."""
    _require_admin(actor)
    values = _clean(data, None)
    with transaction.atomic():
        last = AssignmentRule.objects.select_for_update().order_by("-position").values_list("position", flat=True).first()
        rule = AssignmentRule.objects.create(position=(last + 1) if last is not None else 0, **values)
        AssignmentState.objects.create(rule=rule)
        audit_record(actor=actor, action=AuditAction.CREATE, record=rule, changes=diff({}, _snapshot(rule)), via=via)
        _forget_rules()
    return rule


def assignment_rule_update(*, actor: User, rule: AssignmentRule, data: Mapping[str, Any], via: str = "web") -> AssignmentRule:
    _require_admin(actor)
    values = _clean(data, rule)
    with transaction.atomic():
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        before = _snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*values, "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
        _forget_rules()
    return locked


def assignment_rule_reorder(*, actor: User, rule_ids: Sequence[int], via: str = "web") -> list[AssignmentRule]:
    """Put the rules in the order given; every rule must be named once."""
    _require_admin(actor)
    with transaction.atomic():
        rules = {r.pk: r for r in AssignmentRule.objects.select_for_update().order_by("id")}
        if sorted(rule_ids) != sorted(rules) or len(set(rule_ids)) != len(rule_ids):
            raise ValidationFailed.for_field("rule_ids", "Name every rule exactly once.")
        for position, ident in enumerate(rule_ids):
            rule = rules[ident]
            if rule.position != position:
                audit_record(actor=actor, action=AuditAction.UPDATE, record=rule, changes={"position": [rule.position, position]}, via=via)
                rule.position = position
                rule.save(update_fields=["position", "updated_at"])
        _forget_rules()
    return [rules[i] for i in rule_ids]


def assignment_rule_move(*, actor: User, rule: AssignmentRule, by: int, via: str = "web") -> list[AssignmentRule]:
    """Move a rule up (``by`` < 0) or down the list."""
    order = list(AssignmentRule.objects.order_by("position", "id").values_list("id", flat=True))
    index = order.index(rule.pk)
    order.insert(max(0, min(len(order) - 1, index + by)), order.pop(index))
    return assignment_rule_reorder(actor=actor, rule_ids=order, via=via)


def assignment_rule_delete(*, actor: User, rule: AssignmentRule, via: str = "web") -> None:
    _require_admin(actor)
    with transaction.atomic():
        before = _snapshot(rule)
        pk = rule.pk
        rule.delete()
        rule.pk = pk
        audit_record(actor=actor, action=AuditAction.DELETE, record=rule, changes=diff(before, {}), via=via)
        _forget_rules()


def assignment_rule_list() -> QuerySet[AssignmentRule]:
    """Every rule in the order tried. Anyone signed in may read them: they say where leads go."""
    return AssignmentRule.objects.select_related("owner", "team").order_by("position", "id")


def rule_for_sample(*, user: User, sample: Mapping[str, Any]) -> Rule | None:
    """Which rule would fire for a lead with these fields: the rule editor's "test a sample lead"."""
    _require_admin(user)
    lead = Lead(**{k: sample.get(k) or "" for k in ("industry", "region", "country", "source")})
    size = _number(sample.get("company_size"))
    lead.company_size = int(size) if size is not None else None
    lead.custom = {str(k): v for k, v in (sample.get("custom") or {}).items()}
    return rule_for(lead)

"""Who may see and change customer records: decided here and nowhere else.

Every customer record has an ``owner`` (a user) and a ``team``, and may be
shared with its team. The rules, by role:

* administrators, service agents and marketers see every customer (the call
  centre must recognise any caller; segments run over the whole base);
* a sales manager sees the records of their team and its sub-teams, and the
  records owned by anyone who reports to them, directly or not;
* an analyst sees what a manager of their team would (aggregates are computed
  elsewhere; per-customer drill-down obeys this);
* a sales rep sees records they own and records shared with their team.

Editing follows seeing, except that marketers and analysts only read, and a
service agent edits contact details but does not reassign or delete.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from rapport.core.models import Role, Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

M = TypeVar("M", bound=Model)

SEES_ALL = {Role.ADMINISTRATOR, Role.SERVICE_AGENT, Role.MARKETER}
READ_ONLY = {Role.MARKETER, Role.ANALYST}
# Marketing brings leads in (a trade show's cards, a campaign's replies); the assignment rules hand them to the reps.
# Beyond that a marketer reads.
BRINGS_IN_LEADS = {Role.MARKETER}
# Who plans campaigns, books their costs and records their outcome; everyone signed in reads them (a rep
# needs to know what the exhibition was and who came to the lecture).
RUNS_CAMPAIGNS = {Role.MARKETER, Role.SALES_MANAGER}


def team_subtree_ids(team_id: int | None) -> set[int]:
    """The team and every team below it."""
    if team_id is None:
        return set()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Team.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [team_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def subordinate_ids(user_id: int) -> set[int]:
    """Everyone who reports to the user, directly or through other managers."""
    reports: dict[int | None, list[int]] = {}
    for pk, manager_id in User.objects.filter(manager__isnull=False).values_list("id", "manager_id"):
        reports.setdefault(manager_id, []).append(pk)
    found: set[int] = set()
    stack = list(reports.get(user_id, []))
    while stack:
        current = stack.pop()
        if current in found or current == user_id:
            continue
        found.add(current)
        stack.extend(reports.get(current, []))
    return found


def _scope(user: User) -> tuple[str, set[int], set[int]]:
    """(kind, team ids, user ids) for a user; cached on the user object for one request."""
    cached = getattr(user, "_rapport_scope", None)
    if cached is not None:
        return cached
    if user.is_administrator or user.role in SEES_ALL:
        scope: tuple[str, set[int], set[int]] = ("all", set(), set())
    elif user.role in {Role.SALES_MANAGER, Role.ANALYST}:
        scope = ("tree", team_subtree_ids(user.team_id), subordinate_ids(user.pk) | {user.pk})
    else:
        scope = ("own", {user.team_id} if user.team_id else set(), {user.pk})
    user._rapport_scope = scope  # type: ignore[attr-defined]
    return scope


def ownership_parts(user: User, *, prefix: str = "") -> list[Q] | None:
    """What a user may see as the parts whose union it is: by owner, then by team; None means everything.

    A rep's own records and their team's shared ones; a manager's people's
    records and their teams'. An index led by the owner or the team serves each
    part on its own (global search walks them one by one).
    """
    kind, team_ids, user_ids = _scope(user)
    if kind == "all":
        return None
    if kind == "tree":
        return [Q(**{f"{prefix}owner_id__in": user_ids}), Q(**{f"{prefix}team_id__in": team_ids})]
    return [Q(**{f"{prefix}owner_id": user.pk}), Q(**{f"{prefix}team_id__in": team_ids, f"{prefix}shared_with_team": True})]


def ownership_q(user: User, *, prefix: str = "") -> Q | None:
    """The filter on owner/team fields that a user may see; None means everything."""
    parts = ownership_parts(user, prefix=prefix)
    if parts is None:
        return None
    by_owner, by_team = parts
    return by_owner | by_team


def ownership_branches(user: User, *, owner_id: int | None = None, team_id: int | None = None) -> list[Q]:
    """The parts of a rep's view that an index each serves in list order: their own records, their team's shared ones.

    Empty when the view is one part or everything (lists then read it in one query). A list filtered by
    owner or team leaves out the part that cannot hold such a row, or that the other part already holds: a
    rep's "my contacts" is their own part alone (its shared part cost 10 ms at 1,000,000 for nothing).
    """
    kind, team_ids, _ = _scope(user)
    if kind != "own" or not team_ids:
        return []
    own, shared = Q(owner_id=user.pk), Q(team_id__in=team_ids, shared_with_team=True)
    if owner_id == user.pk:
        return [own]
    if owner_id is not None:
        return [shared]
    if team_id is not None and team_id not in team_ids:
        return [own]
    return [own, shared]


def restrict(queryset: QuerySet[M], user: User | AnonymousUser, *, prefix: str = "") -> QuerySet[M]:
    """The rows of ``queryset`` (a model with owner/team) that ``user`` may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    assert isinstance(user, User)
    condition = ownership_q(user, prefix=prefix)
    return queryset if condition is None else queryset.filter(condition)


def can_see(user: User, record: Any) -> bool:
    kind, team_ids, user_ids = _scope(user)
    if kind == "all":
        return True
    if kind == "tree":
        return record.owner_id in user_ids or record.team_id in team_ids
    return record.owner_id == user.pk or (record.shared_with_team and record.team_id in team_ids)


def can_create(user: User, record_type: str) -> bool:
    """May ``user`` add a new ``record_type`` ("account", "contact", "lead")?"""
    if user.is_administrator or user.role not in READ_ONLY:
        return True
    return record_type == "lead" and user.role in BRINGS_IN_LEADS


def can_run_campaigns(user: User) -> bool:
    return user.is_administrator or user.role in RUNS_CAMPAIGNS


def can_record_responses(user: User) -> bool:
    """Marketing records who answered a campaign, and so does the rep who ran the lecture; analysts read."""
    return user.is_administrator or user.role != Role.ANALYST


def can_edit(user: User, record: Any) -> bool:
    if user.role in READ_ONLY and not user.is_administrator:
        return False
    return can_see(user, record)


def can_delete(user: User, record: Any) -> bool:
    if user.role == Role.SERVICE_AGENT and not user.is_administrator:
        return False
    return can_edit(user, record)


def can_assign_to(user: User, *, owner: User, team: Team | None) -> bool:
    """May ``user`` give a record to ``owner`` / ``team``?

    A rep keeps records in their own hands and team; a manager hands them to
    anyone in their tree; an administrator to anyone.
    """
    if user.is_administrator:
        return True
    _, team_ids, user_ids = _scope(user)
    if user.role == Role.SALES_MANAGER:
        return owner.pk in user_ids and (team is None or team.pk in team_ids)
    return owner.pk == user.pk and (team is None or team.pk == user.team_id)


def can_manage_users(user: User) -> bool:
    return user.is_administrator


def visible_user_ids(user: User) -> Iterable[int] | None:
    """Users whose names a user may pick as owners; None means all."""
    kind, _, user_ids = _scope(user)
    return None if kind == "all" else user_ids


# Dashboards add up figures. Analysts and administrators read the whole base's figures (their work is
# the whole base, and an analyst outside any team would otherwise see nothing); everyone else's figures
# cover what they may see, so a manager's dashboard is their team's and a rep's their own.
FIGURES_OF_ALL = {Role.ADMINISTRATOR, Role.ANALYST}


def figures_q(user: User, *, prefix: str = "") -> Q | None:
    """The filter on owner/team fields of the records whose figures a user's dashboards add up; None means all."""
    if user.is_administrator or user.role in FIGURES_OF_ALL:
        return None
    return ownership_q(user, prefix=prefix)


def restrict_figures(queryset: QuerySet[M], user: User, *, prefix: str = "") -> QuerySet[M]:
    """The rows of ``queryset`` that count in ``user``'s dashboards (see ``figures_q``)."""
    if not user.is_active:
        return queryset.none()
    condition = figures_q(user, prefix=prefix)
    return queryset if condition is None else queryset.filter(condition)


def figures_user_ids(user: User) -> Iterable[int] | None:
    """Users whose quotas count in ``user``'s dashboards; None means all."""
    if user.is_administrator or user.role in FIGURES_OF_ALL:
        return None
    return visible_user_ids(user)

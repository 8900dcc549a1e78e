"""Cases: reads scoped to the user, and every write (open, change, resolve, close, reopen).

Who sees a case: whoever sees its account (the rep who looks after the customer reads its complaints)
and whoever owns it (the agent who took it). Service agents see all. A change applies only to the
version the client read (``save_if_version``); opening and resolving a case put a note on the account's
timeline, so every channel's history shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.common.concurrency import save_if_version
from rapport.common.errors import Conflict, NotFound, ValidationFailed
from rapport.common.ninja import is_id
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.models import CONTACT_CHANNELS, Account
from rapport.customers.selectors import visible_account, visible_contact
from rapport.customers.services import timeline_note
from rapport.customers.validation import Errors, clean_choice, clean_text
from rapport.sales.catalog_models import Product
from rapport.sales.services import require_writer
from rapport.service.models import OPEN_STATUSES, RESOLVE_WITHIN, Case, CaseKind, CasePriority, CaseStatus
from rapport.service.surveys import survey_for_resolved_case

EDITABLE = frozenset({"subject", "description", "kind", "priority", "contact_id", "product_id", "shared_with_team", "status"})
CREATE_FIELDS = (EDITABLE - {"status"}) | {"account_id", "channel"}
AUDITED = ("subject", "description", "kind", "priority", "status", "channel", "account_id", "contact_id", "product_id", "resolution")
# A person moves an open case between open and waiting; resolved and closed come from resolve and close.
SETTABLE_STATUSES = OPEN_STATUSES
# The queue's status filter: "open" is every case still being worked (open or waiting), "all" every case.
FILTER_STATUSES = ("open", "waiting", "resolved", "closed", "all")


# -- reads ------------------------------------------------------------------------------


def case_visibility_q(user: User) -> Q | None:
    """Cases about an account the user sees, or that the user owns; None: every case."""
    by_account = policies.ownership_q(user, prefix="account__")
    if by_account is None:
        return None
    return by_account | Q(owner_id=user.pk)


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    base = Case.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    condition = case_visibility_q(user)
    return base if condition is None else base.filter(condition)


def case_get_for_user(*, user: User, case_id: int) -> Case:
    found = case_list_for_user(user=user).select_related("account", "contact", "product", "owner", "team").filter(pk=case_id).first()
    if found is None:
        raise NotFound("No such case.")
    return found


def open_cases_of_account(*, user: User, account: Account, limit: int = 10) -> list[Case]:
    """The account's open cases the user may see, the soonest due first (the screen pop's "open cases")."""
    visible = case_list_for_user(user=user).filter(account=account, status__in=OPEN_STATUSES)
    return list(visible.select_related("contact").order_by("due_at", "id")[:limit])


@dataclass(frozen=True)
class CaseFilter:
    """The case list's filters, as the page and the API take them."""

    status: str = "open"  # open (open and waiting), waiting, resolved, closed, all
    priority: str = ""
    kind: str = ""
    mine: bool = False
    overdue: bool = False
    account_id: int | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CaseFilter:
        errors = Errors()
        status = clean_choice(params, "status", FILTER_STATUSES, errors=errors, default="open")
        priority = clean_choice(params, "priority", CasePriority.values, errors=errors)
        kind = clean_choice(params, "kind", CaseKind.values, errors=errors)
        account = params.get("account_id")
        account_id = None
        if account not in (None, ""):
            if not is_id(account):
                errors.add("account_id", "Must be an id.")
            else:
                account_id = int(str(account))
        errors.raise_if_any()
        return cls(
            status=status,
            priority=priority,
            kind=kind,
            mine=_flag(params.get("mine")),
            overdue=_flag(params.get("overdue")),
            account_id=account_id,
            q=str(params.get("q") or "").strip()[:100],
        )

    def apply(self, cases: QuerySet[Case], *, user: User, now: datetime | None = None) -> QuerySet[Case]:
        if self.status == "open":
            cases = cases.filter(status__in=OPEN_STATUSES)
        elif self.status != "all":
            cases = cases.filter(status=self.status)
        if self.priority:
            cases = cases.filter(priority=self.priority)
        if self.kind:
            cases = cases.filter(kind=self.kind)
        if self.mine:
            cases = cases.filter(owner_id=user.pk)
        if self.overdue:
            cases = cases.filter(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())
        if self.account_id is not None:
            cases = cases.filter(account_id=self.account_id)
        if self.q:
            cases = cases.filter(Q(subject__icontains=self.q) | Q(number__icontains=self.q))
        return cases


def _flag(value: Any) -> bool:
    return str(value or "").lower() in ("1", "true", "on", "yes")


# -- checking input ---------------------------------------------------------------------


def _clean(actor: User, data: Mapping[str, Any], *, allowed: frozenset[str], current: Case | None) -> dict[str, Any]:
    errors = Errors()
    for key in data:
        if key not in allowed:
            errors.add(key, "This field is set by the server and cannot be changed." if hasattr(Case, key) else "Unknown field.")
    values: dict[str, Any] = {}
    if "account_id" in data and "account_id" in allowed:
        account = visible_account(actor, int(str(data["account_id"]))) if is_id(data["account_id"]) else None
        if account is None:
            errors.add("account_id", "Choose an account you can see.")
        else:
            values["account_id"] = account.pk
    account_id = values.get("account_id", current.account_id if current else None)
    if "contact_id" in data and "contact_id" in allowed:
        raw = data["contact_id"]
        if raw in (None, ""):
            values["contact_id"] = None
        else:
            contact = visible_contact(actor, int(str(raw))) if is_id(raw) else None
            if contact is None:
                errors.add("contact_id", "Choose a contact you can see.")
            elif account_id is not None and contact.account_id != account_id:
                errors.add("contact_id", "Choose a contact of the case's account.")
            else:
                values["contact_id"] = contact.pk
    if "product_id" in data and "product_id" in allowed:
        raw = data["product_id"]
        if raw in (None, ""):
            values["product_id"] = None
        elif not is_id(raw) or not Product.objects.filter(pk=int(str(raw))).exists():
            errors.add("product_id", f"No such product: {raw}.")
        else:
            values["product_id"] = int(str(raw))
    if "subject" in data:
        values["subject"] = clean_text(data["subject"], field="subject", max_length=200, errors=errors, required=True)
    if "description" in data:
        values["description"] = clean_text(data["description"], field="description", max_length=20_000, errors=errors)
    for name, choices in (("kind", CaseKind), ("priority", CasePriority)):
        if name in data:
            if data[name] not in choices.values:
                errors.add(name, f"Choose one of {', '.join(choices.values)}.")
            else:
                values[name] = data[name]
    if "channel" in data and "channel" in allowed:
        if data["channel"] not in CONTACT_CHANNELS:
            errors.add("channel", f"Choose one of {', '.join(CONTACT_CHANNELS)}.")
        else:
            values["channel"] = data["channel"]
    if "shared_with_team" in data:
        values["shared_with_team"] = bool(data["shared_with_team"])
    if "status" in data and "status" in allowed:
        if data["status"] not in SETTABLE_STATUSES:
            errors.add("status", "Choose open or waiting; a case is resolved with its answer and closed after.")
        elif current is not None and not current.is_open:
            errors.add("status", "This case is resolved; reopen it first.")
        else:
            values["status"] = data["status"]
    errors.raise_if_any()
    return values


def _snapshot(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in AUDITED}


def _due(priority: str, since: datetime) -> datetime:
    return since + RESOLVE_WITHIN[CasePriority(priority)]


# -- writes -----------------------------------------------------------------------------


def may_change(user: User, case: Case) -> bool:
    """Whoever may change the case's account, or owns the case, may work on it; marketers and analysts read."""
    if not policies.can_edit(user, case.account) and case.owner_id != user.pk and not policies.can_edit(user, case):
        return False
    return user.is_administrator or user.role not in policies.READ_ONLY


def require_case_editor(actor: User, case: Case) -> None:
    require_writer(actor)
    if not may_change(actor, case):
        raise NotFound("No such case.")


def case_open(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Case:
    """A case about an account the actor sees, owned by the actor and due by its priority; nothing is stored unless all is valid."""
    require_writer(actor)
    missing = {name: ["This field is required."] for name in ("subject", "account_id") if name not in data}
    try:
        values = _clean(actor, data, allowed=CREATE_FIELDS, current=None)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field_errors={**missing, **exc.field_errors}) from None
    if missing:
        raise ValidationFailed("Validation failed", field_errors=missing)
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            owner=actor, team_id=actor.team_id, due_at=_due(values.get("priority", CasePriority.NORMAL), now), **values
        )
        case.number = f"CS-{case.pk:06d}"
        Case.objects.filter(pk=case.pk).update(number=case.number)
        audit_record(actor=actor, action=AuditAction.CREATE, record=case, changes=diff({}, _snapshot(case)), via=via)
        timeline_note(account_id=case.account_id, subject=f"Case {case.number} opened: {case.subject}", concerns=f"service.case:{case.pk}")
    return case


def case_update(*, actor: User, case: Case, data: Mapping[str, Any], expected_version: int | None, via: str = "web") -> Case:
    """Change the fields given if ``expected_version`` is still the stored one (else 412, nothing written).

    A new priority moves the due time: the agreement counts from when the case was opened.
    """
    require_case_editor(actor, case)
    values = _clean(actor, data, allowed=EDITABLE, current=case)
    if "priority" in values and values["priority"] != case.priority:
        values["due_at"] = _due(values["priority"], case.created_at)
    before = _snapshot(case)
    with transaction.atomic():
        save_if_version(case, expected_version=expected_version, fields=values)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=case, changes=diff(before, _snapshot(case)), via=via)
    return case


def case_resolve(
    *, actor: User, case: Case, resolution: str, expected_version: int | None = None, via: str = "web", base_url: str = ""
) -> Case:
    """Record the answer and mark the case resolved; the account's timeline says so, and whoever raised it is asked
    how satisfied they are (``surveys``; ``base_url`` starts the survey link when RAPPORT_BASE_URL is not set)."""
    require_case_editor(actor, case)
    if not case.is_open:
        raise Conflict("This case is resolved already.")
    errors = Errors()
    answer = clean_text(resolution, field="resolution", max_length=20_000, errors=errors, required=True)
    errors.raise_if_any()
    before = _snapshot(case)
    with transaction.atomic():
        save_if_version(
            case,
            expected_version=expected_version,
            fields={"status": CaseStatus.RESOLVED, "resolution": answer, "resolved_at": timezone.now()},
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, record=case, changes=diff(before, _snapshot(case)), via=via)
        timeline_note(
            account_id=case.account_id,
            subject=f"Case {case.number} resolved: {case.subject}",
            body=answer,
            concerns=f"service.case:{case.pk}",
        )
        survey_for_resolved_case(case=case, base_url=base_url)
    return case


def case_close(*, actor: User, case: Case, expected_version: int | None = None, via: str = "web") -> Case:
    """Close a resolved case (the customer agreed, or did not answer)."""
    require_case_editor(actor, case)
    if case.status != CaseStatus.RESOLVED:
        raise Conflict("Only a resolved case is closed; resolve it first." if case.is_open else "This case is closed already.")
    before = _snapshot(case)
    with transaction.atomic():
        save_if_version(case, expected_version=expected_version, fields={"status": CaseStatus.CLOSED})
        audit_record(actor=actor, action=AuditAction.UPDATE, record=case, changes=diff(before, _snapshot(case)), via=via)
    return case


def case_reopen(*, actor: User, case: Case, expected_version: int | None = None, via: str = "web") -> Case:
    """Open a resolved or closed case again (the answer did not hold): it is due again from now."""
    require_case_editor(actor, case)
    if case.is_open:
        raise Conflict("This case is open already.")
    now = timezone.now()
    before = _snapshot(case)
    with transaction.atomic():
        save_if_version(
            case,
            expected_version=expected_version,
            fields={"status": CaseStatus.OPEN, "resolved_at": None, "due_at": _due(case.priority, now)},
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, record=case, changes=diff(before, _snapshot(case)), via=via)
    return case

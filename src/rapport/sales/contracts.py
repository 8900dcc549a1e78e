"""Contracts: reads scoped to the user, and every write (create, change, renew, terminate, documents).

A contract has an owner and a team like an account and follows the same
visibility rules (``core.policies``). Changes apply only to the version the
client read (``save_if_version``). Its documents are checked by
``common.uploads`` before anything is stored, saved under a random name, and
read back only through ``contract_document_get_for_user``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.common.concurrency import save_if_version
from rapport.common.errors import Conflict, NotFound
from rapport.common.ninja import is_id
from rapport.common.uploads import check_upload
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.selectors import visible_account
from rapport.customers.validation import Errors, clean_date, clean_text
from rapport.sales.order_models import Contract, ContractDocument, ContractStatus
from rapport.sales.services import clean_amount, clean_currency, require_writer

EDITABLE = frozenset(
    {
        "title",
        "start_date",
        "end_date",
        "value",
        "currency",
        "auto_renew",
        "notice_days",
        "reminder_days",
        "renewal_terms",
        "shared_with_team",
        "status",
    }
)
CREATE_FIELDS = EDITABLE | {"account_id"}
AUDITED = (
    "title",
    "account_id",
    "start_date",
    "end_date",
    "value",
    "currency",
    "status",
    "auto_renew",
    "notice_days",
    "reminder_days",
    "renewal_terms",
)
# The statuses a person may set by editing; ended and cancelled come from terminate and the calendar.
SETTABLE_STATUSES = (ContractStatus.DRAFT, ContractStatus.ACTIVE)
# Which contracts may be renewed or terminated: the services refuse the others (409) and the contract page
# offers the buttons only for these. An ended term is renewed from its page (the roll-over tells the owner so);
# a draft becomes active by editing it, and a terminated contract is replaced by a new one.
RENEWABLE = frozenset({ContractStatus.ACTIVE, ContractStatus.ENDED})
TERMINABLE = frozenset({ContractStatus.DRAFT, ContractStatus.ACTIVE})
NOT_RENEWED = {
    ContractStatus.DRAFT: "A draft contract is not renewed; make it active by editing it.",
    ContractStatus.CANCELLED: "A terminated contract is not renewed; make a new one.",
}
NOT_TERMINATED = {
    ContractStatus.ENDED: "This contract has ended already; there is nothing left to terminate.",
    ContractStatus.CANCELLED: "This contract is terminated already.",
}
NOT_REOPENED = {
    ContractStatus.ENDED: "An ended contract is renewed, not reopened.",
    ContractStatus.CANCELLED: "A terminated contract is not reopened; make a new one.",
}
MAX_DAYS = 3650


# -- reads ------------------------------------------------------------------------------


def contract_list_for_user(*, user: User) -> QuerySet[Contract]:
    return policies.restrict(Contract.objects.all(), user).select_related("account", "owner")


def contract_get_for_user(*, user: User, contract_id: int) -> Contract:
    found = contract_list_for_user(user=user).select_related("team").filter(pk=contract_id).first()
    if found is None:
        raise NotFound("No such contract.")
    return found


def contracts_filter(qs: QuerySet[Contract], params: Mapping[str, Any], *, today: dt.date | None = None) -> QuerySet[Contract]:
    """The filters the list page and the API share: account, owner, status, q (title or number) and ``ending_within`` days."""
    errors = Errors()
    for name in ("account_id", "owner_id"):
        value = params.get(name)
        if value not in (None, ""):
            if not is_id(value):
                errors.add(name, "Must be an id.")
            else:
                qs = qs.filter(**{name: int(str(value))})
    status = params.get("status")
    if status not in (None, ""):
        if status not in ContractStatus.values:
            errors.add("status", f"Choose one of {', '.join(ContractStatus.values)}.")
        qs = qs.filter(status=status)
    text = str(params.get("q") or "").strip()[:100]
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(number__icontains=text))
    within = params.get("ending_within")
    if within not in (None, ""):
        if not str(within).isdigit() or int(str(within)) > MAX_DAYS:
            errors.add("ending_within", f"A number of days from 0 to {MAX_DAYS}.")
        else:
            start = today or timezone.localdate()
            qs = qs.filter(status=ContractStatus.ACTIVE, end_date__gte=start, end_date__lte=start + dt.timedelta(days=int(str(within))))
    errors.raise_if_any()
    return qs


def contract_documents(*, contract: Contract) -> list[ContractDocument]:
    return list(contract.documents.select_related("uploaded_by").order_by("-created_at", "-id"))


def contract_document_get_for_user(*, user: User, document_id: int) -> ContractDocument:
    visible = policies.restrict(ContractDocument.objects.all(), user, prefix="contract__")
    found = visible.select_related("contract").filter(pk=document_id).first()
    if found is None:
        raise NotFound("No such document.")
    return found


# -- checking input ---------------------------------------------------------------------


def _clean_days(value: Any, *, field: str, errors: Errors) -> int | None:
    if isinstance(value, bool) or not str(value).isdigit() or int(str(value)) > MAX_DAYS:
        errors.add(field, f"A number of days from 0 to {MAX_DAYS}.")
        return None
    return int(str(value))


def _clean(actor: User, data: Mapping[str, Any], *, allowed: frozenset[str], current: Contract | None) -> dict[str, Any]:
    errors = Errors()
    for key in data:
        if key not in allowed:
            errors.add(key, "This field is set by the server and cannot be changed." if hasattr(Contract, key) else "Unknown field.")
    values: dict[str, Any] = {}
    if "account_id" in allowed:
        account = visible_account(actor, int(str(data["account_id"]))) if is_id(data.get("account_id")) else None
        if account is None:
            errors.add("account_id", "Choose an account you can see.")
        else:
            values["account_id"] = account.pk
    for name, limit in (("title", 200), ("renewal_terms", 20000)):
        if name in data:
            values[name] = clean_text(data[name], field=name, max_length=limit, errors=errors, required=name == "title")
    for name in ("start_date", "end_date"):
        if name in data:
            values[name] = clean_date(data[name], field=name, errors=errors)
            if values[name] is None and name not in errors.fields:
                errors.add(name, "Give a date (YYYY-MM-DD).")
    if "currency" in data:
        values["currency"] = clean_currency(data["currency"], errors=errors)
    if "value" in data:
        currency = values.get("currency") or (current.currency if current else None)
        values["value"] = clean_amount(data["value"], field="value", errors=errors, currency=currency)
    for name in ("notice_days", "reminder_days"):
        if name in data:
            values[name] = _clean_days(data[name], field=name, errors=errors)
    for name in ("auto_renew", "shared_with_team"):
        if name in data:
            values[name] = bool(data[name])
    if "status" in data:
        if data["status"] not in SETTABLE_STATUSES:
            errors.add("status", "Choose draft or active; a contract ends by termination or at its end date.")
        elif current is not None and current.status not in SETTABLE_STATUSES:
            errors.add("status", NOT_REOPENED[ContractStatus(current.status)])
        values["status"] = data["status"]
    start = values.get("start_date", current.start_date if current else None)
    end = values.get("end_date", current.end_date if current else None)
    if start and end and end < start:
        errors.add("end_date", "The end comes on or after the start.")
    errors.raise_if_any()
    return values


def _snapshot(contract: Contract) -> dict[str, Any]:
    return {name: getattr(contract, name) for name in AUDITED}


# -- writes -----------------------------------------------------------------------------


def _require_editor(actor: User, contract: Contract) -> None:
    require_writer(actor)
    if not policies.can_edit(actor, contract):
        raise NotFound("No such contract.")


def contract_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Contract:
    """A contract with an account the actor sees, owned by the actor; nothing is stored unless all is valid."""
    require_writer(actor)
    errors = Errors()
    for name in ("title", "account_id", "start_date", "end_date", "currency"):
        if name not in data:
            errors.add(name, "This field is required.")
    errors.raise_if_any()
    values = _clean(actor, data, allowed=CREATE_FIELDS, current=None)
    with transaction.atomic():
        contract = Contract.objects.create(owner=actor, team_id=actor.team_id, **values)
        number = f"CT-{contract.pk:06d}"
        Contract.objects.filter(pk=contract.pk).update(number=number)
        contract.number = number
        audit_record(actor=actor, action=AuditAction.CREATE, record=contract, changes=diff({}, _snapshot(contract)), via=via)
    return contract


def contract_update(
    *, actor: User, contract: Contract, data: Mapping[str, Any], expected_version: int | None, via: str = "web"
) -> Contract:
    """Change the fields given if ``expected_version`` is still the stored one (else 412, nothing written)."""
    _require_editor(actor, contract)
    values = _clean(actor, data, allowed=EDITABLE, current=contract)
    before = _snapshot(contract)
    with transaction.atomic():
        save_if_version(contract, expected_version=expected_version, fields=values)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=contract, changes=diff(before, _snapshot(contract)), via=via)
    return contract


def contract_renew(
    *,
    actor: User,
    contract: Contract,
    start_date: Any = None,
    end_date: Any = None,
    value: Any = None,
    expected_version: int | None = None,
    via: str = "web",
) -> Contract:
    """Start the next term: the day after this one ends, or today when the contract has lapsed.

    A lapsed contract is not renewed into the past: the customer was not
    covered in between, so its new term starts today unless ``start_date``
    says otherwise (on or after the old end). The term lasts as long as the
    last one unless ``end_date`` says otherwise, and it may not end before today.
    """
    _require_editor(actor, contract)
    if contract.status not in RENEWABLE:
        raise Conflict(NOT_RENEWED[ContractStatus(contract.status)])
    errors = Errors()
    today = timezone.localdate()
    earliest = contract.end_date + dt.timedelta(days=1)
    start = clean_date(start_date, field="start_date", errors=errors) or max(earliest, today)
    if start < earliest:
        errors.add("start_date", f"The current term ends on {contract.end_date.isoformat()}; the new one starts after that.")
    end = clean_date(end_date, field="end_date", errors=errors) or start + (contract.end_date - contract.start_date)
    if end < start:
        errors.add("end_date", f"The new term starts on {start.isoformat()}; it ends on or after that.")
    elif end < today:
        errors.add("end_date", "The new term would be over already; choose an end date from today on.")
    fields: dict[str, Any] = {"start_date": start, "end_date": end, "status": ContractStatus.ACTIVE}
    if value not in (None, ""):
        fields["value"] = clean_amount(value, field="value", errors=errors, currency=contract.currency)
    errors.raise_if_any()
    before = _snapshot(contract)
    with transaction.atomic():
        save_if_version(contract, expected_version=expected_version, fields=fields)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=contract, changes=diff(before, _snapshot(contract)), via=via)
    return contract


def contract_terminate(
    *, actor: User, contract: Contract, ended_on: Any = None, expected_version: int | None = None, via: str = "web"
) -> Contract:
    """End the contract early (on ``ended_on``, today when left out): it is cancelled and no longer reminds anyone."""
    _require_editor(actor, contract)
    if contract.status not in TERMINABLE:
        raise Conflict(NOT_TERMINATED[ContractStatus(contract.status)])
    errors = Errors()
    day = clean_date(ended_on, field="ended_on", errors=errors) or timezone.localdate()
    if day < contract.start_date:
        errors.add("ended_on", f"The contract started on {contract.start_date.isoformat()}.")
    errors.raise_if_any()
    before = _snapshot(contract)
    with transaction.atomic():
        save_if_version(
            contract,
            expected_version=expected_version,
            fields={"status": ContractStatus.CANCELLED, "end_date": min(day, contract.end_date)},
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, record=contract, changes=diff(before, _snapshot(contract)), via=via)
    return contract


def contract_document_add(*, actor: User, contract: Contract, upload: UploadedFile | None, via: str = "web") -> ContractDocument:
    """Attach a checked file (``common.uploads``): refused with a 422 on ``file`` for a wrong type, size, name or archive."""
    _require_editor(actor, contract)
    checked = check_upload(upload)
    assert upload is not None
    with transaction.atomic():
        document = ContractDocument(
            contract=contract, filename=checked.filename, content_type=checked.content_type, size=checked.size, uploaded_by=actor
        )
        upload.seek(0)
        document.file.save(checked.stored_name, upload, save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=contract,
            changes=diff({}, {"document": checked.filename, "size": checked.size}),
            via=via,
        )
    return document


def contract_document_delete(*, actor: User, document: ContractDocument, via: str = "web") -> None:
    _require_editor(actor, document.contract)
    name = document.filename
    stored = document.file.name or ""
    storage = document.file.storage
    with transaction.atomic():
        document.delete()
        audit_record(actor=actor, action=AuditAction.UPDATE, record=document.contract, changes=diff({"document": name}, {}), via=via)
        transaction.on_commit(lambda: storage.delete(stored) if stored else None)


def contract_document_open(*, document: ContractDocument) -> Any:
    """The stored bytes of a document found through ``contract_document_get_for_user``."""
    try:
        return document.file.open("rb")
    except FileNotFoundError:
        raise NotFound("The file of this document is missing.") from None

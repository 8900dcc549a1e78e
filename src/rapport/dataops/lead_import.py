"""Importing a file of leads: a dry run first, then the worker writes them, routed, each owner told once.

The trade-show case: 500 business cards come back from an exhibition. The
dry run (``lead_import_preview``) reads the file, checks every row as
``lead_create`` would and finds duplicates of existing leads and contacts
(same email or E.164 phone), writing nothing but the preview. Once confirmed,
the worker (``tasks.run_lead_import``) creates each lead through
``customers.services.lead_create`` and routes it by the assignment rules
(``sales.assignment.lead_route``) in the same transaction as the row's
bookkeeping (``LeadImportRow``), so an import killed half-way resumes where it
stopped and never creates a lead twice. At the end each owner gets one
follow-up to-do for all their new leads, not one per lead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.db.models import Count, F, Min, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext, ngettext

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.common.ninja import is_id
from rapport.core import policies
from rapport.core.models import User
from rapport.customers import services as customer_services
from rapport.customers.activities import activity_create
from rapport.customers.lead_files import FORMATS, MAX_BYTES, LeadFileError, ParsedRow, detect_format, parse
from rapport.customers.models import ContactPoint, ContactPointKind, CustomFieldDefinition, Lead
from rapport.customers.validation import Errors, clean_contact_points, clean_text
from rapport.dataops.models import LeadImport, LeadImportOutcome, LeadImportRow, LeadImportStatus
from rapport.marketing.campaigns import campaign_list_for_user
from rapport.marketing.models import Campaign
from rapport.marketing.responses import response_for_imported_lead
from rapport.sales.assignment import active_rules, lead_route, rule_for

MAX_ERRORS = 500
SAMPLE_ROWS = 20
# Workbooks and archives: refused by content whatever the file is called.
BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff")
ROUTE_FIELDS = ("industry", "region", "country", "source")

Progress = Callable[[int, int], None]


@dataclass
class RowVerdict:
    outcome: str  # created (would be), duplicate, error
    errors: list[tuple[str, str]]


# -- reading and checking rows -------------------------------------------------------------


def sanitised_filename(name: str) -> str:
    """The file's own name without any path, reduced to safe characters (kept only to show the user)."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem, ext = os.path.splitext(base)
    try:
        return get_valid_filename(f"{stem[:150]}{ext[:10]}")
    except SuspiciousFileOperation:  # nothing safe left: "..", "$$"
        return "leads"


def _custom_headers() -> dict[str, str]:
    """Each lead custom field's key and label -> its key, for matching column headers."""
    mapping: dict[str, str] = {}
    for key, label in CustomFieldDefinition.objects.filter(entity="lead").values_list("key", "label"):
        mapping[label] = key
        mapping[key] = key
    return mapping


def _read(content: bytes, file_format: str) -> Any:
    try:
        return parse(content, file_format=file_format, custom_fields=_custom_headers())
    except LeadFileError as exc:
        raise ValidationFailed.for_field("file", str(exc)) from exc


def _row_data(row: ParsedRow, source: str) -> dict[str, Any]:
    data = dict(row.data)
    if source and not data.get("source"):
        data["source"] = source
    return data


def _point_keys(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The row's emails and phones as stored (validated address, E.164); wrong ones are left to validation."""
    emails = clean_contact_points(data.get("emails"), kind=ContactPointKind.EMAIL, field="emails", errors=Errors())
    phones = clean_contact_points(data.get("phones"), kind=ContactPointKind.PHONE, field="phones", errors=Errors())
    return [e["normalised"] for e in emails], [p["normalised"] for p in phones]


def _is_duplicate(emails: list[str], phones: list[str]) -> bool:
    """An existing lead or contact has one of these emails or phone numbers (whoever owns it)."""
    if not emails and not phones:
        return False
    same = Q(kind=ContactPointKind.EMAIL, normalised__in=emails) | Q(kind=ContactPointKind.PHONE, normalised__in=phones)
    return ContactPoint.objects.filter(same).filter(Q(lead__isnull=False) | Q(contact__isnull=False)).exists()


def _errors_of(row: ParsedRow, exc: ValidationFailed) -> list[tuple[str, str]]:
    return [(row.column_for(name), message) for name, messages in exc.field_errors.items() for message in messages] or [("", exc.message)]


def _check(actor: User, row: ParsedRow, data: dict[str, Any], seen: set[str]) -> RowVerdict:
    """The dry run's verdict on one row; ``seen`` holds the emails and phones of the rows before it."""
    if row.problems:
        return RowVerdict(LeadImportOutcome.ERROR, list(row.problems))
    try:
        customer_services.lead_check(actor=actor, data=data)
    except ValidationFailed as exc:
        return RowVerdict(LeadImportOutcome.ERROR, _errors_of(row, exc))
    emails, phones = _point_keys(data)
    keys = {f"e:{e}" for e in emails} | {f"p:{p}" for p in phones}
    duplicate = bool(keys & seen) or _is_duplicate(emails, phones)
    seen.update(keys)
    return RowVerdict(LeadImportOutcome.DUPLICATE if duplicate else LeadImportOutcome.CREATED, [])


def _error_entries(number: int, errors: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"row": number, "column": column, "message": message} for column, message in errors]


def _sample(row: ParsedRow, data: dict[str, Any], verdict: RowVerdict, rule_name: str) -> dict[str, Any]:
    first = lambda kind: (data.get(kind) or [{}])[0].get("value", "")  # noqa: E731
    name = data.get("full_name") or " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
    return {
        "row": row.number,
        "name": name,
        "company": data.get("company", ""),
        "phone": first("phones"),
        "email": first("emails"),
        "region": data.get("region", ""),
        "industry": data.get("industry", ""),
        "outcome": verdict.outcome,
        "rule": rule_name,
    }


# -- the doors' services ---------------------------------------------------------------------


def _require_importer(actor: User) -> None:
    if not policies.can_create(actor, "lead"):
        raise PermissionDenied("Your role may read leads but not import them.")


def _check_upload(filename: str, content: bytes, file_format: str | None) -> str:
    if not content:
        raise ValidationFailed.for_field("file", "The file is empty.")
    if len(content) > MAX_BYTES:
        raise ValidationFailed.for_field("file", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    if content.startswith(BINARY_MAGIC):
        raise ValidationFailed.for_field("file", "This is not a text file: save the spreadsheet as CSV (UTF-8) or export vCards.")
    if file_format in (None, "", "auto"):
        return detect_format(filename, content)
    if file_format not in FORMATS:
        raise ValidationFailed.for_field("format", f"'{file_format}' is not one of: {', '.join(FORMATS)}.")
    return file_format


def _campaign(actor: User, campaign_id: Any, errors: Errors) -> Campaign | None:
    if campaign_id in (None, ""):
        return None
    found = campaign_list_for_user(user=actor).filter(pk=int(str(campaign_id))).first() if is_id(campaign_id) else None
    if found is None:
        errors.add("campaign_id", f"No such campaign: {campaign_id}.")
    return found


def lead_import_preview(
    *,
    actor: User,
    filename: str,
    content: bytes,
    file_format: str | None = None,
    source: str = "",
    campaign_id: int | str | None = None,
    via: str = "web",
) -> LeadImport:
    """Read and check the file without creating any lead; the import waits for ``lead_import_confirm``.

    With a campaign, each lead created is recorded as a card left at it, and the campaign's name is the source
    of every lead the file and ``source`` give none.
    """
    _require_importer(actor)
    errors = Errors()
    source = clean_text(source, field="source", max_length=80, errors=errors)
    campaign = _campaign(actor, campaign_id, errors)
    errors.raise_if_any()
    if campaign is not None and not source:
        source = campaign.name[:80]
    chosen = _check_upload(filename, content, file_format)
    parsed = _read(content, chosen)
    if not parsed.rows:
        raise ValidationFailed.for_field("file", "The file holds no leads.")
    rules = active_rules()
    seen: set[str] = set()
    counts: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    row_errors: list[dict[str, Any]] = []
    sample: list[dict[str, Any]] = []
    for row in parsed.rows:
        data = _row_data(row, source)
        verdict = _check(actor, row, data, seen)
        counts[verdict.outcome] += 1
        rule_name = ""
        if verdict.outcome == LeadImportOutcome.CREATED:
            probe = Lead(**{k: str(data.get(k) or "") for k in ROUTE_FIELDS}, custom=data.get("custom") or {})
            fired = rule_for(probe, rules)
            rule_name = fired.name if fired else ""
            by_rule[rule_name] += 1
        if len(row_errors) < MAX_ERRORS:
            row_errors.extend(_error_entries(row.number, verdict.errors)[: MAX_ERRORS - len(row_errors)])
        if len(sample) < SAMPLE_ROWS:
            sample.append(_sample(row, data, verdict, rule_name))
    preview = {
        "would_create": counts[LeadImportOutcome.CREATED],
        "duplicates": counts[LeadImportOutcome.DUPLICATE],
        "errors": counts[LeadImportOutcome.ERROR],
        "by_rule": [{"rule": name, "leads": n} for name, n in by_rule.most_common()],
        "row_errors": row_errors,
        "sample": sample,
    }
    return LeadImport.objects.create(
        created_by=actor,
        filename=sanitised_filename(filename),
        file_format=chosen,
        source=source,
        campaign=campaign,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        total_rows=len(parsed.rows),
        preview=preview,
        notes=parsed.notes,
    )


def lead_import_get_for_user(*, user: User, import_id: int) -> LeadImport:
    """The import if ``user`` made it (or administers the system); otherwise NotFound."""
    found = LeadImport.objects.filter(pk=import_id).select_related("created_by").first()
    if found is None or not (found.created_by_id == user.pk or user.is_administrator):
        raise NotFound("No such import.")
    return found


def lead_import_confirm(*, actor: User, lead_import: LeadImport, via: str = "web", enqueue: bool = True) -> LeadImport:
    """Send a checked import to the worker (``enqueue`` False: the caller runs it, as the CLI does)."""
    from rapport.dataops.tasks import run_lead_import

    if lead_import.created_by_id != actor.pk:
        raise PermissionDenied("Only the person who uploaded the file confirms its import.")
    with transaction.atomic():
        locked = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
        if locked.status != LeadImportStatus.PREVIEWED:
            raise Conflict("This import has already been confirmed.", field_errors={"status": ["This import has already been confirmed."]})
        locked.status = LeadImportStatus.QUEUED
        locked.save(update_fields=["status", "updated_at"])
        if enqueue:
            transaction.on_commit(lambda: run_lead_import.enqueue(lead_import_id=locked.pk))
    return locked


# -- the worker's part -------------------------------------------------------------------------


def _record(lead_import: LeadImport, number: int, outcome: str, **extra: Any) -> None:
    LeadImportRow.objects.create(lead_import=lead_import, row=number, outcome=outcome, **extra)
    counter = {
        LeadImportOutcome.CREATED: "created_count",
        LeadImportOutcome.DUPLICATE: "duplicate_count",
        LeadImportOutcome.ERROR: "error_count",
    }[LeadImportOutcome(outcome)]
    LeadImport.objects.filter(pk=lead_import.pk).update(processed_rows=F("processed_rows") + 1, **{counter: F(counter) + 1})


def _import_row(lead_import: LeadImport, actor: User, row: ParsedRow, rules: list[Any]) -> None:
    """Create, skip or refuse one row; its lead, routing and bookkeeping commit together."""
    data = _row_data(row, lead_import.source)
    errors: list[tuple[str, str]] = list(row.problems)
    with transaction.atomic():
        if not errors:
            emails, phones = _point_keys(data)
            if _is_duplicate(emails, phones):
                _record(lead_import, row.number, LeadImportOutcome.DUPLICATE)
                return
            try:
                lead = customer_services.lead_create(actor=actor, data=data, via="import")
            except (ValidationFailed, PermissionDenied) as exc:
                errors = _errors_of(row, exc) if isinstance(exc, ValidationFailed) else [("", exc.message)]
            else:
                fired = lead_route(lead=lead, rules=rules, via="import", follow_up=False)
                if lead_import.campaign is not None:
                    day = timezone.localdate(lead_import.created_at)
                    response_for_imported_lead(actor=actor, campaign=lead_import.campaign, lead=lead, day=day)
                hours = fired.follow_up_hours if fired is not None and fired.create_follow_up else None
                _record(lead_import, row.number, LeadImportOutcome.CREATED, lead=lead, owner_id=lead.owner_id, follow_up_hours=hours)
                return
        _record(lead_import, row.number, LeadImportOutcome.ERROR)
        room = MAX_ERRORS - len(lead_import.row_errors)
        if room > 0:
            lead_import.row_errors = [*lead_import.row_errors, *_error_entries(row.number, errors)[:room]]
            lead_import.save(update_fields=["row_errors"])


def _send_follow_ups(lead_import: LeadImport) -> None:
    """One to-do per owner for all the leads this import gave them; done once, with the flag."""
    with transaction.atomic():
        locked = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
        if locked.follow_ups_done:
            return
        owners = (
            LeadImportRow.objects.filter(lead_import=locked, outcome=LeadImportOutcome.CREATED, follow_up_hours__isnull=False)
            .exclude(owner=None)
            .values("owner")
            .annotate(leads=Count("id"), hours=Min("follow_up_hours"))
            .order_by("owner")
        )
        people = User.objects.in_bulk([o["owner"] for o in owners])
        for entry in owners:
            owner = people[entry["owner"]]
            if not owner.is_active:
                continue
            with translation.override(owner.language or None):
                subject = ngettext(
                    "Follow up on %(count)d new lead from %(file)s",
                    "Follow up on %(count)d new leads from %(file)s",
                    entry["leads"],
                ) % {"count": entry["leads"], "file": locked.filename}
                details = gettext("Imported by %(user)s; source: %(source)s. They are on your leads list.") % {
                    "user": locked.created_by,
                    "source": locked.source or "-",
                }
            activity_create(
                actor=owner,
                kind="task",
                subject=subject[:200],
                details=details,
                due_at=timezone.now() + dt.timedelta(hours=entry["hours"]),
                concerns=f"dataops.leadimport:{locked.pk}",
                via="import",
            )
        locked.follow_ups_done = True
        locked.save(update_fields=["follow_ups_done", "updated_at"])


def lead_import_run(*, lead_import_id: int, progress: Progress | None = None) -> LeadImport:
    """Import the rows not imported yet; safe to run again after an interruption (done rows are skipped)."""
    lead_import = LeadImport.objects.select_related("created_by").get(pk=lead_import_id)
    if lead_import.status == LeadImportStatus.DONE:
        return lead_import
    if lead_import.status == LeadImportStatus.PREVIEWED:
        raise Conflict("The import has not been confirmed.")
    actor = lead_import.created_by
    try:
        parsed = parse(bytes(lead_import.content), file_format=lead_import.file_format, custom_fields=_custom_headers())
    except LeadFileError as exc:
        LeadImport.objects.filter(pk=lead_import.pk).update(
            status=LeadImportStatus.FAILED, failure=str(exc)[:300], finished_at=timezone.now()
        )
        raise ValidationFailed.for_field("file", str(exc)) from exc
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImportStatus.RUNNING, started_at=Coalesce(F("started_at"), Value(timezone.now()))
    )
    done = set(LeadImportRow.objects.filter(lead_import=lead_import).values_list("row", flat=True))
    rules = active_rules()
    total = len(parsed.rows)
    for index, row in enumerate(parsed.rows, start=1):
        if row.number not in done:
            _import_row(lead_import, actor, row, rules)
        if progress is not None:
            progress(index, total)
    _send_follow_ups(lead_import)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImportStatus.DONE, finished_at=timezone.now(), content=b"", updated_at=timezone.now()
    )
    lead_import.refresh_from_db()
    return lead_import


def lead_import_owners(*, lead_import: LeadImport) -> list[dict[str, Any]]:
    """Who received the imported leads and how many each, most first: the result page's summary."""
    rows = (
        LeadImportRow.objects.filter(lead_import=lead_import, outcome=LeadImportOutcome.CREATED)
        .values("owner", "owner__username", "owner__first_name", "owner__last_name")
        .annotate(leads=Count("id"))
        .order_by("-leads", "owner__username")
    )
    return [
        {
            "owner_id": r["owner"],
            "name": " ".join(p for p in (r["owner__first_name"], r["owner__last_name"]) if p) or r["owner__username"] or "-",
            "leads": r["leads"],
        }
        for r in rows
    ]

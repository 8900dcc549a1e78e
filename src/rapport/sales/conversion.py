"""Converting a qualified lead into an account, a contact and, if asked, an opportunity.

One action, one transaction: the account and the contact are found before
they are made (an account by its name, a contact by any email or phone the
lead has), the lead's timeline moves onto them, and the lead is closed as
converted with links to what it became. Every record is written through its
own app's service, so each write is checked and audited as usual.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapport.common.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core import policies
from rapport.core.models import User
from rapport.customers import services as customer_services
from rapport.customers.models import Account, ConsentRecord, Contact, ContactPoint, ContactPointKind, Lead, LeadStatus
from rapport.customers.selectors import custom_fields_for, visible_account
from rapport.customers.validation import Errors, clean_custom_fields
from rapport.sales.models import Opportunity
from rapport.sales.services import opportunity_create

CLOSE_IN_DAYS = 90
# The opportunity service's field names -> the names the convert form and API use.
OPPORTUNITY_FIELDS = {"name": "opportunity_name", "expected_close_date": "close_date"}
PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
PERSON_FIELDS = ("first_name", "last_name", "full_name", "title", "language", "consent_email", "consent_phone", "consent_letter")
PLACE_FIELDS = ("industry", "region", "country", "address_line", "city", "postal_code")
CONSENT_CHANNELS = ("email", "phone", "letter")


def company_key(name: str) -> str:
    """A company name as compared: case, punctuation and spacing do not matter ("ACME Ltd." is "Acme Ltd")."""
    return " ".join(PUNCTUATION.sub(" ", name).casefold().split())


@dataclass(frozen=True)
class ConversionPlan:
    """What converting would attach to, shown before the user confirms."""

    account: Account | None  # an existing account the lead joins
    account_reason: str  # "chosen" or "same name"
    contact: Contact | None  # an existing contact the lead is the same person as
    contact_reason: str  # "same email a@b.cn" or "same phone +86..."
    new_account_name: str  # the account made when none is found ("" for none)


@dataclass(frozen=True)
class ConversionResult:
    lead: Lead
    account: Account | None
    contact: Contact
    opportunity: Opportunity | None
    account_created: bool
    contact_created: bool
    interactions_moved: int


def _matching_account(actor: User, lead: Lead) -> Account | None:
    key = company_key(lead.company or "")
    if not key:
        return None
    # The first word narrows the candidates on the name index; the key decides.
    candidates = policies.restrict(Account.objects.all(), actor).filter(name__istartswith=key.split()[0]).order_by("id")[:200]
    return next((a for a in candidates if company_key(a.name) == key), None)


def _matching_contact(actor: User, lead: Lead) -> tuple[Contact | None, str]:
    points = list(lead.contact_points.all())
    phones = [p.normalised for p in points if p.kind == ContactPointKind.PHONE]
    emails = [p.normalised for p in points if p.kind == ContactPointKind.EMAIL]
    if not phones and not emails:
        return None, ""
    same = Q(kind=ContactPointKind.PHONE, normalised__in=phones) if phones else Q(pk__in=[])
    for email in emails:
        # Mailbox names are compared without case: "Wei.Zhang@x.cn" is the same person.
        same |= Q(kind=ContactPointKind.EMAIL, normalised__iexact=email)
    visible = policies.restrict(Contact.objects.all(), actor).values("id")
    found = ContactPoint.objects.filter(same, contact__in=visible).select_related("contact").order_by("contact_id", "id").first()
    if found is None or found.contact is None:
        return None, ""
    return found.contact, f"same {found.kind} {found.normalised}"


def conversion_plan(*, actor: User, lead: Lead, account_id: int | None = None) -> ConversionPlan:
    """The existing account and contact a conversion would use; raises if ``account_id`` is not visible."""
    if account_id is not None:
        account = visible_account(actor, account_id)
        if account is None:
            raise ValidationFailed.for_field("account_id", f"No such account: {account_id}.")
        reason = "chosen"
    else:
        account = _matching_account(actor, lead)
        reason = "same name" if account else ""
    contact, contact_reason = _matching_contact(actor, lead)
    return ConversionPlan(account, reason, contact, contact_reason, "" if account else (lead.company or "").strip())


def _assignment(actor: User, lead: Lead) -> dict[str, Any]:
    """New records go to the lead's owner when the actor may hand them over; otherwise to the actor."""
    if policies.can_assign_to(actor, owner=lead.owner, team=lead.team):
        return {"owner_id": lead.owner_id, "team_id": lead.team_id}
    return {}


def _points(lead: Lead, kind: str) -> list[dict[str, Any]]:
    return [{"value": p.value, "label": p.label, "is_primary": p.is_primary} for p in lead.contact_points.all() if p.kind == kind]


def _custom_for(lead: Lead, entity: str, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The lead's custom values that ``entity`` has a field of the same key for and would accept.

    Values the target already holds (``current``) are kept; a value the
    target's field would refuse (another type, a choice it lacks) is left behind.
    """
    values = {k: v for k, v in (lead.custom or {}).items() if v not in (None, "") and (current or {}).get(k) in (None, "")}
    copied: dict[str, Any] = {}
    for definition in custom_fields_for(entity):
        if definition.key not in values:
            continue
        errors = Errors()
        cleaned = clean_custom_fields({definition.key: values[definition.key]}, definitions=[definition], current=None, errors=errors)
        if not errors.fields:
            copied[definition.key] = cleaned[definition.key]
    return copied


def _new_contact(actor: User, lead: Lead, account: Account | None, tags: list[str], via: str) -> Contact:
    data: dict[str, Any] = {name: getattr(lead, name) for name in (*PERSON_FIELDS, *PLACE_FIELDS)}
    data.update(
        emails=_points(lead, ContactPointKind.EMAIL),
        phones=_points(lead, ContactPointKind.PHONE),
        tags=tags,
        custom=_custom_for(lead, "contact"),
        account_id=account.pk if account else None,
        **_assignment(actor, lead),
    )
    return customer_services.contact_create(actor=actor, data=data, via=via)


def _join_existing(actor: User, lead: Lead, contact: Contact, account: Account | None, tags: list[str], via: str) -> Contact:
    """Bring the lead's tags, account and consent to a contact that already exists."""
    changes: dict[str, Any] = {}
    current = list(contact.tags.values_list("name", flat=True))
    if set(tags) - set(current):
        changes["tags"] = current + [t for t in tags if t not in current]
    if account is not None and contact.account_id is None:
        changes["account_id"] = account.pk
    if custom := _custom_for(lead, "contact", contact.custom):
        changes["custom"] = custom
    if changes:
        contact = customer_services.contact_update(actor=actor, contact=contact, data=changes, expected_version=None, via=via)
    # Consent the person gave as a lead counts for the contact, unless the
    # contact has their own record on that channel (a withdrawal stands).
    decided = set(ConsentRecord.objects.filter(contact=contact).values_list("channel", flat=True))
    for channel in CONSENT_CHANNELS:
        if getattr(lead, f"consent_{channel}") and not getattr(contact, f"consent_{channel}") and channel not in decided:
            customer_services.consent_record(
                actor=actor, person=contact, channel=channel, granted=True, method=f"given as lead #{lead.pk}", via=via
            )
    return contact


def _opportunity(
    actor: User,
    lead: Lead,
    account: Account,
    contact: Contact,
    *,
    name: str | None,
    pipeline_id: int | None,
    amount: Decimal | str | None,
    currency: str | None,
    close_date: dt.date | str | None,
    via: str,
) -> Opportunity:
    data: dict[str, Any] = {
        "name": name if name is not None else (lead.company or lead.full_name),
        "account_id": account.pk,
        "primary_contact_id": contact.pk,
        "expected_close_date": close_date or (timezone.localdate() + dt.timedelta(days=CLOSE_IN_DAYS)),
        "source": lead.source,
        **_assignment(actor, lead),
    }
    if pipeline_id is not None:
        data["pipeline_id"] = pipeline_id
    if amount is not None:
        data["amount"] = amount
    if currency:
        data["currency"] = currency
    try:
        return opportunity_create(actor=actor, data=data, via=via)
    except ValidationFailed as exc:
        renamed = {OPPORTUNITY_FIELDS.get(k, k): v for k, v in exc.field_errors.items()}
        raise ValidationFailed(exc.message, field_errors=renamed) from exc


def lead_convert(
    *,
    actor: User,
    lead: Lead,
    create_opportunity: bool,
    opportunity_name: str | None = None,
    pipeline_id: int | None = None,
    amount: Decimal | str | None = None,
    currency: str | None = None,
    account_id: int | None = None,
    close_date: dt.date | str | None = None,
    via: str = "web",
) -> ConversionResult:
    """Turn a lead into an account, a contact and optionally an opportunity, reusing what already exists.

    The account is the one chosen (``account_id``), else a visible account
    with the same company name, else a new one; the contact is a visible
    contact sharing an email or phone, else a new one. Converting a lead
    twice is refused; if any part fails, nothing is written.
    """
    if actor.role in policies.READ_ONLY and not actor.is_administrator:
        raise PermissionDenied("Your role may read leads but not convert them.")
    if not policies.can_edit(actor, lead):
        raise PermissionDenied("You may see this lead but not convert it.")
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict("This lead has already been converted.", field_errors={"status": ["This lead has already been converted."]})
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).select_related("owner", "team").get(pk=lead.pk)
        if locked.status == LeadStatus.CONVERTED:
            raise Conflict("This lead has already been converted.", field_errors={"status": ["This lead has already been converted."]})
        plan = conversion_plan(actor=actor, lead=locked, account_id=account_id)
        if create_opportunity and plan.account is None and not plan.new_account_name:
            raise ValidationFailed.for_field("account_id", "An opportunity needs an account: give the lead a company or pick an account.")
        tags = list(locked.tags.values_list("name", flat=True))
        account = plan.account
        if account is None and plan.new_account_name:
            data: dict[str, Any] = {"name": plan.new_account_name, **{n: getattr(locked, n) for n in PLACE_FIELDS}}
            if locked.company_size is not None:
                data["employees"] = locked.company_size
            data["custom"] = _custom_for(locked, "account")
            account = customer_services.account_create(actor=actor, data={**data, "tags": tags, **_assignment(actor, locked)}, via=via)
        if plan.contact is None:
            contact = _new_contact(actor, locked, account, tags, via)
        else:
            contact = _join_existing(actor, locked, plan.contact, account, tags, via)
        moved = customer_services.interactions_reassign(actor=actor, from_lead=locked, to_contact=contact, to_account=account, via=via)
        opportunity = None
        if create_opportunity:
            assert account is not None
            opportunity = _opportunity(
                actor,
                locked,
                account,
                contact,
                name=opportunity_name,
                pipeline_id=pipeline_id,
                amount=amount,
                currency=currency,
                close_date=close_date,
                via=via,
            )
        converted = customer_services.lead_mark_converted(
            actor=actor,
            lead=locked,
            account=account,
            contact=contact,
            opportunity_ref=f"sales.opportunity:{opportunity.pk}" if opportunity else "",
            via=via,
        )
    return ConversionResult(
        converted, account, contact, opportunity, plan.account is None and account is not None, plan.contact is None, moved
    )


def converted_opportunity_id(lead: Lead) -> int | None:
    """The id of the opportunity a lead became, from its "sales.opportunity:<id>" link."""
    prefix = "sales.opportunity:"
    ref = lead.converted_opportunity or ""
    return int(ref.removeprefix(prefix)) if ref.startswith(prefix) and ref.removeprefix(prefix).isdigit() else None

"""Who answered a campaign: recording a response (a card at the booth, a registration, an attendance, a reply),
taking one back, and the reads that list them.

A response names one person the recorder may see: a lead, a contact or (for a company that answered as such)
an account. Each goes on that person's timeline over the campaign's channel, so the rep who calls next
knows the customer came to the lecture. Everyone reads a campaign's figures; the people behind them are
listed only where the reader may see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.common.errors import Conflict, NotFound, PermissionDenied
from rapport.common.ninja import is_id
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.models import Account, Channel, Contact, Lead
from rapport.customers.selectors import visible_account, visible_contact, visible_lead
from rapport.customers.services import interaction_log
from rapport.customers.validation import Errors, clean_date, clean_text
from rapport.marketing.models import Campaign, CampaignKind, CampaignResponse, ResponseKind

FIELDS = frozenset({"kind", "responded_on", "lead_id", "contact_id", "account_id", "note"})
PEOPLE = ("lead_id", "contact_id", "account_id")
# The timeline channel a campaign's responses come in over.
CHANNEL_OF = {
    CampaignKind.EXHIBITION: Channel.FACE_TO_FACE,
    CampaignKind.LECTURE: Channel.FACE_TO_FACE,
    CampaignKind.EVENT: Channel.FACE_TO_FACE,
    CampaignKind.EMAIL: Channel.EMAIL,
    CampaignKind.LETTER: Channel.LETTER,
    CampaignKind.TELEMARKETING: Channel.PHONE,
    CampaignKind.ONLINE: Channel.WEB,
    CampaignKind.OTHER: Channel.WEB,
}


# -- reads ------------------------------------------------------------------------------


def response_visibility_q(user: User) -> Q | None:
    """Responses whose person (lead, contact or account) the user may see; None: all of them."""
    parts = [policies.ownership_q(user, prefix=f"{name}__") for name in ("lead", "contact", "account")]
    if any(part is None for part in parts):
        return None
    found = Q()
    for part in parts:
        found |= part  # type: ignore[operator]
    return found


def responses_for_user(*, user: User) -> QuerySet[CampaignResponse]:
    base = CampaignResponse.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    condition = response_visibility_q(user)
    return base if condition is None else base.filter(condition)


def responses_of_campaign(*, user: User, campaign: Campaign) -> QuerySet[CampaignResponse]:
    """The campaign's responses the user may see, with their people: newest first (keyset on responded_on)."""
    return (
        responses_for_user(user=user)
        .filter(campaign=campaign)
        .select_related("lead", "contact", "account", "contact__account", "lead__converted_account", "recorded_by")
    )


def campaigns_of_person(
    *, user: User, lead: Lead | None = None, contact: Contact | None = None, account: Account | None = None
) -> list[CampaignResponse]:
    """A person's (or a company's) answers to campaigns, newest first: the "Campaigns" section of their page."""
    responses = responses_for_user(user=user).select_related("campaign")
    if lead is not None:
        responses = responses.filter(lead=lead)
    elif contact is not None:
        responses = responses.filter(contact=contact)
    elif account is not None:
        responses = responses.filter(Q(account=account) | Q(contact__account=account) | Q(lead__converted_account=account))
    else:
        return []
    return list(responses.order_by("-responded_on", "-id")[:20])


def response_get(*, user: User, campaign: Campaign, response_id: int) -> CampaignResponse:
    found = responses_for_user(user=user).filter(campaign=campaign, pk=response_id).first()
    if found is None:
        raise NotFound("No such response on this campaign.")
    return found


# -- writes -----------------------------------------------------------------------------


def _person(actor: User, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    given = [name for name in PEOPLE if data.get(name) not in (None, "")]
    if len(given) != 1:
        errors.add("contact_id", "Name one person who responded: a contact, a lead or an account.")
        return {}
    name = given[0]
    raw = data[name]
    lookup = {"lead_id": visible_lead, "contact_id": visible_contact, "account_id": visible_account}[name]
    record = lookup(actor, int(str(raw))) if is_id(raw) else None
    if record is None:
        errors.add(name, f"Choose a {name.removesuffix('_id')} you can see.")
        return {}
    if isinstance(record, Contact):
        return {"contact": record, "account_id": record.account_id}
    if isinstance(record, Lead):
        return {"lead": record, "account_id": record.converted_account_id}
    return {"account": record, "account_id": record.pk}


def _occurred_at(day: dt.date) -> dt.datetime:
    """When to put a response dated ``day`` on the timeline: now for today's, midday for an earlier day's."""
    if day >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def response_record(
    *, actor: User, campaign: Campaign, data: Mapping[str, Any], via: str = "web", timeline: bool = True
) -> CampaignResponse:
    """One person's answer to the campaign, on their timeline; the same answer twice is refused (409)."""
    if not policies.can_record_responses(actor):
        raise PermissionDenied("Your role reads campaigns but does not record their responses.")
    errors = Errors()
    for key in data:
        if key not in FIELDS:
            errors.add(key, "Unknown field.")
    person = _person(actor, data, errors)
    kind = data.get("kind") or ResponseKind.REPLIED
    if kind not in ResponseKind.values:
        errors.add("kind", f"Choose one of {', '.join(ResponseKind.values)}.")
    day = clean_date(data.get("responded_on"), field="responded_on", errors=errors) or timezone.localdate()
    if day < campaign.starts_on - dt.timedelta(days=366) or day > timezone.localdate() + dt.timedelta(days=1):
        errors.add("responded_on", "Must be between a year before the campaign's start and today.")
    note = clean_text(data.get("note"), field="note", max_length=500, errors=errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            response = CampaignResponse.objects.create(
                campaign=campaign, kind=kind, responded_on=day, note=note, recorded_by=actor, **person
            )
            audit_record(actor=actor, action=AuditAction.CREATE, record=response, changes=diff({}, _snapshot(response)), via=via)
            if timeline:
                _on_timeline(actor, campaign, response, via=via)
    except IntegrityError:
        raise Conflict("This person's response of that kind is recorded already.") from None
    return response


def response_for_imported_lead(*, actor: User, campaign: Campaign, lead: Lead, day: dt.date) -> CampaignResponse:
    """The card a lead import brought back from the campaign, on the lead's timeline; recorded once however often the
    row is retried (the import's row and this commit together)."""
    response, created = CampaignResponse.objects.get_or_create(
        campaign=campaign, kind=ResponseKind.CARD, lead=lead, defaults={"responded_on": day, "recorded_by": actor}
    )
    if created:
        audit_record(actor=actor, action=AuditAction.CREATE, record=response, changes=diff({}, _snapshot(response)), via="import")
        _on_timeline(actor, campaign, response, via="import")
    return response


def _snapshot(response: CampaignResponse) -> dict[str, Any]:
    """What the audit log keeps of a response: ids, not names (the log outlives who may see the person)."""
    names = ("campaign_id", "kind", "responded_on", "lead_id", "contact_id", "account_id", "note")
    return {name: getattr(response, name) for name in names if getattr(response, name) not in (None, "")}


def _on_timeline(actor: User, campaign: Campaign, response: CampaignResponse, *, via: str) -> None:
    interaction_log(
        actor=actor,
        channel=CHANNEL_OF.get(CampaignKind(campaign.kind), Channel.WEB),
        subject=f"{campaign.name}: {ResponseKind(response.kind).label}",
        body=response.note,
        occurred_at=_occurred_at(response.responded_on),
        account_id=response.account_id if response.contact_id is None and response.lead_id is None else None,
        contact_id=response.contact_id,
        lead_id=response.lead_id,
        concerns=f"marketing.campaign:{campaign.pk}",
        via=via,
    )


def response_remove(*, actor: User, campaign: Campaign, response: CampaignResponse, via: str = "web") -> None:
    """Take back a response recorded by mistake (the timeline entry stays: the contact happened or it is corrected there)."""
    if not policies.can_record_responses(actor):
        raise PermissionDenied("Your role reads campaigns but does not record their responses.")
    before = _snapshot(response)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.DELETE, record=response, changes=diff(before, {}), via=via)
        response.delete()

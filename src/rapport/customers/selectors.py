"""Every read of customer data that other code uses, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Lower

from rapport.common.errors import NotFound
from rapport.common.names import has_cjk
from rapport.common.phones import phone_search_key
from rapport.common.prefetched import loaded_into
from rapport.core import policies
from rapport.core.audit import audit_log_for
from rapport.core.models import AuditEntry, User
from rapport.customers.filters import in_term_order, terms_starting_with
from rapport.customers.models import (
    Account,
    Contact,
    ContactPoint,
    ContactPointKind,
    CustomFieldDefinition,
    Interaction,
    Lead,
    LeadStatus,
    SearchTerm,
)
from rapport.customers.search import fold

_POINTS = Prefetch("contact_points", queryset=ContactPoint.objects.order_by("-is_primary", "id"))


def account_list_for_user(*, user: User) -> QuerySet[Account]:
    return (
        policies.restrict(Account.objects.all(), user)
        .select_related("owner", "team", "parent", "profile")
        .prefetch_related("tags", _POINTS)
    )


def contact_list_for_user(*, user: User) -> QuerySet[Contact]:
    return (
        policies.restrict(Contact.objects.all(), user).select_related("owner", "team", "account__profile").prefetch_related("tags", _POINTS)
    )


def lead_list_for_user(*, user: User) -> QuerySet[Lead]:
    return policies.restrict(Lead.objects.all(), user).select_related("owner", "team").prefetch_related("tags", _POINTS)


# The list pages show a few columns of 25 rows (and search and the pickers fewer): reading only those (no notes, custom fields, addresses,
# team or profile) halves the time Django spends building the rows (docs/benchmarks.md).
_OWNER_NAME = ("owner_id", "owner__username", "owner__first_name", "owner__last_name")
_ROW_TIMES = ("created_at", "updated_at")
_POINTS_SHOWN = Prefetch(
    "contact_points",
    queryset=ContactPoint.objects.only(
        "kind", "label", "value", "normalised", "is_primary", "account_id", "contact_id", "lead_id"
    ).order_by("-is_primary", "id"),
    to_attr=loaded_into("contact_points"),
)
_TAGS_SHOWN = Prefetch("tags", to_attr=loaded_into("tags"))


def account_rows_for_user(*, user: User) -> QuerySet[Account]:
    """The accounts a user may see, with what the accounts list shows of each."""
    return (
        policies.restrict(Account.objects.all(), user)
        .select_related("owner")
        .only("name", "industry", "city", "country", *_OWNER_NAME, *_ROW_TIMES)
        .prefetch_related(_TAGS_SHOWN, _POINTS_SHOWN)
    )


def contact_rows_for_user(*, user: User) -> QuerySet[Contact]:
    """The contacts a user may see, with what the contacts list shows of each."""
    return (
        policies.restrict(Contact.objects.all(), user)
        .select_related("owner", "account")
        .only("full_name", "title", "city", "account_id", "account__name", *_OWNER_NAME, *_ROW_TIMES)
        .prefetch_related(_TAGS_SHOWN, _POINTS_SHOWN)
    )


def lead_rows_for_user(*, user: User) -> QuerySet[Lead]:
    """The leads a user may see, with what the leads list shows of each."""
    return (
        policies.restrict(Lead.objects.all(), user)
        .select_related("owner")
        .only("full_name", "title", "city", "company", "status", "source", *_OWNER_NAME, *_ROW_TIMES)
        .prefetch_related(_POINTS_SHOWN)
    )


def own_columns(records: QuerySet[Any]) -> QuerySet[Any]:
    """``records`` with their own columns only: what ``customers.api_rows`` builds the API's answer from."""
    return records.select_related(None).prefetch_related(None)


def account_get_for_user(*, user: User, account_id: int) -> Account:
    found = account_list_for_user(user=user).filter(pk=account_id).first()
    if found is None:
        raise NotFound("No such account.")
    return found


def contact_get_for_user(*, user: User, contact_id: int) -> Contact:
    found = contact_list_for_user(user=user).filter(pk=contact_id).first()
    if found is None:
        raise NotFound("No such contact.")
    return found


def lead_get_for_user(*, user: User, lead_id: int) -> Lead:
    found = lead_list_for_user(user=user).filter(pk=lead_id).first()
    if found is None:
        raise NotFound("No such lead.")
    return found


# The records whose figures a user's dashboards add up (``policies.figures_q``): the whole base for
# analysts and administrators, what they may see for everyone else. Counts only: never a door to a record.


def account_figures_for_user(*, user: User) -> QuerySet[Account]:
    return policies.restrict_figures(Account.objects.all(), user)


def contact_figures_for_user(*, user: User) -> QuerySet[Contact]:
    return policies.restrict_figures(Contact.objects.all(), user)


def lead_figures_for_user(*, user: User) -> QuerySet[Lead]:
    return policies.restrict_figures(Lead.objects.all(), user)


def interaction_figures_for_user(*, user: User) -> QuerySet[Interaction]:
    """Interactions with a customer (account, contact or lead) whose figures the user adds up."""
    if not user.is_active:
        return Interaction.objects.none()
    by_account = policies.figures_q(user, prefix="account__")
    by_contact = policies.figures_q(user, prefix="contact__")
    by_lead = policies.figures_q(user, prefix="lead__")
    if by_account is None or by_contact is None or by_lead is None:
        return Interaction.objects.all()
    return Interaction.objects.filter(by_account | by_contact | by_lead)


def visible_account(user: User, account_id: int) -> Account | None:
    return policies.restrict(Account.objects.all(), user).filter(pk=account_id).first()


def visible_contact(user: User, contact_id: int) -> Contact | None:
    return policies.restrict(Contact.objects.all(), user).filter(pk=contact_id).first()


def lead_handed_over(*, user: User, lead_id: int) -> User | None:
    """Who now owns the lead ``user`` has just created, when the assignment rules gave it to
    someone ``user`` may not see the leads of; None while ``user`` still sees it.

    Only for the lead a door has just created: it says who got it, and nothing else about it.
    """
    if visible_lead(user, lead_id) is not None:
        return None
    owner_id = Lead.objects.filter(pk=lead_id).values_list("owner_id", flat=True).first()
    return User.objects.filter(pk=owner_id).first() if owner_id is not None else None


def visible_lead(user: User, lead_id: int) -> Lead | None:
    return policies.restrict(Lead.objects.all(), user).filter(pk=lead_id).first()


def customer_by_email_for_user(*, user: User, address: str) -> Contact | Lead | Account | None:
    """The visible record that has this email address, case-insensitively: a contact, else a lead, else an account.

    Several with the same address: the oldest (lowest id), so the choice is stable.
    A converted lead gives way to the contact it became, which carries its address.
    """
    points = ContactPoint.objects.annotate(address_ci=Lower("normalised")).filter(
        kind=ContactPointKind.EMAIL, address_ci=address.strip().lower()
    )
    contact = policies.restrict(Contact.objects.all(), user).filter(pk__in=points.values("contact_id")).order_by("id").first()
    if contact is not None:
        return contact
    lead = (
        policies.restrict(Lead.objects.all(), user)
        .filter(pk__in=points.values("lead_id"), converted_at__isnull=True)
        .order_by("id")
        .first()
    )
    if lead is not None:
        return lead
    return policies.restrict(Account.objects.all(), user).filter(pk__in=points.values("account_id")).order_by("id").first()


def interaction_list_for_user(*, user: User) -> QuerySet[Interaction]:
    """Interactions whose customer (account, contact or lead) the user may see."""
    base = Interaction.objects.select_related("user", "account", "contact", "lead")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    by_account = policies.ownership_q(user, prefix="account__")
    by_contact = policies.ownership_q(user, prefix="contact__")
    by_lead = policies.ownership_q(user, prefix="lead__")
    if by_account is None or by_contact is None or by_lead is None:
        return base
    return base.filter(by_account | by_contact | by_lead)


def interactions_as_shown(queryset: QuerySet[Interaction]) -> QuerySet[Interaction]:
    """What a timeline entry shows besides its own fields (its attachments, the email it answers), read with the
    page instead of per entry."""
    return queryset.select_related("in_reply_to").prefetch_related("attachments")


def interaction_get_for_user(*, user: User, interaction_id: int) -> Interaction:
    found = interaction_list_for_user(user=user).filter(pk=interaction_id).first()
    if found is None:
        raise NotFound("No such interaction.")
    return found


def timeline_for(
    *, user: User, account: Account | None = None, contact: Contact | None = None, lead: Lead | None = None, limit: int = 50
) -> list[Interaction]:
    """The customer's interactions, newest first. An account's timeline includes its contacts'.

    Each entry names who logged it, and on an account's timeline the contact it was with; the record
    whose timeline it is needs no join. Joining all four records took PostgreSQL 5-6 ms to plan.
    """
    qs = Interaction.objects.select_related("user")
    if account is not None:
        qs = qs.select_related("contact")
        # Two index walks instead of one OR over a join, which would scan and
        # sort the whole table: the account's own interactions, and those of
        # its contacts (logged before the contact joined the account, say).
        own = Interaction.objects.filter(account=account).order_by("-occurred_at", "-id").values_list("id", "occurred_at")[:limit]
        via_contacts = (
            Interaction.objects.filter(contact__in=Contact.objects.filter(account=account).values("id"))
            .order_by("-occurred_at", "-id")
            .values_list("id", "occurred_at")[:limit]
        )
        newest = sorted({*own, *via_contacts}, key=lambda row: (row[1], row[0]), reverse=True)[:limit]
        qs = qs.filter(pk__in=[pk for pk, _ in newest])
    elif contact is not None:
        qs = qs.filter(contact=contact)
    elif lead is not None:
        qs = qs.filter(lead=lead)
    else:
        return []
    return list(interactions_as_shown(qs).order_by("-occurred_at", "-id")[:limit])


def custom_field_list(*, entity: str | None = None) -> list[CustomFieldDefinition]:
    qs = CustomFieldDefinition.objects.order_by("entity", "position", "id")
    return list(qs.filter(entity=entity) if entity else qs)


def custom_fields_for(entity: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(entity=entity).order_by("position", "id"))


@dataclass(frozen=True)
class SearchHit:
    record_type: str  # account, contact, lead
    record_id: int
    title: str
    subtitle: str
    url_name: str


def _phone_owner_ids(e164: str) -> dict[str, list[int]]:
    """Accounts, contacts and leads with this phone number, from one walk of the lookup index."""
    found: dict[str, list[int]] = {"account": [], "contact": [], "lead": []}
    points = ContactPoint.objects.filter(kind=ContactPointKind.PHONE, normalised=e164).values_list("account_id", "contact_id", "lead_id")
    for ids in points[:150]:
        for record_type, pk in zip(found, ids, strict=True):
            if pk is not None and pk not in found[record_type]:
                found[record_type].append(pk)
    return found


def _text_match_ids(user: User, record_type: str, words: list[str], limit: int) -> list[int]:
    """Ids of up to ``limit`` records the user may see with a term starting with every word, best match first.

    Starts from the term index: the longest word's terms in (term, record id)
    order — a term equal to the word ranks before longer ones —, each probed
    for the other words. Joining the match to the record list ordered by name
    let PostgreSQL start from the name index and filter every contact (7 s
    for a common prefix at 1,000,000); ordered by term, the work is bounded by
    the number of matching terms.

    The terms carry their record's owner, team and shared flag, so a user who
    sees part of the base walks each part of it (``policies.ownership_parts``:
    own terms, then the team's) in an index led by the owner or the team, and
    reads only terms they may see. Probing each match's record for visibility
    instead cost a rep 89 ms on SQLite and 235 ms on PostgreSQL for 'smit' at
    1,000,000 contacts, almost all of it on other people's customers.
    """
    driver = max(words, key=len)
    terms = terms_starting_with(SearchTerm.objects.filter(record_type=record_type), driver)
    for word in dict.fromkeys(words):
        if word != driver:
            others = terms_starting_with(SearchTerm.objects.filter(record_type=record_type, record_id=OuterRef("record_id")), word)
            terms = terms.filter(Exists(others))
    parts = policies.ownership_parts(user)
    walks = [terms] if parts is None else [terms.filter(part) for part in parts]
    rows = limit * 4  # a record matches with a few of its terms (name, words, email)
    while True:
        fetched = [list(in_term_order(walk).values_list("term", "record_id")[:rows]) for walk in walks]
        # The first ``rows`` of the union in (term, record id) order lie among the first ``rows`` of each walk.
        merged = sorted(set().union(*fetched))[:rows]
        found = list(dict.fromkeys(record_id for _, record_id in merged))
        if len(found) >= limit or all(len(batch) < rows for batch in fetched):
            return found[:limit]
        rows *= 4


def global_search(*, user: User, query: str, limit: int = 8) -> dict[str, list[Any]]:
    """Accounts, contacts and leads matching a name, company, email or a phone in any format, with their own
    columns (the API adds the rest with ``customers.api_rows``)."""
    readers = {
        "account": own_columns(account_list_for_user(user=user)),
        "contact": own_columns(contact_list_for_user(user=user)),
        "lead": own_columns(lead_list_for_user(user=user)),
    }
    return _search(user=user, query=query, limit=limit, readers=readers)


def search_rows(*, user: User, query: str, limit: int = 8) -> dict[str, list[Any]]:
    """The same matches as ``global_search`` with only what the pages show of each: the search page, the
    search box's dropdown and the record pickers."""
    # A match shows its name, what tells it apart and a phone or email: not its tags.
    readers = {
        record_type: rows(user=user).prefetch_related(None).prefetch_related(_POINTS_SHOWN)
        for record_type, rows in (("account", account_rows_for_user), ("contact", contact_rows_for_user), ("lead", lead_rows_for_user))
    }
    return _search(user=user, query=query, limit=limit, readers=readers)


def is_searchable(query: str) -> bool:
    """Two characters at least, or one Chinese character: a surname alone (张) is a search."""
    query = (query or "").strip()
    return len(query) >= 2 or has_cjk(query)


def _search(*, user: User, query: str, limit: int, readers: dict[str, QuerySet[Any]]) -> dict[str, list[Any]]:
    """Each record type's matches, read through ``readers`` (a queryset per record type, scoped to the user).

    A phone number is looked up by phone alone (numbers are not search
    terms); OR-ing it with the term match made PostgreSQL walk the whole name
    index (9.5 s at 1,000,000 contacts). Name matches come best match first,
    phone matches by name.
    """
    query = (query or "").strip()[:200]
    results: dict[str, list[Any]] = {"accounts": [], "contacts": [], "leads": []}
    if not is_searchable(query):
        return results
    e164 = phone_search_key(query)
    by_phone = _phone_owner_ids(e164) if e164 else {}
    words = fold(query).split()[:5]
    for record_type, qs in readers.items():
        key = f"{record_type}s"
        if e164:
            ids = by_phone[record_type]
            results[key] = list(qs.filter(pk__in=ids).order_by(*qs.model._meta.ordering)[:limit]) if ids else []
            continue
        ids = _text_match_ids(user, record_type, words, limit) if words else []
        rows = {row.pk: row for row in qs.filter(pk__in=ids)} if ids else {}
        results[key] = [rows[pk] for pk in ids if pk in rows]
    return results


def contacts_by_phone(*, user: User, phone: str) -> list[Contact]:
    """Contacts with this number, typed in any format: the screen pop's lookup.

    One query from the phone index, with visibility and the contact's owner,
    team and account joined: the lookup's target is 5 ms, and each further
    query costs the ORM about a millisecond to build.
    """
    e164 = phone_search_key(phone)
    if not e164:
        return []
    points = policies.restrict(
        ContactPoint.objects.filter(kind=ContactPointKind.PHONE, normalised=e164, contact__isnull=False), user, prefix="contact__"
    )
    points = points.select_related("contact__owner", "contact__team", "contact__account").order_by("contact__full_name", "contact_id")
    contacts: dict[int, Contact] = {}
    for point in points[:50]:
        assert point.contact is not None
        contacts.setdefault(point.contact.pk, point.contact)
    return list(contacts.values())


@dataclass(frozen=True)
class PhoneOwners:
    """The visible records one phone number belongs to: people first, then company lines, then prospects."""

    contacts: list[Contact]
    accounts: list[Account]
    leads: list[Lead]


def records_with_phone(*, user: User, e164: str, limit: int = 20) -> PhoneOwners:
    """Contacts (with their account), accounts and open leads the user may see that have this number.

    One walk of the phone index, then one query per kind of record that holds the number. A lead
    already converted is left out: its contact and account carry the number now.
    """
    ids = _phone_owner_ids(e164)
    contacts = (
        list(
            policies.restrict(Contact.objects.filter(pk__in=ids["contact"]), user)
            .select_related("account")
            .order_by("full_name", "id")[:limit]
        )
        if ids["contact"]
        else []
    )
    accounts = (
        list(policies.restrict(Account.objects.filter(pk__in=ids["account"]), user).order_by("name", "id")[:limit])
        if ids["account"]
        else []
    )
    leads = (
        list(
            policies.restrict(Lead.objects.filter(pk__in=ids["lead"]), user)
            .exclude(status=LeadStatus.CONVERTED)
            .order_by("full_name", "id")[:limit]
        )
        if ids["lead"]
        else []
    )
    return PhoneOwners(contacts=contacts, accounts=accounts, leads=leads)


@dataclass(frozen=True)
class Customer360:
    record: Any
    record_type: str
    contacts: list[Contact]
    subsidiaries: list[Account]
    timeline: list[Interaction]
    audit: list[AuditEntry]
    custom_fields: list[CustomFieldDefinition]


def account_360(*, user: User, account_id: int) -> Customer360:
    account = account_get_for_user(user=user, account_id=account_id)
    # The page lists contacts by name, title and phone and subsidiaries by name and city: none of the
    # list pages' joins and tags.
    contacts = list(policies.restrict(Contact.objects.filter(account=account), user).prefetch_related(_POINTS)[:50])
    subsidiaries = list(policies.restrict(Account.objects.filter(parent=account), user).only("id", "name", "city")[:50])
    return Customer360(
        record=account,
        record_type="account",
        contacts=contacts,
        subsidiaries=subsidiaries,
        timeline=timeline_for(user=user, account=account),
        audit=audit_log_for(account),
        custom_fields=custom_fields_for("account"),
    )


def contact_360(*, user: User, contact_id: int) -> Customer360:
    contact = contact_get_for_user(user=user, contact_id=contact_id)
    return Customer360(
        record=contact,
        record_type="contact",
        contacts=[],
        subsidiaries=[],
        timeline=timeline_for(user=user, contact=contact),
        audit=audit_log_for(contact),
        custom_fields=custom_fields_for("contact"),
    )


def lead_360(*, user: User, lead_id: int) -> Customer360:
    lead = lead_get_for_user(user=user, lead_id=lead_id)
    return Customer360(
        record=lead,
        record_type="lead",
        contacts=[],
        subsidiaries=[],
        timeline=timeline_for(user=user, lead=lead),
        audit=audit_log_for(lead),
        custom_fields=custom_fields_for("lead"),
    )

"""The three customer record types the pages share one set of views for.

Each ``RecordKind`` names the selectors and services of its type, so a view is
written once and an account, a contact and a lead page behave alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import NotFound
from rapport.customers import filters, selectors, services

StrOrPromise = str | Promise


@dataclass(frozen=True)
class Column:
    key: str
    label: StrOrPromise
    sort: str | None = None  # the public sort name of filters.ListDefinition, if sortable
    css: str = ""  # "hide-sm": dropped on phones


@dataclass(frozen=True)
class RecordKind:
    key: str  # account
    plural_key: str  # accounts (the URL and the nav key)
    label: StrOrPromise
    plural: StrOrPromise
    definition: filters.ListDefinition
    list_for_user: Callable[..., Any]
    rows_for_user: Callable[..., Any]  # the list page's rows: only the columns it shows
    get_for_user: Callable[..., Any]
    view_360: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    columns: tuple[Column, ...]
    empty_hint: StrOrPromise

    @property
    def id_name(self) -> str:
        return f"{self.key}_id"

    def url_name(self, action: str) -> str:
        return f"web:{self.key}_{action}"

    def get(self, user: Any, pk: int) -> Any:
        """The record if the user may see it; otherwise 404, whether it exists or not."""
        try:
            return self.get_for_user(user=user, **{self.id_name: pk})
        except NotFound:
            raise Http404(str(self.label)) from None

    def write_kwargs(self, record: Any) -> dict[str, Any]:
        return {self.key: record}


def _kind(*, key: str, **described: Any) -> RecordKind:
    """A kind wired to its type's selectors and services, which follow one naming scheme."""
    return RecordKind(
        key=key,
        list_for_user=getattr(selectors, f"{key}_list_for_user"),
        rows_for_user=getattr(selectors, f"{key}_rows_for_user"),
        get_for_user=getattr(selectors, f"{key}_get_for_user"),
        view_360=getattr(selectors, f"{key}_360"),
        create=getattr(services, f"{key}_create"),
        update=getattr(services, f"{key}_update"),
        delete=getattr(services, f"{key}_delete"),
        **described,
    )


_COMMON_TAIL = (
    Column("owner", _("Owner"), css="hide-sm nowrap"),
    Column("updated_at", _("Updated"), "updated_at", css="hide-sm nowrap"),
)

ACCOUNT = _kind(
    key="account",
    plural_key="accounts",
    label=_("Account"),
    plural=_("Accounts"),
    definition=filters.ACCOUNTS,
    columns=(
        Column("name", _("Name"), "name"),
        Column("industry", _("Industry"), css="hide-sm"),
        Column("place", _("Place"), css="hide-sm"),
        Column("phone", _("Phone")),
        Column("tags", _("Tags"), css="hide-md"),
        *_COMMON_TAIL,
    ),
    empty_hint=_("Accounts are the companies and households you sell to."),
)

CONTACT = _kind(
    key="contact",
    plural_key="contacts",
    label=_("Contact"),
    plural=_("Contacts"),
    definition=filters.CONTACTS,
    columns=(
        Column("name", _("Name"), "name"),
        Column("account", _("Account"), css="hide-sm"),
        Column("phone", _("Phone")),
        Column("email", _("Email"), css="hide-md"),
        Column("tags", _("Tags"), css="hide-md"),
        *_COMMON_TAIL,
    ),
    empty_hint=_("Contacts are the people you talk to, at an account or on their own."),
)

LEAD = _kind(
    key="lead",
    plural_key="leads",
    label=_("Lead"),
    plural=_("Leads"),
    definition=filters.LEADS,
    columns=(
        Column("name", _("Name"), "name"),
        Column("company", _("Company"), css="hide-sm"),
        Column("status", _("Status")),
        Column("phone", _("Phone"), css="hide-sm"),
        Column("source", _("Source"), css="hide-md"),
        Column("owner", _("Owner"), css="hide-sm nowrap"),
        Column("created_at", _("Created"), "created_at", css="hide-sm nowrap"),
    ),
    empty_hint=_("Leads are people who may become customers: from trade shows, web forms, referrals."),
)

KINDS = {kind.key: kind for kind in (ACCOUNT, CONTACT, LEAD)}

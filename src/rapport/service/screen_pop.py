"""The screen-pop card: who is calling, what they bought and when, their open cases and to-dos, and the
last words on their timeline, read in one go when the phone rings.

The number is matched in E.164 whatever its format (``138 0013 8000``, ``+86-10-6552 9988``,
``0044 20 7946 0958``). A number shared by several records (a company's switchboard and the
people behind it) lists them, and the agent picks one; the card is drawn for that caller.
Everything on it goes through the same visibility selectors as the 360 page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rapport.common.phones import format_phone_international, normalise_phone
from rapport.core.models import User
from rapport.customers import selectors as customer_selectors
from rapport.customers.activity_selectors import activities_for_record
from rapport.customers.models import Account, Activity, Contact, CustomerProfile, Interaction, Lead
from rapport.customers.profiles import customer_profile_for_account
from rapport.sales import billing
from rapport.sales.order_models import OrderLine, OrderStatus
from rapport.service.cases import open_cases_of_account
from rapport.service.models import Case

PURCHASES_SHOWN = 8
TIMELINE_SHOWN = 6
ACTIVITIES_SHOWN = 5
CALLER_KINDS = ("contact", "account", "lead")


@dataclass(frozen=True)
class Caller:
    """One record the number belongs to."""

    kind: str  # contact, account or lead
    record: Contact | Account | Lead

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record.pk}"

    @property
    def name(self) -> str:
        return self.record.name if isinstance(self.record, Account) else self.record.full_name

    @property
    def account(self) -> Account | None:
        if isinstance(self.record, Account):
            return self.record
        if isinstance(self.record, Contact):
            return self.record.account
        return None


@dataclass(frozen=True)
class Purchase:
    """One line of an order the caller's company placed."""

    ordered_on: dt.date
    order_id: int
    order_number: str
    product: str
    quantity: Decimal
    unit: str
    returned: Decimal


@dataclass(frozen=True)
class ScreenPop:
    number: str  # as typed (or as the phone system sent it)
    e164: str
    callers: list[Caller]
    caller: Caller | None = None  # the one the card is drawn for
    profile: CustomerProfile | None = None
    purchases: list[Purchase] = field(default_factory=list)
    open_cases: list[Case] = field(default_factory=list)
    open_activities: list[Activity] = field(default_factory=list)
    timeline: list[Interaction] = field(default_factory=list)

    @property
    def number_display(self) -> str:
        return format_phone_international(self.e164)

    @property
    def last_purchase(self) -> Purchase | None:
        return self.purchases[0] if self.purchases else None


def caller_number(number: str) -> str:
    """E.164 for the number the phone system or the agent gave, or a ValidationFailed naming ``number``."""
    return normalise_phone(number, field="number")


def screen_pop_for_number(*, user: User, number: str, caller: str = "") -> ScreenPop:
    """The card for a call from ``number``; ``caller`` ("contact:12") picks one of several records sharing it.

    With one record behind the number the card is drawn for it at once. A ``caller`` that is not among
    the number's records is ignored (the agent chooses from the list), so a stale link shows no one's
    card by mistake.
    """
    e164 = caller_number(number)
    owners = customer_selectors.records_with_phone(user=user, e164=e164)
    callers = [
        *(Caller("contact", c) for c in owners.contacts),
        *(Caller("account", a) for a in owners.accounts),
        *(Caller("lead", lead) for lead in owners.leads),
    ]
    chosen = next((c for c in callers if c.key == caller), None) if caller else None
    if chosen is None and len(callers) == 1:
        chosen = callers[0]
    if chosen is None:
        return ScreenPop(number=number.strip(), e164=e164, callers=callers)
    account = chosen.account
    about: dict[str, Any] = {chosen.kind: chosen.record}
    return ScreenPop(
        number=number.strip(),
        e164=e164,
        callers=callers,
        caller=chosen,
        profile=customer_profile_for_account(account_id=account.pk) if account is not None else None,
        purchases=purchases_of(user=user, account=account) if account is not None else [],
        open_cases=open_cases_of_account(user=user, account=account) if account is not None else [],
        open_activities=activities_for_record(user=user, limit=ACTIVITIES_SHOWN, **about),
        timeline=customer_selectors.timeline_for(user=user, limit=TIMELINE_SHOWN, **about),
    )


def purchases_of(*, user: User, account: Account, limit: int = PURCHASES_SHOWN) -> list[Purchase]:
    """The account's latest order lines the user may see, newest order first (cancelled orders left out)."""
    orders = billing.order_list_for_user(user=user).filter(account=account).exclude(status=OrderStatus.CANCELLED).values("id")
    lines = (
        OrderLine.objects.filter(order__in=orders)
        .select_related("order", "product")
        .order_by("-order__ordered_on", "-order_id", "id")[:limit]
    )
    return [
        Purchase(
            ordered_on=line.order.ordered_on,
            order_id=line.order_id,
            order_number=line.order.number or "",
            product=line.product.name if line.product is not None else line.description,
            quantity=line.quantity,
            unit=line.unit,
            returned=line.returned_quantity,
        )
        for line in lines
    ]

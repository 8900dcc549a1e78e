"""Reads for users, teams and currencies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from rapport.common.errors import NotFound
from rapport.common.money import Money, validate_currency
from rapport.core import policies
from rapport.core.models import ExchangeRate, Team, User


def actor_of(request: HttpRequest) -> User:
    """The signed-in user of a request that passed authentication."""
    user = request.user
    if not isinstance(user, User):
        raise NotFound("Sign in first.")
    return user


def base_currency() -> str:
    return settings.RAPPORT_BASE_CURRENCY


def rate_to_base(currency: str, *, on: date) -> Decimal:
    code = validate_currency(currency)
    if code == base_currency():
        return Decimal(1)
    rate = ExchangeRate.objects.filter(currency=code, valid_from__lte=on).order_by("-valid_from").first()
    if rate is None:
        raise NotFound(f"No exchange rate for {code} on {on}.")
    return rate.rate_to_base


def convert_to_base(money: Money, *, on: date) -> Money:
    return Money(money.amount * rate_to_base(money.currency, on=on), base_currency()).rounded()


def user_list_for_user(*, user: User) -> QuerySet[User]:
    """Users a user may see and pick: everyone active, for assigning and mentions."""
    return User.objects.filter(is_active=True).select_related("team").order_by("username")


def user_get_for_user(*, user: User, user_id: int) -> User:
    found = user_list_for_user(user=user).filter(pk=user_id).first()
    if found is None:
        raise NotFound("No such user.")
    return found


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("parent").order_by("name", "id")


def assignable_owner_ids(*, user: User) -> set[int] | None:
    ids = policies.visible_user_ids(user)
    return None if ids is None else set(ids)


def exchange_rate_list(*, limit: int = 500) -> list[ExchangeRate]:
    return list(ExchangeRate.objects.order_by("currency", "-valid_from")[:limit])

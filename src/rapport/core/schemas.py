from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict, Field

from rapport.common.ninja import OptionalId


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    scope: str = Field("read_write", description="read or read_write")
    name: str = Field("API token", max_length=100)
    days: int | None = Field(None, description="Lifetime in days (1-366); default 90")
    otp_code: str | None = Field(
        None, max_length=32, description="The current authenticator code (or a recovery code), for accounts with a second factor"
    )


class PasswordChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=4096)
    new_password: str = Field(max_length=4096)


class TokenOut(Schema):
    id: int
    token: str = Field(description="Shown once; store it safely.")
    scope: str
    expires_at: datetime


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None


class TeamIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=120)
    slug: str = Field(max_length=60)
    parent_id: OptionalId = None


class TeamPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=120)
    parent_id: OptionalId = None


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    team_id: int | None
    manager_id: int | None
    is_active: bool
    language: str
    time_zone: str


class UserIn(Schema):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    role: str = "sales_rep"
    team_id: OptionalId = None
    manager_id: OptionalId = None
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)


class UserPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    role: str | None = None
    team_id: OptionalId = None
    manager_id: OptionalId = None
    is_active: bool | None = None
    language: str | None = None
    time_zone: str | None = None


class PageOut(Schema):
    next_cursor: str | None


class ExchangeRateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    currency: str = Field(max_length=3, description="ISO 4217 code, e.g. USD")
    rate_to_base: Decimal = Field(gt=0, max_digits=18, decimal_places=8, description="Units of the base currency one unit buys")
    valid_from: date


class ExchangeRateOut(Schema):
    currency: str
    rate_to_base: Decimal
    valid_from: date


class CurrencySettingsOut(Schema):
    base_currency: str
    rates: list[ExchangeRateOut]
